"""Automated insights: every rule fires at its threshold and stays quiet below it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tsi.analysis.insights_text import insight_texts, insights, strongest_correlation


def payload(**metrics):
    m = {
        "schedule_total": 100, "impossible_count": 0, "included": 100, "scheduled_count": 60,
        "unscheduled_count": 40, "scheduling_rate": 0.6, "priority_scheduled_mean": 5.0,
        "priority_unscheduled_mean": 5.0, "conflict_count": 0,
    }
    rho = metrics.pop("rho", [0.1, 0.0, -0.2, 0.05, 0.1, 0.0])
    m.update(metrics)
    return {
        "metrics": m,
        "correlations": {
            "variable_1": ["priority", "priority", "priority", "visibility", "visibility", "requested"],
            "variable_2": ["visibility", "requested", "elevation", "requested", "elevation", "elevation"],
            "rho": np.asarray(rho, dtype=float),
        },
        "conflicts_truncated": False,
    }


def rules(p, **kw):
    return [i.rule for i in insights(p, **kw)]


def text_of(p, rule):
    return next(i.text for i in insights(p) if i.rule == rule)


def test_rate_and_conflicts_always_present():
    texts = insight_texts(payload())
    assert texts[0] == "60 of 100 blocks are scheduled (60.0%)."
    assert texts[-1].startswith("No scheduling conflicts")
    assert rules(payload()) == ["rate", "conflicts"]


def test_rate_with_nothing_included():
    assert "No blocks are included" in text_of(payload(included=0, scheduled_count=0, scheduling_rate=math.nan),
                                               "rate")


def test_rate_mentions_possible_blocks_when_excluding():
    assert insight_texts(payload(), exclude_impossible=True)[0] == "60 of 100 possible blocks are scheduled (60.0%)."


@pytest.mark.parametrize("s, u, fires", [(5.5, 5.0, True), (5.49, 5.0, False), (4.5, 5.0, True),
                                         (4.51, 5.0, False), (5.7, 5.2, True), (9.0, 1.0, True)])
def test_priority_bias_threshold(s, u, fires):
    p = payload(priority_scheduled_mean=s, priority_unscheduled_mean=u)
    assert ("priority_bias" in rules(p)) is fires


def test_priority_bias_direction_and_missing_means():
    assert "higher mean priority" in text_of(payload(priority_scheduled_mean=7.0, priority_unscheduled_mean=4.0),
                                             "priority_bias")
    assert "lower mean priority" in text_of(payload(priority_scheduled_mean=3.0, priority_unscheduled_mean=4.0),
                                            "priority_bias")
    assert "priority_bias" not in rules(payload(priority_scheduled_mean=9.0, priority_unscheduled_mean=math.nan))
    assert "priority_bias" not in rules(payload(priority_scheduled_mean=None, priority_unscheduled_mean=1.0))


def test_impossible_share_only_when_positive():
    assert "impossible" not in rules(payload(impossible_count=0))
    p = payload(impossible_count=1, schedule_total=200)
    assert text_of(p, "impossible") == "1 of 200 blocks (0.5%) is impossible (no visibility)."
    p = payload(impossible_count=25, schedule_total=100)
    assert "25 of 100 blocks (25.0%) are impossible" in text_of(p, "impossible")
    assert "excluded" in insight_texts(p, exclude_impossible=True)[1]


@pytest.mark.parametrize("rho, fires, strength", [(0.4, True, "moderate"), (0.399, False, None),
                                                  (-0.4, True, "moderate"), (0.69, True, "moderate"),
                                                  (0.7, True, "strong"), (-0.95, True, "strong")])
def test_correlation_threshold_and_strength(rho, fires, strength):
    p = payload(rho=[0.1, rho, 0.0, 0.2, math.nan, -0.1])
    assert ("correlation" in rules(p)) is fires
    if fires:
        t = text_of(p, "correlation")
        assert strength in t
        assert ("negative" if rho < 0 else "positive") in t
        assert "priority and requested time" in t
        assert f"{rho:.2f}" in t


def test_correlation_ignores_missing_and_picks_largest_magnitude():
    assert strongest_correlation({"variable_1": ["a", "b"], "variable_2": ["c", "d"],
                                  "rho": [math.nan, -0.5]}) == ("b", "d", -0.5)
    assert strongest_correlation({"variable_1": ["a"], "variable_2": ["c"], "rho": [math.nan]}) is None
    assert "correlation" not in rules(payload(rho=[math.nan] * 6))


def test_conflict_count():
    assert text_of(payload(conflict_count=1), "conflicts").startswith("1 scheduling conflict:")
    assert text_of(payload(conflict_count=12345), "conflicts").startswith("12,345 scheduling conflicts")


def test_rule_order():
    p = payload(priority_scheduled_mean=8.0, priority_unscheduled_mean=2.0, impossible_count=3,
                rho=[0.9, 0, 0, 0, 0, 0], conflict_count=2)
    assert rules(p) == ["rate", "priority_bias", "impossible", "correlation", "conflicts"]
