"""Distributions figure builders: bin counts, stacking order and colours, subtitle, status bars, violins."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import pytest

from tsi.figures import distributions as fd
from tsi.figures.common import SCHEDULED_COLOR, UNSCHEDULED_COLOR

NAN = math.nan


def payload(n=100, seed=3, impossible_excluded=0):
    rng = np.random.default_rng(seed)
    priority = rng.random(n) * 10
    scheduled = rng.random(n) < 0.6
    blocks = {
        "block_id": np.arange(1, n + 1, dtype=np.int64), "original_block_id": [str(i) for i in range(n)],
        "priority": priority, "priority_bin": np.ones(n, dtype=np.uint8),
        "total_visibility_hours": np.where(np.arange(n) == 0, NAN, rng.random(n) * 300),
        "requested_hours": rng.choice([0.25, 0.5, 1.0, 2.0], n), "elevation_range_deg": rng.choice([30.0, 45.0, 60.0], n),
        "scheduled": scheduled, "impossible": np.zeros(n, dtype=bool),
    }
    s = int(scheduled.sum())
    counts = {"schedule_total": n + impossible_excluded, "impossible": impossible_excluded,
              "excluded": impossible_excluded, "included": n, "scheduled": s, "unscheduled": n - s}
    return {"blocks": blocks, "counts": counts, "stats": {}, "priority_by_status": {}}


def test_histogram_bins_and_counts():
    counts, edges = fd.histogram([0.0, 1.0, 2.0, 3.0, 4.0, NAN], 4)
    assert counts.tolist() == [1, 1, 1, 2] and edges.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    counts, edges = fd.histogram([5.0, 5.0], 20)  # a single value: unit range around it
    assert len(counts) == 20 and counts.sum() == 2 and edges[0] == 4.5 and edges[-1] == 5.5
    counts, _ = fd.histogram([], 30)
    assert len(counts) == 30 and counts.sum() == 0


def test_priority_histogram_is_stacked_unscheduled_below_scheduled():
    p = payload()
    fig = fd.priority_histogram(p)
    assert fig["layout"]["barmode"] == "stack"
    unsched, sched = fig["data"]
    assert (unsched["name"], unsched["marker"]["color"]) == ("Unscheduled", UNSCHEDULED_COLOR)
    assert (sched["name"], sched["marker"]["color"]) == ("Scheduled", SCHEDULED_COLOR)
    assert len(unsched["x"]) == len(sched["x"]) == fd.PRIORITY_BINS == 20
    assert int(np.sum(sched["y"])) == p["counts"]["scheduled"]
    assert int(np.sum(unsched["y"])) == p["counts"]["unscheduled"]
    np.testing.assert_array_equal(unsched["x"], sched["x"])  # same bins


def test_priority_subtitle():
    p = payload()
    s, n = p["counts"]["scheduled"], p["counts"]["included"]
    sub = fd.priority_histogram(p)["layout"]["title"]["subtitle"]["text"]
    assert sub == f"Scheduled: {s} of {n} ({100 * s / n:.1f} %)"
    assert fd.scheduled_subtitle({"included": 2000, "scheduled": 1315}) == "Scheduled: 1,315 of 2,000 (65.8 %)"


@pytest.mark.parametrize("column, bins", [("total_visibility_hours", 30), ("requested_hours", 25),
                                          ("elevation_range_deg", 20)])
def test_value_histograms_bin_counts(column, bins):
    p = payload()
    fig = fd.value_histogram(p, column)
    (bar,) = fig["data"]
    assert bar["type"] == "bar" and len(bar["x"]) == bins
    finite = np.isfinite(p["blocks"][column]).sum()
    assert int(np.sum(bar["y"])) == finite  # NaN left out
    assert np.allclose(bar["width"], bar["width"][0])


def test_status_bars_show_counts():
    p = payload()
    (bar,) = fd.status_bars(p)["data"]
    assert bar["x"] == ["Scheduled", "Unscheduled"]
    assert bar["y"] == [p["counts"]["scheduled"], p["counts"]["unscheduled"]]
    assert bar["text"] == [str(v) for v in bar["y"]] and bar["textposition"] == "outside"
    assert bar["marker"]["color"] == [SCHEDULED_COLOR, UNSCHEDULED_COLOR]


def test_violins_with_box_and_mean_per_status():
    p = payload()
    data = fd.priority_violins(p)["data"]
    assert [t["type"] for t in data] == ["violin", "violin"]
    assert [t["name"] for t in data] == ["Scheduled", "Unscheduled"]
    assert all(t["box"]["visible"] and t["meanline"]["visible"] for t in data)
    assert len(data[0]["y"]) == p["counts"]["scheduled"] and len(data[1]["y"]) == p["counts"]["unscheduled"]
    p["blocks"]["scheduled"] = np.zeros(100, dtype=bool)
    assert [t["name"] for t in fd.priority_violins(p)["data"]] == ["Unscheduled"]


def test_all_figures_are_valid_plotly_with_the_dark_template():
    figs = fd.all_figures(payload())
    assert set(figs) == {"priority", "visibility", "requested", "elevation", "status", "violin"}
    for fig in figs.values():
        assert isinstance(fig["layout"]["template"], dict)
        go.Figure(fig)


def test_empty_payload_still_builds():
    p = payload(n=0, impossible_excluded=5)
    figs = fd.all_figures(p)
    assert sum(int(np.sum(t["y"])) for t in figs["priority"]["data"]) == 0
    assert figs["violin"]["data"] == []
    assert figs["priority"]["layout"]["title"]["subtitle"]["text"] == "Scheduled: 0 of 0 (– %)"
