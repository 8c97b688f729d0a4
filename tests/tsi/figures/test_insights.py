"""Insights figures: the 4 × 4 correlation heatmap and the priority comparison."""

from __future__ import annotations

import math

import numpy as np

from tsi.figures.insights import VARIABLES, correlation_heatmap, correlation_matrix, priority_figure

CORR = {
    "variable_1": ["priority", "priority", "priority", "visibility", "visibility", "requested"],
    "variable_2": ["visibility", "requested", "elevation", "requested", "elevation", "elevation"],
    "rho": np.array([0.123, -0.456, math.nan, 0.7, -1.0, 0.0]),
}


def test_matrix_is_symmetric_with_unit_diagonal_and_nan_for_missing():
    m = correlation_matrix(CORR)
    assert m.shape == (4, 4)
    assert np.all(np.diag(m) == 1.0)
    assert np.allclose(m, m.T, equal_nan=True)
    i = {v: k for k, v in enumerate(VARIABLES)}
    assert m[i["priority"], i["requested"]] == -0.456
    assert math.isnan(m[i["elevation"], i["priority"]])
    assert m[i["elevation"], i["visibility"]] == -1.0


def test_heatmap_scale_text_and_missing_cells():
    fig = correlation_heatmap(CORR)
    (trace,) = fig["data"]
    assert trace["type"] == "heatmap"
    assert (trace["zmin"], trace["zmax"]) == (-1.0, 1.0)
    assert trace["colorscale"] == "Cividis"   # perceptually uniform, colour-blind safe; the values are in the cells
    assert isinstance(fig["layout"]["template"], dict)    # resolved for plotly.js (no named templates there)
    assert len(trace["z"]) == 4 and all(len(r) == 4 for r in trace["z"])
    texts = [a["text"] for a in fig["layout"]["annotations"]]
    assert len(texts) == 16
    assert texts.count("1.00") == 4          # the diagonal
    assert texts.count("n/a") == 2           # priority × elevation, both halves
    assert "0.12" in texts and "-0.46" in texts and "0.70" in texts
    assert trace["z"][0][3] is None and trace["z"][3][0] is None
    assert trace["x"] == ["Priority", "Visibility", "Requested time", "Elevation"]


def test_heatmap_without_correlations_keeps_the_diagonal():
    fig = correlation_heatmap(None)
    texts = [a["text"] for a in fig["layout"]["annotations"]]
    assert texts.count("1.00") == 4 and texts.count("n/a") == 12


def test_priority_figure_groups_and_missing_values():
    m = {"priority_scheduled_mean": 6.0, "priority_scheduled_median": 6.5,
         "priority_unscheduled_mean": 4.0, "priority_unscheduled_median": 3.5}
    fig = priority_figure(m)
    assert [t["name"] for t in fig["data"]] == ["Scheduled", "Unscheduled"]
    assert fig["data"][0]["y"] == [6.0, 6.5]
    assert fig["layout"]["barmode"] == "group"
    m2 = dict(m, priority_unscheduled_mean=math.nan, priority_unscheduled_median=None)
    assert [t["name"] for t in priority_figure(m2)["data"]] == ["Scheduled"]
    empty = priority_figure({})
    assert empty["data"] == [] and "No priorities" in empty["layout"]["annotations"][0]["text"]
