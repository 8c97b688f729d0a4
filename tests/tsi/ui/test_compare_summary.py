"""Compare summary table: change %, improvement colours, id-set notices, the URL query."""

from __future__ import annotations

import math

from tsi.ui.compare_summary import change_percent, compare_search, id_set_notice, summary_rows, verdict


def _stats(**kw):
    base = {"block_count": 10, "scheduled_count": 6, "unscheduled_count": 4, "priority_total": 30.0,
            "priority_mean": 5.0, "priority_median": 5.0, "requested_hours_total": 6.0,
            "scheduled_hours_total": 6.0, "scheduled_hours_mean": 1.0, "scheduled_hours_median": 1.0,
            "gap_count": 5, "gap_mean_hours": 2.0, "gap_median_hours": 1.0}
    base.update(kw)
    return base


def test_change_percent():
    assert change_percent(100, 110) == 10.0
    assert change_percent(-4, -2) == 50.0
    assert change_percent(0, 0) == 0.0
    assert change_percent(0, 3) is None
    assert change_percent(None, 3) is None
    assert change_percent(float("nan"), 3) is None


def test_verdicts_follow_the_improvement_rules():
    assert verdict(6, 7, +1) == "better" and verdict(6, 5, +1) == "worse"
    assert verdict(5, 4, -1) == "better" and verdict(5, 6, -1) == "worse"
    assert verdict(5, 5, +1) == "" and verdict(1, 9, 0) == ""
    assert verdict(None, 3, +1) == ""


def test_summary_rows_colour_more_scheduled_higher_priority_fewer_shorter_gaps_green():
    rows = {r.key: r for r in summary_rows(_stats(), _stats(scheduled_count=7, unscheduled_count=3,
                                                           priority_total=27.0, gap_count=4,
                                                           gap_mean_hours=2.5, block_count=12))}
    assert rows["scheduled_count"].verdict == "better"
    assert rows["scheduled_count"].change == "+16.7 %"
    assert rows["unscheduled_count"].verdict == "better"
    assert rows["priority_total"].verdict == "worse" and rows["priority_total"].change == "-10.0 %"
    assert rows["gap_count"].verdict == "better"
    assert rows["gap_mean_hours"].verdict == "worse"
    assert rows["block_count"].verdict == ""  # neutral
    assert rows["priority_total"].current == "30.00" and rows["scheduled_count"].comparison == "7"


def test_summary_rows_with_missing_values():
    rows = {r.key: r for r in summary_rows(_stats(gap_mean_hours=None), _stats(gap_mean_hours=float("nan")))}
    assert rows["gap_mean_hours"].current == "–" and rows["gap_mean_hours"].change == "–"
    assert rows["gap_mean_hours"].change_pct is None
    assert not math.isnan(rows["gap_count"].change_pct)


def test_id_set_notice():
    assert id_set_notice({"common_count": 5, "only_current_count": 0, "only_comparison_count": 0}) is None
    assert id_set_notice({"common_count": 0, "only_current_count": 3, "only_comparison_count": 2}) == \
        "The schedules share no block ids; nothing to compare."
    text = id_set_notice({"common_count": 1900, "only_current_count": 100, "only_comparison_count": 7})
    assert "1,900 in both" in text and "100 only in the current" in text and "7 only in the comparison" in text


def test_compare_search_keeps_schedule_and_replaces_with():
    assert compare_search("?schedule=1", 1, 2) == "?schedule=1&with=2"
    assert compare_search("?schedule=1&with=2", 2, 1) == "?schedule=2&with=1"
    assert compare_search("?schedule=1&with=2", 1, None) == "?schedule=1"
    assert compare_search("?schedule=1&with=2&x=y", 1, 3) == "?schedule=1&x=y&with=3"
