"""Compare page helpers: the summary table (metric | current | comparison | change %) and id-set notices."""

from __future__ import annotations

import math
from dataclasses import dataclass

from tsi.ui.tables import value_text

# (stats key, label, direction): +1 = higher is better, -1 = lower is better, 0 = neutral (no colour).
METRICS: list[tuple[str, str, int]] = [
    ("block_count", "Blocks", 0),
    ("scheduled_count", "Scheduled blocks", +1),
    ("unscheduled_count", "Unscheduled blocks", -1),
    ("priority_total", "Priority total (scheduled)", +1),
    ("priority_mean", "Priority mean (scheduled)", +1),
    ("priority_median", "Priority median (scheduled)", +1),
    ("requested_hours_total", "Requested hours (scheduled)", +1),
    ("scheduled_hours_total", "Scheduled hours", +1),
    ("scheduled_hours_mean", "Scheduled hours per block, mean", 0),
    ("scheduled_hours_median", "Scheduled hours per block, median", 0),
    ("gap_count", "Gaps", -1),
    ("gap_mean_hours", "Gap mean (hours)", -1),
    ("gap_median_hours", "Gap median (hours)", -1),
]

CHANGE_COLUMNS = ["original_block_id", "change", "priority_current", "priority_comparison"]


@dataclass
class SummaryRow:
    key: str
    metric: str
    current: str
    comparison: str
    change: str
    verdict: str  # "better" | "worse" | "" (unchanged, neutral or not computable)
    change_pct: float | None


def _num(v) -> float | None:
    if v is None:
        return None
    f = float(v)
    return None if math.isnan(f) else f


def change_percent(current, comparison) -> float | None:
    """(comparison − current) / |current| × 100; 0 when both are 0; None when not computable."""
    a, b = _num(current), _num(comparison)
    if a is None or b is None:
        return None
    if a == 0:
        return 0.0 if b == 0 else None
    return (b - a) / abs(a) * 100.0


def verdict(current, comparison, direction: int) -> str:
    a, b = _num(current), _num(comparison)
    if direction == 0 or a is None or b is None or a == b:
        return ""
    return "better" if (b - a) * direction > 0 else "worse"


def _pct_text(p: float | None) -> str:
    if p is None:
        return "–"
    return f"{p:+.1f} %"


def summary_rows(current_stats: dict, comparison_stats: dict) -> list[SummaryRow]:
    rows = []
    for key, label, direction in METRICS:
        a, b = current_stats.get(key), comparison_stats.get(key)
        p = change_percent(a, b)
        rows.append(SummaryRow(key, label, value_text(a), value_text(b), _pct_text(p), verdict(a, b, direction), p))
    return rows


def id_set_notice(summary: dict) -> str | None:
    """The sentence shown when the id sets differ (None when both schedules hold the same ids)."""
    common = int(summary["common_count"])
    only_c = int(summary["only_current_count"])
    only_o = int(summary["only_comparison_count"])
    if common == 0:
        return "The schedules share no block ids; nothing to compare."
    if only_c == 0 and only_o == 0:
        return None
    return (f"The block ids differ: {common:,} in both, {only_c:,} only in the current schedule, "
            f"{only_o:,} only in the comparison. Only common ids are compared.")


def parse_with(value: object) -> tuple[int | None, str | None]:
    """The `with` query value → (id, None), (None, None) when absent, (None, message) when invalid."""
    from tsi.ui.urls import parse_schedule_id

    return parse_schedule_id(value)


def compare_search(search: str | None, schedule: object, other: object) -> str:
    """`search` with `schedule` and `with` replaced (`with` dropped when empty), other keys kept."""
    from urllib.parse import urlencode

    from tsi.ui.urls import parse_search

    q = parse_search(search)
    q.pop("with", None)
    if schedule not in (None, ""):
        q["schedule"] = str(schedule)
    if other not in (None, ""):
        q["with"] = str(other)
    return "?" + urlencode(q) if q else ""
