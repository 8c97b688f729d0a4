"""Distributions page helpers: statistics table rows (two decimals), CSV, metrics, empty states."""

from __future__ import annotations

import csv
import io

from tsi.ui import distributions_view as v


def payload():
    s = {"count": 3, "mean": 2.0 / 3, "median": 0.5, "std": 1.23456, "min": 0.0, "max": 1.5, "sum": 2.0}
    empty = {"count": 0, "mean": None, "median": None, "std": None, "min": None, "max": None, "sum": None}
    return {"stats": {"priority": s, "total_visibility_hours": s, "requested_hours": s, "elevation_range_deg": s},
            "priority_by_status": {"scheduled": s, "unscheduled": empty},
            "counts": {"schedule_total": 5, "impossible": 2, "excluded": 2, "included": 3, "scheduled": 3,
                       "unscheduled": 0}}


def test_rows_have_two_decimals_and_missing_values():
    rows = v.stats_rows(payload())
    assert [r["variable"] for r in rows][:4] == ["Priority", "Total visibility (h)", "Requested time (h)",
                                                 "Elevation range (deg)"]
    assert rows[0] == {"variable": "Priority", "count": 3, "mean": 0.67, "median": 0.5, "std": 1.23, "min": 0.0,
                       "max": 1.5, "sum": 2.0}
    assert rows[-1]["count"] == 0 and rows[-1]["mean"] is None


def test_csv_matches_the_table():
    rows = list(csv.reader(io.StringIO(v.stats_csv(v.stats_rows(payload())))))
    assert rows[0] == ["variable", "count", "mean", "median", "std", "min", "max", "sum"]
    assert rows[1] == ["Priority", "3", "0.67", "0.50", "1.23", "0.00", "1.50", "2.00"]
    assert rows[-1][2:] == [""] * 6


def test_metrics_and_empty_states():
    c = payload()["counts"]
    texts = {label: (value, detail) for label, value, detail in v.metric_texts(c, True)}
    assert texts["Blocks included"][0] == "3 of 5" and texts["Impossible"] == ("2", "2 excluded")
    assert v.empty_message(c, True) is None
    assert v.empty_message({"schedule_total": 0, "included": 0}, False) == "This schedule has no blocks."
    assert v.empty_message({"schedule_total": 4, "included": 0}, True) == \
        "Every block is impossible and 'Exclude impossible' is on."
