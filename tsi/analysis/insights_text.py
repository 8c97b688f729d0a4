"""Automated insights for the Insights page and reports (flows.md §5): fixed rules over the insights payload.

Rules, in this order:

1. ``rate`` — always: how many of the included blocks are scheduled.
2. ``priority_bias`` — when the scheduled and unscheduled mean priorities both exist and differ by ≥ 0.5.
3. ``impossible`` — when the schedule has impossible blocks (zero visibility): their share of all blocks.
4. ``correlation`` — the strongest Spearman correlation when |ρ| ≥ 0.4 ("strong" from 0.7), with its sign.
5. ``conflicts`` — always: the number of scheduling conflicts.

Everything here is a pure function of the payload (no I/O), so the page and the reports say the same thing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

__all__ = [
    "Insight", "insights", "insight_texts", "strongest_correlation", "variable_label",
    "BIAS_THRESHOLD", "CORRELATION_THRESHOLD", "STRONG_CORRELATION",
]

BIAS_THRESHOLD = 0.5
CORRELATION_THRESHOLD = 0.4
STRONG_CORRELATION = 0.7
_EPS = 1e-9  # thresholds are inclusive; absorb floating-point noise such as 5.7 - 5.2 = 0.4999999999999991

VARIABLE_LABELS = {
    "priority": "priority",
    "visibility": "visibility",
    "requested": "requested time",
    "elevation": "elevation",
}


@dataclass(frozen=True)
class Insight:
    rule: str
    text: str


def _num(v: Any) -> float | None:
    """A finite float, or None for missing / NaN values."""
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _int(v: Any) -> int:
    f = _num(v)
    return 0 if f is None else int(f)


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "0.0%"


def _blocks(n: int) -> str:
    return f"{n:,} block" if n == 1 else f"{n:,} blocks"


def variable_label(name: str) -> str:
    return VARIABLE_LABELS.get(name, name)


def strongest_correlation(correlations: Mapping[str, Any] | None) -> tuple[str, str, float] | None:
    """(variable_1, variable_2, ρ) of the largest |ρ| among finite values (first row wins ties), or None."""
    if not correlations:
        return None
    best = None
    v1s, v2s, rhos = correlations.get("variable_1", []), correlations.get("variable_2", []), correlations.get("rho", [])
    for a, b, r in zip(v1s, v2s, rhos):
        rho = _num(r)
        if rho is None:
            continue
        if best is None or abs(rho) > abs(best[2]):
            best = (str(a), str(b), rho)
    return best


def _rate(m: Mapping[str, Any], exclude_impossible: bool | None) -> Insight:
    included = _int(m.get("included"))
    scheduled = _int(m.get("scheduled_count"))
    if included == 0:
        return Insight("rate", "No blocks are included, so there is no scheduling rate.")
    rate = _num(m.get("scheduling_rate"))
    rate_text = f"{100.0 * rate:.1f}%" if rate is not None else _pct(scheduled, included)
    scope = " possible" if exclude_impossible else ""
    return Insight("rate", f"{scheduled:,} of {included:,}{scope} blocks are scheduled ({rate_text}).")


def _priority_bias(m: Mapping[str, Any]) -> Insight | None:
    s, u = _num(m.get("priority_scheduled_mean")), _num(m.get("priority_unscheduled_mean"))
    if s is None or u is None:
        return None
    diff = s - u
    if abs(diff) < BIAS_THRESHOLD - _EPS:
        return None
    word = "higher" if diff > 0 else "lower"
    return Insight("priority_bias",
                   f"Scheduled blocks have a {word} mean priority than unscheduled ones "
                   f"({s:.2f} vs {u:.2f}, a difference of {abs(diff):.2f}).")


def _impossible(m: Mapping[str, Any], exclude_impossible: bool | None) -> Insight | None:
    impossible, total = _int(m.get("impossible_count")), _int(m.get("schedule_total"))
    if impossible <= 0:
        return None
    tail = " They are excluded from the analysis." if exclude_impossible else ""
    verb = "is" if impossible == 1 else "are"
    return Insight("impossible",
                   f"{impossible:,} of {total:,} blocks ({_pct(impossible, total)}) {verb} impossible "
                   f"(no visibility).{tail}")


def _correlation(correlations: Mapping[str, Any] | None) -> Insight | None:
    best = strongest_correlation(correlations)
    if best is None:
        return None
    a, b, rho = best
    if abs(rho) < CORRELATION_THRESHOLD - _EPS:
        return None
    strength = "strong" if abs(rho) >= STRONG_CORRELATION - _EPS else "moderate"
    sign = "positive" if rho > 0 else "negative"
    return Insight("correlation",
                   f"The strongest correlation is {strength} and {sign}: {variable_label(a)} and "
                   f"{variable_label(b)} (Spearman ρ = {rho:.2f}).")


def _conflicts(m: Mapping[str, Any], truncated: bool = False) -> Insight:
    n = _int(m.get("conflict_count"))
    if n == 0:
        return Insight("conflicts", "No scheduling conflicts: no two scheduled blocks overlap in time.")
    pairs = "pair" if n == 1 else "pairs"
    return Insight("conflicts", f"{n:,} scheduling conflict{'s' if n != 1 else ''}: {n:,} {pairs} of scheduled "
                                f"blocks overlap in time.")


def insights(payload: Mapping[str, Any], exclude_impossible: bool | None = None) -> list[Insight]:
    """The insights for an insights payload, in rule order; rules whose condition fails are left out."""
    m = payload.get("metrics") or {}
    found = [
        _rate(m, exclude_impossible),
        _priority_bias(m),
        _impossible(m, exclude_impossible),
        _correlation(payload.get("correlations")),
        _conflicts(m, bool(payload.get("conflicts_truncated"))),
    ]
    return [i for i in found if i is not None]


def insight_texts(payload: Mapping[str, Any], exclude_impossible: bool | None = None) -> list[str]:
    return [i.text for i in insights(payload, exclude_impossible)]
