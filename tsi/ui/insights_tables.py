"""Insights page tables and metric texts (flows.md §5): column definitions and view-only table transforms."""

from __future__ import annotations

import math
from typing import Any, Mapping

from tsi.figures.common import utc_text

__all__ = ["TOP_COLUMNS", "CONFLICT_COLUMNS", "conflict_table", "metric_texts", "conflict_message"]

_NUM2 = {"function": "params.value == null ? 'n/a' : d3.format(',.2f')(params.value)"}

TOP_COLUMNS = [
    {"field": "block_id", "headerName": "Block", "width": 100},
    {"field": "original_block_id", "headerName": "Original id"},
    {"field": "priority", "headerName": "Priority", "valueFormatter": _NUM2, "type": "numericColumn"},
    {"field": "total_visibility_hours", "headerName": "Visibility (h)", "valueFormatter": _NUM2,
     "type": "numericColumn"},
    {"field": "requested_hours", "headerName": "Requested (h)", "valueFormatter": _NUM2, "type": "numericColumn"},
    {"field": "scheduled", "headerName": "Scheduled"},
]

CONFLICT_COLUMNS = [
    {"field": "block_id_1", "headerName": "Block 1", "width": 100},
    {"field": "original_block_id_1", "headerName": "Original id 1"},
    {"field": "start_1", "headerName": "Start 1 (UTC)"},
    {"field": "stop_1", "headerName": "Stop 1 (UTC)"},
    {"field": "block_id_2", "headerName": "Block 2", "width": 100},
    {"field": "original_block_id_2", "headerName": "Original id 2"},
    {"field": "start_2", "headerName": "Start 2 (UTC)"},
    {"field": "stop_2", "headerName": "Stop 2 (UTC)"},
    {"field": "overlap_hours", "headerName": "Overlap (h)", "valueFormatter": _NUM2, "type": "numericColumn"},
]


def conflict_table(conflicts: Mapping[str, Any]) -> dict:
    """The conflicts table with the MJD columns replaced by UTC text ('YYYY-MM-DD HH:MM')."""
    out = {k: v for k, v in conflicts.items() if not k.endswith("_mjd")}
    for k in ("start_1", "stop_1", "start_2", "stop_2"):
        out[k] = [utc_text(float(v)) for v in conflicts[f"{k}_mjd"]]
    return out


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _f(v: Any, digits: int = 2) -> str:
    f = _num(v)
    return "n/a" if f is None else f"{f:,.{digits}f}"


def metric_texts(m: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Metric cards: key → (value, detail)."""
    rate = _num(m.get("scheduling_rate"))
    return {
        "rate": ("n/a" if rate is None else f"{100 * rate:.1f}%",
                 f"{int(m.get('scheduled_count', 0)):,} of {int(m.get('included', 0)):,} blocks"),
        "priority": (_f(m.get("priority_mean")), f"median {_f(m.get('priority_median'))}"),
        "visibility": (f"{_f(m.get('visibility_total_hours'), 1)} h",
                       f"mean {_f(m.get('visibility_mean_hours'), 1)} h per block"),
        "conflicts": (f"{int(m.get('conflict_count', 0)):,}", "overlapping scheduled pairs"),
    }


def conflict_message(count: int, truncated: bool = False, listed: int | None = None) -> tuple[str, str]:
    """(text, colour) for the alert above the conflicts table."""
    if count <= 0:
        return "No scheduling conflicts: no two scheduled blocks overlap.", "success"
    text = f"{count:,} scheduling conflict{'s' if count != 1 else ''}"
    if truncated and listed is not None:
        text += f" (the first {listed:,} are listed)"
    return text, "warning"
