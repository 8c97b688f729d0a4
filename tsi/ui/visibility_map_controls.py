"""Visibility Map page helpers: controls → facade parameters, metric texts, CSV downloads (no Dash here)."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from tsi.timeparse import parse_time_to_unix
from tsi.ui.tables import to_csv

UNIT_SECONDS = {"minutes": 60, "hours": 3600, "days": 86400}
MAX_PAGE_BINS = 1000


def duration_text(seconds: int | float) -> str:
    """7 h 19 m, 2 d 9 h 36 m, 1 h, 1 m 30 s, 45 s (seconds only below one hour)."""
    s = int(round(float(seconds)))
    if s < 60:
        return f"{s} s"
    d, rest = divmod(s, 86400)
    h, rest = divmod(rest, 3600)
    m, sec = divmod(rest, 60)
    parts = [f"{d} d"] if d else []
    if h:
        parts.append(f"{h} h")
    if m:
        parts.append(f"{m} m")
    if sec and s < 3600:
        parts.append(f"{sec} s")
    return " ".join(parts)


def bins_text(rng: dict) -> str:
    """'50 bins of 7 h 19 m' from a payload's `range`."""
    n = int(rng["n_bins"])
    return f"{n:,} {'bin' if n == 1 else 'bins'} of {duration_text(rng['bin_seconds'])}"


def unix_text(t: int | float | None) -> str:
    if t is None:
        return ""
    return datetime.fromtimestamp(float(t), tz=timezone.utc).strftime("%Y-%m-%d %H:%M")


def _number(name: str, value) -> float:
    if value is None or value == "":
        raise ValueError(f"{name} is required")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number (got {value!r})") from None
    if v != v:
        raise ValueError(f"{name} must be a number (got {value!r})")
    return v


def bin_params(mode: str, n_bins, width, unit: str) -> dict:
    """{'n_bins': n} for "Number of bins" (1–1000) or {'bin_seconds': s} for "Fixed width"."""
    if mode == "width":
        if width is None or width == "":
            raise ValueError("Bin width must be a positive number")
        w = _number("Bin width", width)
        if unit not in UNIT_SECONDS:
            raise ValueError(f"Bin width unit must be minutes, hours or days (got {unit!r})")
        seconds = int(round(w * UNIT_SECONDS[unit]))
        if w <= 0 or seconds < 1:
            raise ValueError("Bin width must be at least 1 second")
        return {"bin_seconds": seconds}
    rule = f"Number of bins must be a whole number from 1 to {MAX_PAGE_BINS:,}"
    if n_bins is None or n_bins == "":
        raise ValueError(rule)
    n = _number("Number of bins", n_bins)
    if n != int(n) or not 1 <= n <= MAX_PAGE_BINS:
        raise ValueError(f"{rule} (got {n_bins})")
    return {"n_bins": int(n)}


def time_param(text, default_text: str | None, label: str) -> int | None:
    """A UTC date-time text → unix seconds; None when empty or unchanged from the default (whole schedule)."""
    s = (text or "").strip()
    if not s or (default_text and s == default_text):
        return None
    try:
        return parse_time_to_unix(s)
    except ValueError:
        raise ValueError(f"{label} must be a UTC date-time such as 2028-01-05 21:00 (got {s!r})") from None


def priority_params(value, full: tuple[float, float] | None) -> dict:
    """Slider value → priority_min/max, None on a side left at the schedule's bound."""
    if not value or full is None:
        return {}
    lo, hi = float(value[0]), float(value[1])
    out = {}
    if lo > full[0] + 1e-9:
        out["priority_min"] = lo
    if hi < full[1] - 1e-9:
        out["priority_max"] = hi
    return out


def facade_params(mode, n_bins, width, unit, start_text, end_text, defaults: dict, priority, block_ids) -> dict:
    """All page controls → keyword arguments of `tsi.data.visibility_map` (raises ValueError with user text)."""
    p = bin_params(mode, n_bins, width, unit)
    p["start_unix"] = time_param(start_text, defaults.get("start_text"), "Start")
    p["end_unix"] = time_param(end_text, defaults.get("end_text"), "End")
    s = p["start_unix"] if p["start_unix"] is not None else defaults.get("start_unix")
    e = p["end_unix"] if p["end_unix"] is not None else defaults.get("end_unix")
    if s is not None and e is not None and s >= e:
        raise ValueError("The start of the time range must be before its end")
    full = defaults.get("priority")
    p.update(priority_params(priority, tuple(full) if full else None))
    if block_ids:
        p["block_ids"] = [str(b) for b in block_ids]
    return p


def block_options(original_ids, search: str | None, selected, limit: int = 100) -> list[dict]:
    """Options of the block filter: the selected ids plus up to `limit` ids containing the search text."""
    chosen = [str(v) for v in (selected or [])]
    out = [{"label": v, "value": v} for v in chosen]
    seen = set(chosen)
    q = (search or "").strip().lower()
    for oid in original_ids:
        if len(out) >= limit + len(chosen):
            break
        if oid in seen or (q and q not in oid.lower()):
            continue
        out.append({"label": oid, "value": oid})
        seen.add(oid)
    return out


HISTOGRAM_COLUMNS = ["bin_start_utc", "bin_end_utc", "bin_start_unix", "bin_end_unix", "count", "count_bin1",
                     "count_bin2", "count_bin3", "count_bin4", "count_scheduled", "count_unscheduled"]
CALENDAR_COLUMNS = ["date", "month", "day", "visible_blocks", "visible_block_hours", "dark_hours"]


def histogram_csv(payload: dict) -> str:
    h = dict(payload["histogram"])
    h["bin_start_utc"] = [unix_text(t) for t in np.asarray(h["bin_start_unix"]).tolist()]
    h["bin_end_utc"] = [unix_text(t) for t in np.asarray(h["bin_end_unix"]).tolist()]
    return to_csv(h, HISTOGRAM_COLUMNS)


def calendar_csv(payload: dict) -> str:
    return to_csv(payload["calendar"], CALENDAR_COLUMNS)
