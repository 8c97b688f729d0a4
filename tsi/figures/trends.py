"""Trends page figures (flows.md §6). Pure functions: payload (+ filter state) → figure dict / table / text."""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from tsi.figures.common import SCHEDULED_COLOR, base_layout, empty_figure
from tsi.figures.palette import POINT_COLOR, SEQUENTIAL, series_color, series_dash

__all__ = [
    "priority_rate_figure", "binned_rate_figure", "smoothed_figure", "heatmap_grid", "heatmap_figure",
    "probability_figure", "model_summary", "coefficient_table", "rates_table", "RATE_COLUMNS", "axis_mids",
]

BAR_COLOR = SCHEDULED_COLOR
RATE_AXIS = {"title": {"text": "Scheduling rate"}, "range": [0, 1.05], "tickformat": ".0%"}


def _n(table: Mapping[str, Any] | None, col: str) -> int:
    return 0 if not table or col not in table else len(table[col])


def _f(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def priority_rate_figure(by_priority: Mapping[str, Any], height: int = 380) -> dict:
    """Bars of the scheduling rate per priority level; counts in the hover."""
    if not _n(by_priority, "priority_value"):
        return empty_figure("No blocks match the filters", height)
    total = np.asarray(by_priority["total_count"])
    sched = np.asarray(by_priority["scheduled_count"])
    trace = {
        "type": "bar", "name": "Scheduling rate",
        "x": np.asarray(by_priority["priority_value"]), "y": np.asarray(by_priority["scheduling_rate"]),
        "customdata": np.column_stack([sched, total]), "marker": {"color": BAR_COLOR},
        "hovertemplate": "Priority %{x}<br>Rate %{y:.1%}<br>%{customdata[0]} of %{customdata[1]} scheduled"
                         "<extra></extra>",
    }
    return {"data": [trace], "layout": base_layout(height, title={"text": "Scheduling rate by priority level"},
                                                   xaxis={"title": {"text": "Priority level"}, "dtick": 1},
                                                   yaxis=RATE_AXIS, showlegend=False)}


def binned_rate_figure(table: Mapping[str, Any], axis_title: str, title: str, height: int = 380) -> dict:
    """One bar per non-empty bin, spanning [bin_min, bin_max]; the height is the rate."""
    if not _n(table, "bin_index"):
        return empty_figure("No blocks match the filters", height)
    lo, hi = np.asarray(table["bin_min"], dtype=float), np.asarray(table["bin_max"], dtype=float)
    width = hi - lo
    # A zero-range axis has a single bin with min = max: give it a visible width.
    width = np.where(width > 0, width, max(1e-6, abs(float(lo[0])) * 0.05 or 1.0))
    trace = {
        "type": "bar", "name": "Scheduling rate", "x": np.asarray(table["bin_mid"], dtype=float),
        "y": np.asarray(table["scheduling_rate"], dtype=float), "width": width,
        "marker": {"color": BAR_COLOR, "line": {"color": "#111", "width": 1}},
        "customdata": np.column_stack([lo, hi, np.asarray(table["scheduled_count"]),
                                       np.asarray(table["total_count"])]),
        "hovertemplate": "%{customdata[0]:.2f} – %{customdata[1]:.2f} h<br>Rate %{y:.1%}<br>"
                         "%{customdata[2]} of %{customdata[3]} scheduled<extra></extra>",
    }
    return {"data": [trace], "layout": base_layout(height, title={"text": title}, bargap=0, showlegend=False,
                                                   xaxis={"title": {"text": axis_title}}, yaxis=RATE_AXIS)}


def smoothed_figure(smoothed: Mapping[str, Any], binned: Mapping[str, Any], axis_title: str, title: str,
                    height: int = 380) -> dict:
    """The kernel-smoothed rate as a line, with the binned rates as points."""
    if not _n(smoothed, "x") and not _n(binned, "bin_index"):
        return empty_figure("No blocks match the filters", height)
    traces = []
    if _n(smoothed, "x"):
        traces.append({
            "type": "scatter", "mode": "lines", "name": "Smoothed rate",
            "x": np.asarray(smoothed["x"], dtype=float), "y": np.asarray(smoothed["rate"], dtype=float),
            "customdata": np.asarray(smoothed["n_effective"]), "line": {"color": BAR_COLOR, "width": 3},
            "hovertemplate": "%{x:.2f} h<br>Smoothed rate %{y:.1%}<br>%{customdata} effective blocks"
                             "<extra></extra>",
        })
    if _n(binned, "bin_index"):
        traces.append({
            "type": "scatter", "mode": "markers", "name": "Binned rate",
            "x": np.asarray(binned["bin_mid"], dtype=float), "y": np.asarray(binned["scheduling_rate"], dtype=float),
            "customdata": np.column_stack([np.asarray(binned["scheduled_count"]), np.asarray(binned["total_count"])]),
            "marker": {"color": POINT_COLOR, "size": 9, "line": {"color": "#111", "width": 1}},
            "hovertemplate": "Bin mid %{x:.2f} h<br>Rate %{y:.1%}<br>%{customdata[0]} of %{customdata[1]}"
                             "<extra></extra>",
        })
    return {"data": traces, "layout": base_layout(height, title={"text": title},
                                                  xaxis={"title": {"text": axis_title}}, yaxis=RATE_AXIS)}


def axis_mids(lo: float, hi: float, n_bins: int) -> np.ndarray:
    """Bin mids of B(·; lo, hi, n) (data-model.md): one bin at lo when the range is zero."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return np.array([lo], dtype=float)
    edges = lo + np.arange(n_bins + 1) * (hi - lo) / n_bins
    edges[-1] = hi
    return (edges[:-1] + edges[1:]) / 2


def heatmap_grid(heatmap: Mapping[str, Any], metrics: Mapping[str, Any], n_bins: int):
    """(x mids, y mids, rate grid [y][x] with None for empty cells, count text grid)."""
    xs = axis_mids(_f(metrics.get("visibility_min")), _f(metrics.get("visibility_max")), n_bins)
    ys = axis_mids(_f(metrics.get("requested_min")), _f(metrics.get("requested_max")), n_bins)
    vi = np.asarray(heatmap["visibility_bin_index"], dtype=int)
    ri = np.asarray(heatmap["requested_bin_index"], dtype=int)
    if len(vi) and (vi.max() >= len(xs) or ri.max() >= len(ys)):  # defensive: fall back to the payload's mids
        xs = np.unique(np.asarray(heatmap["visibility_mid_hours"], dtype=float))
        ys = np.unique(np.asarray(heatmap["requested_mid_hours"], dtype=float))
        vi = np.searchsorted(xs, np.asarray(heatmap["visibility_mid_hours"], dtype=float))
        ri = np.searchsorted(ys, np.asarray(heatmap["requested_mid_hours"], dtype=float))
    z: list[list[float | None]] = [[None] * len(xs) for _ in ys]
    text = [[""] * len(xs) for _ in ys]
    custom = [[[0, 0]] * len(xs) for _ in ys]
    for v, r, rate, total, sched in zip(vi, ri, heatmap["scheduling_rate"], heatmap["total_count"],
                                        heatmap["scheduled_count"]):
        z[r][v] = float(rate)
        text[r][v] = str(int(total))
        custom[r][v] = [int(sched), int(total)]
    return xs, ys, z, text, custom


def heatmap_figure(heatmap: Mapping[str, Any], metrics: Mapping[str, Any], n_bins: int, height: int = 520) -> dict:
    """Rate by visibility (x) × requested time (y): colour = rate on 0–1, text = block count."""
    if not _n(heatmap, "visibility_bin_index"):
        return empty_figure("No blocks match the filters", height)
    xs, ys, z, text, custom = heatmap_grid(heatmap, metrics, n_bins)
    trace = {
        "type": "heatmap", "x": xs, "y": ys, "z": z, "zmin": 0.0, "zmax": 1.0, "colorscale": SEQUENTIAL,
        "text": text, "texttemplate": "%{text}", "customdata": custom, "xgap": 1, "ygap": 1,
        "colorbar": {"title": {"text": "Rate"}, "tickformat": ".0%"},
        "hovertemplate": "Visibility %{x:.1f} h<br>Requested %{y:.2f} h<br>Rate %{z:.1%}<br>"
                         "%{customdata[0]} of %{customdata[1]} scheduled<extra></extra>",
    }
    return {"data": [trace], "layout": base_layout(
        height, title={"text": "Scheduling rate by visibility and requested time (text = blocks)"},
        xaxis={"title": {"text": "Total visibility (h)"}}, yaxis={"title": {"text": "Requested time (h)"}})}


def probability_figure(model: Mapping[str, Any], height: int = 400) -> dict:
    """Predicted probability of being scheduled vs visibility, one line per priority percentile."""
    curves = model.get("curves") or {}
    if model.get("status") != "ok" or not _n(curves, "priority_label"):
        return empty_figure(model.get("message") or "No model", height)
    labels = list(curves["priority_label"])
    vis = np.asarray(curves["visibility_hours"], dtype=float)
    prob = np.asarray(curves["probability"], dtype=float)
    traces = []
    for i, label in enumerate(dict.fromkeys(labels)):
        mask = np.array([lab == label for lab in labels])
        traces.append({
            "type": "scatter", "mode": "lines", "name": label, "x": vis[mask], "y": prob[mask],
            "line": {"color": series_color(i), "dash": series_dash(i), "width": 3},  # colour + dash style
            "hovertemplate": f"{label}<br>Visibility %{{x:.1f}} h<br>P(scheduled) %{{y:.1%}}<extra></extra>",
        })
    return {"data": traces, "layout": base_layout(
        height, title={"text": "Model: probability of being scheduled (requested time at its median)"},
        xaxis={"title": {"text": "Total visibility (h)"}},
        yaxis={"title": {"text": "P(scheduled)"}, "range": [0, 1.02], "tickformat": ".0%"})}


def model_summary(model: Mapping[str, Any]) -> str:
    """'Accuracy 0.83 ± 0.04, ROC-AUC 0.91 ± 0.03 — 5-fold held-out', or the status message."""
    if model.get("status") != "ok":
        return str(model.get("message") or "The model could not be fitted.")
    return (f"Accuracy {model['accuracy_mean']:.2f} ± {model['accuracy_std']:.2f}, "
            f"ROC-AUC {model['roc_auc_mean']:.2f} ± {model['roc_auc_std']:.2f} — {model['n_folds']}-fold held-out")


def coefficient_table(model: Mapping[str, Any]) -> dict:
    """Feature → coefficient (standardised features), intercept last; empty unless the model is ok."""
    if model.get("status") != "ok" or model.get("coefficients") is None:
        return {"feature": [], "coefficient": []}
    features = list(model["features"]) + ["intercept"]
    coefs = [float(c) for c in model["coefficients"]] + [float(model["intercept"])]
    return {"feature": features, "coefficient": coefs}


RATE_COLUMNS = ["dimension", "priority_level", "bin_min", "bin_max", "total_count", "scheduled_count",
                "scheduling_rate"]


def rates_table(payload: Mapping[str, Any]) -> dict:
    """Rates by priority level, visibility bin and requested-time bin in one long table (for the CSV)."""
    out: dict[str, list] = {c: [] for c in RATE_COLUMNS}

    def add(dimension, level, lo, hi, total, sched, rate):
        for c, v in zip(RATE_COLUMNS, (dimension, level, lo, hi, total, sched, rate)):
            out[c].append(v)

    bp = payload.get("by_priority") or {}
    for i in range(_n(bp, "priority_value")):
        add("priority", int(bp["priority_value"][i]), None, None, int(bp["total_count"][i]),
            int(bp["scheduled_count"][i]), float(bp["scheduling_rate"][i]))
    for dim, key in (("visibility_hours", "by_visibility"), ("requested_hours", "by_requested")):
        t = payload.get(key) or {}
        for i in range(_n(t, "bin_index")):
            add(dim, None, float(t["bin_min"][i]), float(t["bin_max"][i]), int(t["total_count"][i]),
                int(t["scheduled_count"][i]), float(t["scheduling_rate"][i]))
    return out
