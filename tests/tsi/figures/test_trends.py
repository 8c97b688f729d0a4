"""Trends figures: bars per bin spanning the bin, smoothed curves with points, heatmap grid, model texts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tsi.figures.trends import (axis_mids, binned_rate_figure, coefficient_table, heatmap_figure, heatmap_grid,
                                model_summary, priority_rate_figure, probability_figure, rates_table,
                                smoothed_figure)


def binned(n=4, lo=0.0, hi=100.0):
    edges = np.linspace(lo, hi, n + 1)
    keep = [i for i in range(n) if i != 1]  # bin 1 empty (omitted)
    return {
        "bin_index": np.array(keep), "bin_min": edges[keep], "bin_max": edges[[k + 1 for k in keep]],
        "bin_mid": (edges[keep] + edges[[k + 1 for k in keep]]) / 2,
        "total_count": np.array([10] * len(keep)), "scheduled_count": np.array([5] * len(keep)),
        "scheduling_rate": np.array([0.5] * len(keep)), "priority_mean": np.array([3.0] * len(keep)),
    }


def test_priority_bars_with_counts_in_hover():
    t = {"priority_value": np.array([1, 2, 3]), "total_count": np.array([10, 20, 30]),
         "scheduled_count": np.array([1, 10, 30]), "scheduling_rate": np.array([0.1, 0.5, 1.0])}
    fig = priority_rate_figure(t)
    (bar,) = fig["data"]
    assert bar["type"] == "bar" and list(bar["x"]) == [1, 2, 3]
    assert bar["customdata"].tolist() == [[1, 10], [10, 20], [30, 30]]
    assert "customdata[0]" in bar["hovertemplate"] and "customdata[1]" in bar["hovertemplate"]
    assert priority_rate_figure({"priority_value": np.array([])})["data"] == []


def test_binned_bars_span_each_bin():
    t = binned(8)
    fig = binned_rate_figure(t, "Visibility (h)", "Rate vs visibility")
    (bar,) = fig["data"]
    assert len(bar["x"]) == 7                         # one bar per non-empty bin
    assert np.allclose(bar["width"], 12.5)
    assert np.allclose(bar["x"] - bar["width"] / 2, t["bin_min"])
    assert fig["layout"]["bargap"] == 0
    assert fig["layout"]["title"]["text"] == "Rate vs visibility"
    assert len(binned_rate_figure(binned(19), "x", "t")["data"][0]["x"]) == 18


def test_binned_zero_range_bin_still_visible():
    t = {"bin_index": np.array([0]), "bin_min": np.array([2.0]), "bin_max": np.array([2.0]),
         "bin_mid": np.array([2.0]), "total_count": np.array([3]), "scheduled_count": np.array([1]),
         "scheduling_rate": np.array([1 / 3])}
    assert binned_rate_figure(t, "x", "t")["data"][0]["width"][0] > 0


def test_smoothed_line_and_binned_points():
    s = {"x": np.linspace(0, 100, 50), "rate": np.linspace(0.2, 0.8, 50), "n_effective": np.arange(50)}
    fig = smoothed_figure(s, binned(), "Visibility (h)", "Smoothed")
    assert [t["mode"] for t in fig["data"]] == ["lines", "markers"]
    assert len(fig["data"][0]["x"]) == 50 and len(fig["data"][1]["x"]) == 3
    empty = smoothed_figure({"x": np.array([])}, {"bin_index": np.array([])}, "x", "t")
    assert empty["data"] == []


def test_axis_mids():
    assert np.allclose(axis_mids(0.0, 10.0, 5), [1, 3, 5, 7, 9])
    assert axis_mids(2.0, 2.0, 10).tolist() == [2.0]


def test_heatmap_grid_places_cells_and_leaves_gaps():
    hm = {"visibility_bin_index": np.array([0, 4, 2]), "requested_bin_index": np.array([0, 1, 4]),
          "visibility_mid_hours": np.array([1.0, 9.0, 5.0]), "requested_mid_hours": np.array([0.1, 0.3, 0.9]),
          "total_count": np.array([7, 3, 1]), "scheduled_count": np.array([7, 0, 1]),
          "scheduling_rate": np.array([1.0, 0.0, 1.0])}
    metrics = {"visibility_min": 0.0, "visibility_max": 10.0, "requested_min": 0.0, "requested_max": 1.0}
    xs, ys, z, text, _ = heatmap_grid(hm, metrics, 5)
    assert np.allclose(xs, [1, 3, 5, 7, 9]) and np.allclose(ys, [0.1, 0.3, 0.5, 0.7, 0.9])
    assert z[0][0] == 1.0 and z[1][4] == 0.0 and z[4][2] == 1.0
    assert sum(v is not None for row in z for v in row) == 3
    assert text[0][0] == "7" and text[1][4] == "3" and text[2][2] == ""
    fig = heatmap_figure(hm, metrics, 5)
    (tr,) = fig["data"]
    assert tr["type"] == "heatmap" and (tr["zmin"], tr["zmax"]) == (0.0, 1.0)
    assert tr["texttemplate"] == "%{text}"
    assert heatmap_figure({"visibility_bin_index": np.array([])}, metrics, 5)["data"] == []


OK_MODEL = {
    "status": "ok", "message": "5-fold", "n_samples": 100, "n_scheduled": 60, "n_folds": 5,
    "accuracy_mean": 0.8312, "accuracy_std": 0.0401, "roc_auc_mean": 0.9149, "roc_auc_std": 0.0288,
    "features": ["priority", "visibility_hours", "requested_hours", "a", "b", "c"],
    "coefficients": [1.0, 2.0, -0.5, 0.1, 0.2, 0.3], "intercept": -0.25,
    "curves": {"priority_label": ["P25 = 3"] * 4 + ["P50 = 5"] * 4 + ["P75 = 8"] * 4,
               "visibility_hours": np.tile(np.linspace(0, 10, 4), 3), "probability": np.linspace(0, 1, 12)},
}


def test_model_summary_text():
    assert model_summary(OK_MODEL) == "Accuracy 0.83 ± 0.04, ROC-AUC 0.91 ± 0.03 — 5-fold held-out"
    bad = {"status": "insufficient_data",
           "message": "The model needs at least 20 blocks with both outcomes; the filters leave 12."}
    assert model_summary(bad) == bad["message"]


def test_coefficients_and_curves():
    t = coefficient_table(OK_MODEL)
    assert t["feature"][-1] == "intercept" and t["coefficient"][-1] == -0.25 and len(t["feature"]) == 7
    fig = probability_figure(OK_MODEL)
    assert [tr["name"] for tr in fig["data"]] == ["P25 = 3", "P50 = 5", "P75 = 8"]
    assert all(len(tr["x"]) == 4 for tr in fig["data"])
    bad = {"status": "single_class", "message": "All 30 blocks are scheduled", "curves": {"priority_label": []}}
    assert coefficient_table(bad) == {"feature": [], "coefficient": []}
    assert probability_figure(bad)["data"] == []


def test_rates_table_long_format():
    payload = {"by_priority": {"priority_value": np.array([1, 2]), "total_count": np.array([4, 5]),
                               "scheduled_count": np.array([1, 5]), "scheduling_rate": np.array([0.25, 1.0])},
               "by_visibility": binned(), "by_requested": binned(5, 0.0, 2.0)}
    t = rates_table(payload)
    assert t["dimension"] == ["priority"] * 2 + ["visibility_hours"] * 3 + ["requested_hours"] * 4
    assert t["priority_level"][:2] == [1, 2] and t["priority_level"][2] is None
    assert t["bin_min"][0] is None and t["bin_max"][2] == pytest.approx(25.0)
    assert not any(isinstance(v, float) and math.isnan(v) for v in t["scheduling_rate"])
