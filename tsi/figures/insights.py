"""Insights page figures (flows.md §5): correlation heatmap and the priority comparison. Pure: payload → dict."""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from tsi.figures.common import SCHEDULED_COLOR, STATUS_PATTERNS, UNSCHEDULED_COLOR, base_layout, empty_figure
from tsi.figures.palette import SEQUENTIAL_ALT

__all__ = ["VARIABLES", "VARIABLE_TITLES", "correlation_matrix", "correlation_heatmap", "priority_figure"]

VARIABLES = ["priority", "visibility", "requested", "elevation"]
VARIABLE_TITLES = {"priority": "Priority", "visibility": "Visibility", "requested": "Requested time",
                   "elevation": "Elevation"}
# Cividis over −1…1 (dark blue = −1, grey ≈ 0, yellow = +1): perceptually uniform and the same for colour-blind
# readers; the sign and value are written in every cell, so nothing is told by colour alone.
CORRELATION_SCALE = SEQUENTIAL_ALT


def correlation_matrix(correlations: Mapping[str, Any] | None) -> np.ndarray:
    """4 × 4 Spearman matrix over VARIABLES: diagonal 1, symmetric, NaN where ρ is missing."""
    m = np.full((len(VARIABLES), len(VARIABLES)), np.nan)
    np.fill_diagonal(m, 1.0)
    if correlations:
        idx = {v: i for i, v in enumerate(VARIABLES)}
        for a, b, r in zip(correlations["variable_1"], correlations["variable_2"], correlations["rho"]):
            if a in idx and b in idx:
                rho = float(r) if r is not None else math.nan
                m[idx[a], idx[b]] = m[idx[b], idx[a]] = rho
    return m


def _cell_text(v: float) -> str:
    return "n/a" if not math.isfinite(v) else f"{v:.2f}"


def correlation_heatmap(correlations: Mapping[str, Any] | None, height: int = 420) -> dict:
    """Heatmap of the matrix: Cividis fixed to −1…1, two decimals in each cell, "n/a" when missing."""
    m = correlation_matrix(correlations)
    labels = [VARIABLE_TITLES[v] for v in VARIABLES]
    text = [[_cell_text(v) for v in row] for row in m]
    z = [[None if not math.isfinite(v) else float(v) for v in row] for row in m]
    annotations = []
    for i, row in enumerate(m):
        for j, v in enumerate(row):
            light_cell = math.isfinite(v) and v >= 0.1  # Cividis is light above ≈ 0.1: dark text there
            annotations.append({
                "x": labels[j], "y": labels[i], "text": text[i][j], "showarrow": False,
                "font": {"color": "#111111" if light_cell else "#ffffff", "size": 14},
            })
    trace = {
        "type": "heatmap", "x": labels, "y": labels, "z": z, "zmin": -1.0, "zmax": 1.0, "zmid": 0.0,
        "colorscale": CORRELATION_SCALE, "customdata": text, "xgap": 2, "ygap": 2,
        "colorbar": {"title": {"text": "ρ"}, "tickvals": [-1, -0.5, 0, 0.5, 1]},
        "hovertemplate": "%{y} × %{x}<br>ρ = %{customdata}<extra></extra>",
    }
    layout = base_layout(height, title={"text": "Spearman correlations"}, annotations=annotations,
                         xaxis={"side": "bottom", "showgrid": False},
                         yaxis={"autorange": "reversed", "showgrid": False})
    return {"data": [trace], "layout": layout}


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def priority_figure(metrics: Mapping[str, Any], height: int = 320) -> dict:
    """Grouped bars: mean and median priority of scheduled vs unscheduled blocks (missing values left out)."""
    groups = [("Scheduled", "scheduled", SCHEDULED_COLOR), ("Unscheduled", "unscheduled", UNSCHEDULED_COLOR)]
    traces = []
    for label, key, colour in groups:
        ys = [_num(metrics.get(f"priority_{key}_mean")), _num(metrics.get(f"priority_{key}_median"))]
        if all(y is None for y in ys):
            continue
        traces.append({
            "type": "bar", "name": label, "x": ["Mean", "Median"], "y": ys,
            "marker": {"color": colour, "pattern": {"shape": STATUS_PATTERNS[label], "fgcolor": "#111111",
                                                    "solidity": 0.3}},
            "text": ["n/a" if y is None else f"{y:.2f}" for y in ys], "textposition": "auto",
            "hovertemplate": f"{label}<br>%{{x}} priority %{{y:.2f}}<extra></extra>",
        })
    if not traces:
        return empty_figure("No priorities to compare", height)
    layout = base_layout(height, barmode="group", title={"text": "Priority: scheduled vs unscheduled"},
                         yaxis={"title": {"text": "Priority"}})
    return {"data": traces, "layout": layout}
