"""Trends page controls → facade parameters (flows.md §6): ranges are sent only when narrowed."""

from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

__all__ = ["slider_spec", "range_param", "levels_param", "overview_texts"]


def _nice_step(span: float) -> float:
    """A 1/2/5 × 10^k step giving about 100 positions over the span."""
    if not math.isfinite(span) or span <= 0:
        return 1.0
    raw = span / 100.0
    exp = math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * 10 ** exp >= raw:
            return float(m * 10 ** exp)
    return float(10 ** (exp + 1))


def slider_spec(lo: float | None, hi: float | None) -> dict:
    """min/max/step for a range slider covering [lo, hi] (bounds widened to whole steps)."""
    lo = 0.0 if lo is None or not math.isfinite(lo) else float(lo)
    hi = lo if hi is None or not math.isfinite(hi) else float(hi)
    step = _nice_step(hi - lo)
    smin = math.floor(lo / step) * step
    smax = math.ceil(hi / step) * step
    if smax <= smin:
        smax = smin + step
    digits = max(0, -int(math.floor(math.log10(step))))
    return {"min": round(smin, digits), "max": round(smax, digits), "step": step}


def range_param(value: Sequence[float] | None, lo: float | None, hi: float | None) -> tuple[float, float] | None:
    """(lo, hi) to send when the slider value narrows [lo, hi]; None when it still covers the full bounds."""
    if not value or len(value) != 2 or lo is None or hi is None:
        return None
    a, b = sorted(float(v) for v in value)
    if a <= lo and b >= hi:
        return None
    return (max(a, lo), min(b, hi)) if a <= hi and b >= lo else (a, b)


def levels_param(selected: Iterable[Any] | None) -> list[int] | None:
    """Selected priority levels; None (= all levels) when nothing is selected."""
    levels = sorted({int(v) for v in (selected or [])})
    return levels or None


def overview_texts(m: dict) -> list[tuple[str, str, str | None]]:
    """(label, value, detail) for the overview metric cards."""
    def num(key, digits=2):
        v = m.get(key)
        return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{float(v):,.{digits}f}"

    rate = m.get("scheduling_rate")
    rate_text = "n/a" if rate is None or (isinstance(rate, float) and math.isnan(rate)) else f"{100 * rate:.1f}%"
    return [
        ("Blocks", f"{int(m.get('total_count', 0)):,}",
         f"{int(m.get('zero_visibility_count', 0)):,} with zero visibility"),
        ("Scheduling rate", rate_text, f"{int(m.get('scheduled_count', 0)):,} of {int(m.get('total_count', 0)):,}"),
        ("Priority", num("priority_mean"), f"range {num('priority_min')} – {num('priority_max')}"),
        ("Visibility (h)", num("visibility_mean", 1),
         f"range {num('visibility_min', 1)} – {num('visibility_max', 1)}"),
        ("Requested (h)", num("requested_mean"), f"range {num('requested_min')} – {num('requested_max')}"),
    ]
