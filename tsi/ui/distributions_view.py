"""Distributions page helpers that are not figures: the statistics table (two decimals), its CSV, the metrics."""

from __future__ import annotations

import math

import dash_bootstrap_components as dbc
from dash import html

from tsi.ui.alerts import NO_BLOCKS
from tsi.ui.csv_safe import csv_text
from tsi.ui.tables import value_text

STAT_COLUMNS = ["count", "mean", "median", "std", "min", "max", "sum"]
VARIABLES = [  # (where, key, label)
    ("stats", "priority", "Priority"),
    ("stats", "total_visibility_hours", "Total visibility (h)"),
    ("stats", "requested_hours", "Requested time (h)"),
    ("stats", "elevation_range_deg", "Elevation range (deg)"),
    ("priority_by_status", "scheduled", "Priority, scheduled"),
    ("priority_by_status", "unscheduled", "Priority, unscheduled"),
]
ALL_IMPOSSIBLE = "Every block is impossible and 'Exclude impossible' is on."


def _num(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return v


def stats_rows(payload: dict) -> list[dict]:
    """One row per variable: label, count (int), and mean … sum rounded to two decimals (None when missing)."""
    rows = []
    for where, key, label in VARIABLES:
        s = (payload.get(where) or {}).get(key) or {}
        row: dict = {"variable": label}
        for col in STAT_COLUMNS:
            v = _num(s.get(col))
            if col == "count":
                row[col] = int(v or 0)
            else:
                row[col] = None if v is None else round(float(v), 2)
        rows.append(row)
    return rows


def stats_table(rows: list[dict]) -> dbc.Table:
    head = html.Thead(html.Tr([html.Th("Variable")] + [html.Th(c.capitalize(), className="text-end")
                                                        for c in STAT_COLUMNS]))
    body = html.Tbody([
        html.Tr([html.Td(r["variable"])] + [html.Td(value_text(r[c], 2), className="text-end")
                                            for c in STAT_COLUMNS])
        for r in rows])
    return dbc.Table([head, body], id="dist-stats-table", striped=True, hover=True, size="sm",
                     className="mb-2", responsive=True)


def stats_csv(rows: list[dict]) -> str:
    """The statistics as CSV (two decimals); formula-like text cells get a leading `'` (csv_safe)."""
    return csv_text(["variable"] + STAT_COLUMNS,
                    ([r["variable"]] + [None if r[c] is None else (r[c] if c == "count" else f"{r[c]:.2f}")
                                        for c in STAT_COLUMNS] for r in rows))


def metric_texts(counts: dict, exclude_impossible: bool) -> list[tuple[str, str, str | None]]:
    """(label, value, detail) for the metric cards."""
    included = int(counts.get("included") or 0)
    total = int(counts.get("schedule_total") or 0)
    sched = int(counts.get("scheduled") or 0)
    share = f"{100.0 * sched / included:.1f} %" if included else "–"
    excluded = int(counts.get("excluded") or 0)
    return [
        ("Blocks included", f"{included:,} of {total:,}", None),
        ("Scheduled", f"{sched:,}", share),
        ("Unscheduled", f"{int(counts.get('unscheduled') or 0):,}", None),
        ("Impossible", f"{int(counts.get('impossible') or 0):,}",
         f"{excluded:,} excluded" if exclude_impossible else "included"),
    ]


def empty_message(counts: dict, exclude_impossible: bool) -> str | None:
    """The empty-state sentence, or None when there is something to draw."""
    if int(counts.get("included") or 0) > 0:
        return None
    if int(counts.get("schedule_total") or 0) == 0:
        return NO_BLOCKS
    return ALL_IMPOSSIBLE if exclude_impossible else NO_BLOCKS
