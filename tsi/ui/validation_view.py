"""Validation page helpers (flows.md §8): rule names, view-only filters on the issues table, texts."""

from __future__ import annotations

import numpy as np

CRITICALITIES = ("Critical", "High", "Medium", "Low")
CRITICALITY_COLORS = {"Critical": "danger", "High": "warning", "Medium": "info", "Low": "secondary"}
CATEGORIES = ("schedule", "visibility", "scheduled_period", "duration", "constraint", "priority")
RULE_NAMES = {
    "S01": "no_visibility_data", "S02": "no_dark_periods",
    "V01": "impossible", "V02": "window_too_short", "V03": "visibility_below_request",
    "V04": "scheduled_outside_visibility", "V05": "scheduled_outside_fixed_window", "V06": "scheduled_conflict",
    "V07": "scheduled_in_daylight", "V08": "scheduled_too_long", "V09": "scheduled_too_short",
    "V10": "fixed_window_too_short", "V11": "zero_requested_duration", "V12": "altitude_out_of_range",
    "V13": "narrow_elevation", "V14": "azimuth_out_of_range", "V15": "negative_priority",
}
TEXT_COLUMNS = ("original_block_id", "rule", "category", "criticality", "field", "value", "expected", "message")
CSV_COLUMNS = ["original_block_id", "block_id", "rule", "rule_name", "category", "criticality", "field", "value",
               "expected", "message"]
GRID_COLUMNS = [
    {"field": "original_block_id", "headerName": "Original id", "width": 135},
    {"field": "rule_label", "headerName": "Rule", "width": 260},
    {"field": "criticality", "headerName": "Criticality", "width": 115},
    {"field": "field", "headerName": "Field", "width": 180},
    {"field": "value", "headerName": "Value", "width": 120, "tooltipField": "value"},
    {"field": "expected", "headerName": "Expected", "width": 200, "tooltipField": "expected"},
    {"field": "message", "headerName": "Message", "flex": 1, "minWidth": 300, "tooltipField": "message"},
]


def rule_label(rule: str) -> str:
    """'V01' → 'V01 impossible' (unknown codes unchanged)."""
    name = RULE_NAMES.get(rule)
    return f"{rule} {name}" if name else rule


def issue_count(issues: dict) -> int:
    return len(issues["rule"])


def filter_mask(issues: dict, criticalities=None, category: str | None = None, text: str | None = None) -> np.ndarray:
    """Rows kept by the filters: criticality in the chosen set (None = all), category (None/'' = all) and a
    case-insensitive text search over id, rule (code and name), field, value, expected and message."""
    n = issue_count(issues)
    keep = np.ones(n, dtype=bool)
    if criticalities is not None:
        chosen = set(criticalities)
        keep &= np.array([c in chosen for c in issues["criticality"]], dtype=bool)
    if category:
        keep &= np.array([c == category for c in issues["category"]], dtype=bool)
    needle = (text or "").strip().lower()
    if needle:
        hay = []
        for i in range(n):
            parts = [str(issues[c][i]) for c in TEXT_COLUMNS] + [RULE_NAMES.get(issues["rule"][i], "")]
            hay.append(needle in " ".join(parts).lower())
        keep &= np.array(hay, dtype=bool)
    return keep


def view_table(issues: dict, mask: np.ndarray | None = None) -> dict:
    """The issues for display and CSV: kept rows, rule names added, schedule-level ids shown as '(schedule)'."""
    n = issue_count(issues)
    idx = np.flatnonzero(mask) if mask is not None else np.arange(n)
    out: dict = {}
    for c in ("block_id", "original_block_id", "rule", "category", "criticality", "field", "value", "expected",
              "message"):
        col = issues[c]
        out[c] = np.asarray(col)[idx] if isinstance(col, np.ndarray) else [col[i] for i in idx]
    out["original_block_id"] = [v if v != "" else "(schedule)" for v in out["original_block_id"]]
    out["rule_name"] = [RULE_NAMES.get(r, "") for r in out["rule"]]
    out["rule_label"] = [rule_label(r) for r in out["rule"]]
    return out


def showing_text(shown: int, total: int) -> str:
    return f"Showing {shown:,} of {total:,} issues"


def blocks_with_issues_text(summary: dict) -> str:
    return f"{int(summary['blocks_with_issues']):,} of {int(summary['blocks_checked']):,}"


def empty_text(summary: dict) -> str:
    return f"No issues found — {int(summary['blocks_checked']):,} blocks checked."
