"""Timeline page helpers: metrics, dark facts, table rows and filters."""

from __future__ import annotations

import numpy as np

from tsi.ui.timeline_table import (
    FIELDS, dark_facts, filter_mask, metrics, month_options, rows_csv, showing_text, table_rows,
)


def payload():
    blocks = {
        "block_id": np.array([1, 2, 3]), "original_block_id": ["A-1", "B-2", "C-12"],
        "priority": np.array([1.0, 5.0, 9.0]),
        "scheduled_start_mjd": np.array([61771.0, 61801.5, 61840.0]),
        "scheduled_stop_mjd": np.array([61771.5, 61802.5, 61840.25]),
        "scheduled_hours": np.array([12.0, 24.0, 6.0]), "ra_deg": np.array([10.0, 20.0, 30.0]),
        "dec_deg": np.array([-5.0, 0.0, np.nan]), "requested_hours": np.array([12.0, 24.0, 6.0]),
        "total_visibility_hours": np.array([100.0, 200.0, 300.0]),
        "visibility_period_count": np.array([3, 4, 5]),
    }
    segments = {"row": np.array([0, 1, 1, 2]), "month": ["2028-01", "2028-01", "2028-02", "2028-03"],
                "day_start": np.array([1.0, 31.5, 1.0, 10.0]), "day_end": np.array([1.5, 32.0, 1.5, 10.25])}
    dark = {"month": ["2028-01", "2028-02"], "day_start": np.array([1.0, 3.0]), "day_end": np.array([1.25, 3.5])}
    return {"blocks": blocks, "segments": segments, "dark_segments": dark, "daylight_segments": dark,
            "months": ["2028-01", "2028-02", "2028-03"],
            "summary": {"total_blocks": 1500, "scheduled_count": 3, "scheduled_hours_total": 42.0,
                        "scheduled_hours_mean": 14.0, "priority_min": 1.0, "priority_max": 9.0,
                        "first_start_mjd": 61771.0, "last_stop_mjd": 61840.25, "dark_period_count": 2,
                        "dark_hours": 18.0}}


def test_metrics():
    m = {key: (value, detail) for _label, value, key, detail in metrics(payload())}
    assert m["scheduled"][0] == "3 of 1,500"
    assert m["hours"][0] == "42.0 h" and m["mean"][0] == "14.0 h" and m["months"][0] == "3"
    assert m["range"] == ("2028-01-01 – 2028-03-10", "2028-01-01 00:00 – 2028-03-10 06:00 UTC")


def test_dark_facts():
    assert dark_facts(payload()) == {"count": "2", "hours": "18.0 h",
                                     "range": "2028-01-01 00:00 – 2028-02-03 12:00 UTC"}


def test_rows_filters_and_csv():
    p = payload()
    rows = table_rows(p)
    assert [r["original_block_id"] for r in rows] == ["A-1", "B-2", "C-12"]
    assert list(rows[1]) == FIELDS
    assert rows[1]["start"] == "2028-01-31 12:00" and rows[1]["stop"] == "2028-02-01 12:00"
    assert rows[2]["dec_deg"] is None
    assert filter_mask(p).tolist() == [True, True, True]
    assert filter_mask(p, search="c-1").tolist() == [False, False, True]
    assert filter_mask(p, search="2").tolist() == [False, True, True]
    assert filter_mask(p, month="2028-02").tolist() == [False, True, False]  # B spans Jan and Feb
    assert filter_mask(p, month="2028-01").tolist() == [True, True, False]
    assert filter_mask(p, min_priority=5).tolist() == [False, True, True]
    assert filter_mask(p, search="b", month="2028-03").tolist() == [False, False, False]
    assert showing_text(2, 1315) == "Showing 2 of 1,315"
    assert month_options(p)[1] == {"label": "Feb 2028", "value": "2028-02"}
    lines = rows_csv(rows).splitlines()
    assert lines[0] == ",".join(FIELDS) and lines[3].startswith("C-12,9.0,") and ",," in lines[3]
