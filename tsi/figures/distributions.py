"""Distributions figures: the `distributions` payload → Plotly figure dicts (no I/O).

Histograms are binned here with numpy (bar traces at the bin centres, width = bin width) so the counts are
exact and testable; missing values (NaN) are left out of a histogram.
"""

from __future__ import annotations

import numpy as np

from tsi.figures.common import SCHEDULED_COLOR, UNSCHEDULED_COLOR
from tsi.figures.common import base_layout
from tsi.figures.palette import HISTOGRAM_COLORS, STATUS_PATTERNS

PRIORITY_BINS = 20
VISIBILITY_BINS = 30
REQUESTED_BINS = 25
ELEVATION_BINS = 20

HISTOGRAMS = {
    # payload column: (bins, title, x axis title, colour)
    "total_visibility_hours": (VISIBILITY_BINS, "Total visibility", "Visibility (h)",
                               HISTOGRAM_COLORS["total_visibility_hours"]),
    "requested_hours": (REQUESTED_BINS, "Requested time", "Requested (h)", HISTOGRAM_COLORS["requested_hours"]),
    "elevation_range_deg": (ELEVATION_BINS, "Elevation range", "Elevation range (deg)",
                            HISTOGRAM_COLORS["elevation_range_deg"]),
}


def histogram(values, n_bins: int, value_range: tuple[float, float] | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """(counts, edges) of the finite values in `n_bins` equal bins over their range (or `value_range`)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if value_range is None:
        value_range = (float(v.min()), float(v.max())) if v.size else (0.0, 1.0)
    lo, hi = value_range
    if hi <= lo:  # a single value: a unit-wide range around it
        lo, hi = lo - 0.5, lo + 0.5
    counts, edges = np.histogram(v, bins=n_bins, range=(lo, hi))
    return counts.astype(np.int64), edges


def _bar(name: str, counts: np.ndarray, edges: np.ndarray, color: str, label: str, unit: str = "",
         pattern: str = "") -> dict:
    marker = {"color": color, "line": {"width": 0.5, "color": "rgba(0,0,0,0.4)"}}
    if pattern:  # the status is told by the fill pattern as well as the colour
        marker["pattern"] = {"shape": pattern, "fgcolor": "#111111", "solidity": 0.3}
    return {
        "type": "bar", "name": name, "x": (edges[:-1] + edges[1:]) / 2.0, "y": counts,
        "width": np.diff(edges), "marker": marker,
        "customdata": np.column_stack([edges[:-1], edges[1:]]),
        "hovertemplate": (f"{label} %{{customdata[0]:.2f}}–%{{customdata[1]:.2f}}{unit}<br>{name}: %{{y}}"
                          "<extra></extra>"),
    }


def scheduled_subtitle(counts: dict) -> str:
    """'Scheduled: S of N (p %)' over the included blocks."""
    n = int(counts.get("included") or 0)
    s = int(counts.get("scheduled") or 0)
    share = f"{100.0 * s / n:.1f}" if n else "–"
    return f"Scheduled: {s:,} of {n:,} ({share} %)"


def priority_histogram(payload: dict) -> dict:
    """Priority in 20 bins, stacked: unscheduled (orange, hatched, bottom) then scheduled (sky blue, top)."""
    b = payload["blocks"]
    priority = np.asarray(b["priority"], dtype=float)
    scheduled = np.asarray(b["scheduled"], dtype=bool)
    _, edges = histogram(priority, PRIORITY_BINS)
    rng = (float(edges[0]), float(edges[-1]))
    unsched, _ = histogram(priority[~scheduled], PRIORITY_BINS, rng)
    sched, _ = histogram(priority[scheduled], PRIORITY_BINS, rng)
    data = [_bar("Unscheduled", unsched, edges, UNSCHEDULED_COLOR, "Priority",
                 pattern=STATUS_PATTERNS["Unscheduled"]),
            _bar("Scheduled", sched, edges, SCHEDULED_COLOR, "Priority", pattern=STATUS_PATTERNS["Scheduled"])]
    layout = base_layout(
        420, barmode="stack", bargap=0,
        title={"text": "Priority", "subtitle": {"text": scheduled_subtitle(payload["counts"])}},
        margin={"l": 60, "r": 20, "t": 80, "b": 50},
        xaxis={"title": {"text": "Priority"}}, yaxis={"title": {"text": "Blocks"}},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right",
                "traceorder": "reversed"})
    return {"data": data, "layout": layout}


def value_histogram(payload: dict, column: str) -> dict:
    """One of the single-colour histograms (visibility 30 bins, requested 25, elevation range 20)."""
    n_bins, title, xtitle, color = HISTOGRAMS[column]
    counts, edges = histogram(payload["blocks"][column], n_bins)
    unit = " h" if column.endswith("hours") else "°"
    data = [_bar("Blocks", counts, edges, color, xtitle.split(" (")[0], unit)]
    layout = base_layout(340, bargap=0, showlegend=False, title={"text": title},
                         margin={"l": 55, "r": 15, "t": 45, "b": 50},
                         xaxis={"title": {"text": xtitle}}, yaxis={"title": {"text": "Blocks"}})
    return {"data": data, "layout": layout}


def status_bars(payload: dict) -> dict:
    """Scheduled and unscheduled counts (within the included blocks), with the counts on the bars."""
    c = payload["counts"]
    values = [int(c.get("scheduled") or 0), int(c.get("unscheduled") or 0)]
    data = [{"type": "bar", "x": ["Scheduled", "Unscheduled"], "y": values, "text": [f"{v:,}" for v in values],
             "textposition": "outside", "cliponaxis": False,
             "marker": {"color": [SCHEDULED_COLOR, UNSCHEDULED_COLOR],
                        "pattern": {"shape": [STATUS_PATTERNS["Scheduled"], STATUS_PATTERNS["Unscheduled"]],
                                    "fgcolor": "#111111", "solidity": 0.3}},
             "hovertemplate": "%{x}: %{y}<extra></extra>"}]
    layout = base_layout(380, showlegend=False, title={"text": "Scheduling status"},
                         margin={"l": 55, "r": 15, "t": 45, "b": 40},
                         yaxis={"title": {"text": "Blocks"}, "rangemode": "tozero",
                                "range": [0, max(values + [1]) * 1.15]})
    return {"data": data, "layout": layout}


def priority_violins(payload: dict) -> dict:
    """Priority by status: one violin per status with its box and mean line (groups without blocks are left out)."""
    b = payload["blocks"]
    priority = np.asarray(b["priority"], dtype=float)
    scheduled = np.asarray(b["scheduled"], dtype=bool)
    data = []
    for name, m, color in (("Scheduled", scheduled, SCHEDULED_COLOR), ("Unscheduled", ~scheduled, UNSCHEDULED_COLOR)):
        y = priority[m]
        y = y[np.isfinite(y)]
        if y.size == 0:
            continue
        data.append({"type": "violin", "name": name, "x0": name, "y": y, "points": False, "spanmode": "hard",
                     "box": {"visible": True, "width": 0.15, "fillcolor": "rgba(255,255,255,0.35)",
                             "line": {"color": "#ffffff", "width": 1}},
                     "meanline": {"visible": True, "color": "#ffffff", "width": 2},
                     "line": {"color": color, "width": 1.5}, "fillcolor": _rgba(color, 0.45),
                     "hoveron": "violins+kde"})
    layout = base_layout(380, showlegend=False, title={"text": "Priority by status"},
                         margin={"l": 55, "r": 15, "t": 45, "b": 40}, yaxis={"title": {"text": "Priority"}})
    return {"data": data, "layout": layout}


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def all_figures(payload: dict) -> dict[str, dict]:
    """Every figure of the page by graph key."""
    return {
        "priority": priority_histogram(payload),
        "visibility": value_histogram(payload, "total_visibility_hours"),
        "requested": value_histogram(payload, "requested_hours"),
        "elevation": value_histogram(payload, "elevation_range_deg"),
        "status": status_bars(payload),
        "violin": priority_violins(payload),
    }
