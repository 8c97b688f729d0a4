"""Insights tables: conflict times in UTC text, metric card texts, conflict message."""

from __future__ import annotations

import numpy as np

from tsi.ui.insights_tables import conflict_message, conflict_table, metric_texts


def test_conflict_table_converts_mjd_to_utc_text():
    c = {"block_id_1": np.array([1]), "original_block_id_1": ["a"], "start_1_mjd": np.array([61000.0]),
         "stop_1_mjd": np.array([61000.5]), "block_id_2": np.array([2]), "original_block_id_2": ["b"],
         "start_2_mjd": np.array([61000.25]), "stop_2_mjd": np.array([61001.0]), "overlap_hours": np.array([6.0])}
    t = conflict_table(c)
    assert t["start_1"] == ["2025-11-21 00:00"] and t["stop_2"] == ["2025-11-22 00:00"]
    assert not any(k.endswith("_mjd") for k in t)


def test_metric_texts_and_messages():
    t = metric_texts({"scheduling_rate": 0.6575, "scheduled_count": 1315, "included": 2000, "priority_mean": 5.2,
                      "priority_median": 5.36, "visibility_total_hours": 510633.48, "visibility_mean_hours": 255.3,
                      "conflict_count": 0})
    assert t["rate"] == ("65.8%", "1,315 of 2,000 blocks")
    assert t["priority"] == ("5.20", "median 5.36")
    assert t["visibility"][0] == "510,633.5 h"
    assert conflict_message(0)[1] == "success"
    assert conflict_message(3) == ("3 scheduling conflicts", "warning")
    assert conflict_message(12000, True, 10000)[0] == "12,000 scheduling conflicts (the first 10,000 are listed)"
