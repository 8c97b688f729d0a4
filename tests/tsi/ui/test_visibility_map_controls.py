"""Visibility Map page helpers: controls → facade parameters, metric texts, CSV."""

from __future__ import annotations

import numpy as np
import pytest

from tsi.ui.visibility_map_controls import (
    bin_params, bins_text, block_options, calendar_csv, duration_text, facade_params, histogram_csv, time_param,
)

DEFAULTS = {"start_unix": 1830297600, "end_unix": 1830384000, "start_text": "2028-01-01 00:00",
            "end_text": "2028-01-02 00:00", "priority": [0.5, 10.0], "schedule_id": 1}


def test_duration_and_bins_text():
    assert duration_text(26340) == "7 h 19 m"
    assert duration_text(207360) == "2 d 9 h 36 m"
    assert duration_text(3600) == "1 h" and duration_text(90) == "1 m 30 s" and duration_text(45) == "45 s"
    assert bins_text({"n_bins": 50, "bin_seconds": 26340}) == "50 bins of 7 h 19 m"
    assert bins_text({"n_bins": 1, "bin_seconds": 86400}) == "1 bin of 1 d"


def test_bin_params():
    assert bin_params("count", 50, None, "hours") == {"n_bins": 50}
    assert bin_params("width", None, 1, "hours") == {"bin_seconds": 3600}
    assert bin_params("width", None, 1.5, "days") == {"bin_seconds": 129600}
    assert bin_params("width", None, 15, "minutes") == {"bin_seconds": 900}
    for bad in (0, 1001, 2.5, None):
        with pytest.raises(ValueError, match="Number of bins"):
            bin_params("count", bad, None, "hours")
    with pytest.raises(ValueError, match="Bin width"):
        bin_params("width", None, 0, "hours")


def test_time_params_default_means_whole_schedule():
    assert time_param("2028-01-01 00:00", "2028-01-01 00:00", "Start") is None
    assert time_param("", "2028-01-01 00:00", "Start") is None
    assert time_param("2028-01-01 12:00", "2028-01-01 00:00", "Start") == 1830297600 + 43200
    with pytest.raises(ValueError, match="Start must be a UTC date-time"):
        time_param("yesterday", None, "Start")


def test_facade_params():
    p = facade_params("count", 20, 1, "hours", "2028-01-01 00:00", "2028-01-02 00:00", DEFAULTS, [0.5, 10.0], [])
    assert p == {"n_bins": 20, "start_unix": None, "end_unix": None}
    p = facade_params("width", 20, 2, "hours", "2028-01-01 06:00", "2028-01-02 00:00", DEFAULTS, [2.0, 10.0],
                      ["7", 8])
    assert p == {"bin_seconds": 7200, "start_unix": 1830297600 + 21600, "end_unix": None, "priority_min": 2.0,
                 "block_ids": ["7", "8"]}
    with pytest.raises(ValueError, match="start of the time range must be before its end"):
        facade_params("count", 20, 1, "hours", "2028-01-03 00:00", "", DEFAULTS, None, None)


def test_block_options_keep_the_selection_and_filter_by_search():
    ids = [f"id{i:03d}" for i in range(500)]
    opts = block_options(ids, None, None, limit=100)
    assert len(opts) == 100 and opts[0] == {"label": "id000", "value": "id000"}
    opts = block_options(ids, "42", ["id499"])
    assert [o["value"] for o in opts] == ["id499", "id042", "id142", "id242", "id342", "id420", "id421", "id422",
                                          "id423", "id424", "id425", "id426", "id427", "id428", "id429", "id442"]


def test_csvs():
    p = {"histogram": {"bin_start_unix": np.array([1830297600]), "bin_end_unix": np.array([1830301200]),
                       **{k: np.array([1]) for k in ("count", "count_bin1", "count_bin2", "count_bin3", "count_bin4",
                                                      "count_scheduled", "count_unscheduled")}},
         "calendar": {"date": ["2028-01-01"], "month": ["2028-01"], "day": np.array([1], dtype="uint8"),
                      "visible_blocks": np.array([3]), "visible_block_hours": np.array([1.5]),
                      "dark_hours": np.array([10.0])}}
    lines = histogram_csv(p).splitlines()
    assert lines[0].startswith("bin_start_utc,bin_end_utc,bin_start_unix")
    assert lines[1].startswith("2028-01-01 00:00,2028-01-01 01:00,1830297600,1830301200,1")
    assert calendar_csv(p).splitlines() == ["date,month,day,visible_blocks,visible_block_hours,dark_hours",
                                            "2028-01-01,2028-01,1,3,1.5,10.0"]
