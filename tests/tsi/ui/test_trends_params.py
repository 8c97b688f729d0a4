"""Trends controls → parameters: ranges only when narrowed, empty level selection = all."""

from __future__ import annotations

from tsi.ui.trends_params import levels_param, overview_texts, range_param, slider_spec


def test_slider_spec_covers_bounds_with_nice_step():
    s = slider_spec(0.0, 989.61)
    assert s["step"] == 10.0 and s["min"] == 0.0 and s["max"] == 990.0
    s = slider_spec(1 / 6, 2.0)
    assert s["step"] == 0.02 and s["min"] <= 1 / 6 and s["max"] >= 2.0
    s = slider_spec(3.0, 3.0)
    assert s["max"] > s["min"]


def test_range_sent_only_when_narrowed():
    assert range_param([0.0, 990.0], 0.0, 989.61) is None
    assert range_param(None, 0.0, 10.0) is None
    assert range_param([10.0, 990.0], 0.0, 989.61) == (10.0, 989.61)
    assert range_param([0.0, 500.0], 0.0, 989.61) == (0.0, 500.0)
    assert range_param([500.0, 20.0], 0.0, 989.61) == (20.0, 500.0)


def test_levels():
    assert levels_param([]) is None and levels_param(None) is None
    assert levels_param([3, "1", 3]) == [1, 3]


def test_overview_texts():
    cards = overview_texts({"total_count": 12, "scheduled_count": 3, "scheduling_rate": 0.25,
                            "zero_visibility_count": 2, "priority_mean": float("nan")})
    assert cards[0] == ("Blocks", "12", "2 with zero visibility")
    assert cards[1] == ("Scheduling rate", "25.0%", "3 of 12")
    assert cards[2][1] == "n/a"
