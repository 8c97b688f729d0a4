"""Sky Map page helpers: subset summary, controls → filters, window defaults, CSV of the subset."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest

from tsi.figures.sky_map import filter_mask
from tsi.ui import sky_map_view as v

NAN = math.nan


def payload():
    start = np.array([61771.0004, 61772.5, NAN, 61775.25])
    return {
        "blocks": {
            "block_id": np.array([1, 2, 3, 4]), "original_block_id": ["a", "b", "c", "d"],
            "ra_deg": np.array([10.0, 200.0, 350.0, 90.0]), "dec_deg": np.array([-30.0, 10.0, 45.0, 0.0]),
            "x": np.zeros(4), "y": np.zeros(4), "priority": np.array([1.0, 4.0, 7.0, 10.0]),
            "priority_bin": np.array([1, 2, 3, 4], dtype=np.uint8), "requested_hours": np.array([0.5, 1.0, 2.0, 0.25]),
            "scheduled": np.array([True, True, False, True]), "scheduled_start_mjd": start,
            "scheduled_stop_mjd": start + 0.5,
        },
        "priority_bins": None,
        "stats": {"total_count": 4, "scheduled_count": 3, "priority_min": 1.0, "priority_max": 10.0,
                  "scheduled_time_min_mjd": 61771.0004, "scheduled_time_max_mjd": 61775.75,
                  "requested_hours_max": 2.0},
    }


def test_summary_of_a_subset():
    p = payload()
    s = v.subset_summary(p, np.array([True, True, True, False]))
    assert (s["shown"], s["total"], s["scheduled_shown"]) == (3, 4, 2)
    assert s["share_scheduled"] == pytest.approx(200 / 3)
    assert (s["ra_min"], s["ra_max"], s["dec_min"], s["dec_max"]) == (10.0, 350.0, -30.0, 45.0)
    assert s["requested_hours"] == 3.5
    texts = dict((label, value) for label, value, _ in v.summary_texts(s))
    assert texts["Blocks shown"] == "3 of 4" and texts["Scheduled (shown)"] == "66.7 %"
    assert texts["RA span"] == "10.0°–350.0°" and texts["Requested hours shown"] == "3.50 h"
    empty = v.subset_summary(p, np.zeros(4, dtype=bool))
    assert empty["shown"] == 0 and empty["share_scheduled"] is None
    assert dict((label, value) for label, value, _ in v.summary_texts(empty))["Dec span"] == "–"


def test_window_defaults_round_outwards_to_the_minute():
    assert v.window_defaults(payload()["stats"]) == ("2028-01-01 00:00", "2028-01-05 18:00")
    assert v.window_defaults({"scheduled_count": 0}) == ("", "")
    assert v.mjd_minute_text(61771.0 + 30.5 / 1440, up=True) == "2028-01-01 00:31"


def test_default_controls_mean_no_filter():
    stats = payload()["stats"]
    f, bad = v.filters_from_controls(stats, "all", [1.0, 10.0], *v.window_defaults(stats))
    assert bad == [] and (f.priority_min, f.priority_max, f.window_from_mjd, f.window_to_mjd) == (None,) * 4
    assert filter_mask(payload()["blocks"], f).all()


def test_controls_to_filters():
    stats = payload()["stats"]
    f, bad = v.filters_from_controls(stats, "scheduled", [4.0, 9.0], "2028-01-02 00:00", "2028-01-05T00:00")
    assert bad == []
    assert (f.status, f.priority_min, f.priority_max) == ("scheduled", 4.0, 9.0)
    assert f.window_from_mjd == pytest.approx(61772.0) and f.window_to_mjd == pytest.approx(61775.0)
    assert filter_mask(payload()["blocks"], f).tolist() == [False, True, False, False]
    f, bad = v.filters_from_controls(stats, "all", None, "tomorrow", "")
    assert bad == ["from"] and f.window_from_mjd is None and f.window_to_mjd is None


def test_priority_bounds():
    b = v.priority_bounds({"priority_min": 0.5, "priority_max": 10.0})
    assert (b.low, b.high, b.step, b.disabled) == (0.5, 10.0, 0.01, False)
    b = v.priority_bounds({"priority_min": 3.0, "priority_max": 3.0})
    assert b.disabled and b.low == 3.0
    # a disabled slider never filters
    f, _ = v.filters_from_controls({"priority_min": 3.0, "priority_max": 3.0}, "all", [3.0, 4.0], None, None)
    assert f.priority_min is None and f.priority_max is None


def test_subset_csv():
    p = payload()
    text = v.subset_csv(p, np.array([True, False, True, False]))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["original_block_id"] for r in rows] == ["a", "c"]
    assert list(rows[0]) == v.CSV_COLUMNS
    assert rows[0]["scheduled_start_utc"] == "2028-01-01 00:00" and rows[0]["priority_label"] == "Low"
    assert rows[1]["scheduled"] == "False" and rows[1]["scheduled_start_utc"] == ""
