"""Compare page figures (flows.md §7): pure builders, compare payload → Plotly figure dict.

Every builder takes the `compare` payload; the current schedule is drawn in blue (solid), the comparison in
orange (hatched), newly scheduled blocks in bluish green (solid) and newly unscheduled ones in vermillion
(crossed): Okabe–Ito colours from tsi/figures/palette.py, each pair told apart by its fill pattern too.
"""

from __future__ import annotations

import numpy as np

from tsi.figures.common import base_layout
from tsi.figures.common import empty_figure as _empty_figure

from tsi.figures.palette import (
    COMPARISON_COLOR, COMPARISON_PATTERN, CURRENT_COLOR, CURRENT_PATTERN, NEWLY_SCHEDULED_COLOR,
    NEWLY_SCHEDULED_PATTERN, NEWLY_UNSCHEDULED_COLOR, NEWLY_UNSCHEDULED_PATTERN,
)
PRIORITY_BINS = 20


def _fill(color: str, pattern: str) -> dict:
    """A bar/histogram marker: the colour, and a fill pattern so the series is not told by colour alone."""
    return {"color": color, "pattern": {"shape": pattern, "fgcolor": "#111111", "solidity": 0.3},
            "line": {"color": "#111111", "width": 0.5}}


def _layout(height: int, **extra) -> dict:
    out = base_layout(height, **extra)
    out["legend"] = {"orientation": "h", "y": -0.28, "x": 0}
    out["margin"] = {**out["margin"], "b": 90}
    return out


empty_figure = _empty_figure


def _labels(payload: dict) -> tuple[str, str]:
    names = payload.get("names") or {}
    return (f"Current: {names.get('current_name', '')}", f"Comparison: {names.get('comparison_name', '')}")


def _scheduled(table: dict, column: str) -> np.ndarray:
    values = np.asarray(table[column], dtype=float)
    mask = np.asarray(table["scheduled"], dtype=bool)
    out = values[mask]
    return out[~np.isnan(out)]


def _xbins(*arrays: np.ndarray, n: int = PRIORITY_BINS) -> dict:
    """Shared histogram bins over the combined range (so overlaid histograms line up)."""
    both = np.concatenate([a for a in arrays if len(a)]) if any(len(a) for a in arrays) else np.array([0.0])
    lo, hi = float(np.min(both)), float(np.max(both))
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    size = (hi - lo) / n
    return {"start": lo, "end": hi + size * 1e-6, "size": size}


def scheduled_priority_histogram(payload: dict, height: int = 380) -> dict:
    """Overlaid priority histograms of the scheduled blocks of both schedules."""
    cur = _scheduled(payload["current_blocks"], "priority")
    cmp_ = _scheduled(payload["comparison_blocks"], "priority")
    if len(cur) == 0 and len(cmp_) == 0:
        return empty_figure("Neither schedule has scheduled blocks.", height)
    bins = _xbins(cur, cmp_)
    lc, lo = _labels(payload)
    traces = [
        {"type": "histogram", "x": cur, "name": lc, "xbins": bins, "opacity": 0.6,
         "marker": _fill(CURRENT_COLOR, CURRENT_PATTERN),
         "hovertemplate": "Priority %{x}<br>%{y} blocks<extra>%{fullData.name}</extra>"},
        {"type": "histogram", "x": cmp_, "name": lo, "xbins": bins, "opacity": 0.6,
         "marker": _fill(COMPARISON_COLOR, COMPARISON_PATTERN),
         "hovertemplate": "Priority %{x}<br>%{y} blocks<extra>%{fullData.name}</extra>"},
    ]
    layout = _layout(height, barmode="overlay", title={"text": "Priority of scheduled blocks"},
                         xaxis={"title": {"text": "Priority"}}, yaxis={"title": {"text": "Blocks"}})
    return {"data": traces, "layout": layout}


def status_bars(payload: dict, height: int = 380) -> dict:
    """Grouped bars: scheduled and unscheduled counts per schedule, counts written on the bars."""
    lc, lo = _labels(payload)
    cs, os_ = payload["current_stats"], payload["comparison_stats"]
    x = ["Scheduled", "Unscheduled"]
    traces = []
    for name, stats, color, pattern in ((lc, cs, CURRENT_COLOR, CURRENT_PATTERN),
                                        (lo, os_, COMPARISON_COLOR, COMPARISON_PATTERN)):
        y = [int(stats["scheduled_count"]), int(stats["unscheduled_count"])]
        traces.append({"type": "bar", "x": x, "y": y, "name": name, "marker": _fill(color, pattern),
                       "text": [f"{v:,}" for v in y], "textposition": "auto",
                       "hovertemplate": "%{x}: %{y}<extra>%{fullData.name}</extra>"})
    layout = _layout(height, barmode="group", title={"text": "Blocks by status"},
                         yaxis={"title": {"text": "Blocks"}})
    return {"data": traces, "layout": layout}


def changed_priority_histogram(payload: dict, height: int = 380) -> dict:
    """Priority histograms of the blocks whose status changed (priority in the current schedule)."""
    ch = payload["changes"]
    kinds = np.asarray(ch["change"], dtype=object)
    prio = np.asarray(ch["priority_current"], dtype=float)
    if len(kinds) == 0:
        return empty_figure("No block changed status.", height)
    newly = prio[kinds == "newly_scheduled"]
    gone = prio[kinds == "newly_unscheduled"]
    bins = _xbins(newly, gone)
    traces = [
        {"type": "histogram", "x": newly, "name": f"Newly scheduled ({len(newly):,})", "xbins": bins,
         "marker": _fill(NEWLY_SCHEDULED_COLOR, NEWLY_SCHEDULED_PATTERN),
         "hovertemplate": "Priority %{x}<br>%{y} blocks<extra>newly scheduled</extra>"},
        {"type": "histogram", "x": gone, "name": f"Newly unscheduled ({len(gone):,})", "xbins": bins,
         "marker": _fill(NEWLY_UNSCHEDULED_COLOR, NEWLY_UNSCHEDULED_PATTERN),
         "hovertemplate": "Priority %{x}<br>%{y} blocks<extra>newly unscheduled</extra>"},
    ]
    layout = _layout(height, barmode="group", title={"text": "Priority of blocks that changed status"},
                         xaxis={"title": {"text": "Priority (current schedule)"}},
                         yaxis={"title": {"text": "Blocks"}})
    return {"data": traces, "layout": layout}


def scheduled_duration_boxes(payload: dict, height: int = 380) -> dict:
    """Box plots of the scheduled durations (hours) of both schedules, with the mean."""
    cur = _scheduled(payload["current_blocks"], "scheduled_hours")
    cmp_ = _scheduled(payload["comparison_blocks"], "scheduled_hours")
    if len(cur) == 0 and len(cmp_) == 0:
        return empty_figure("Neither schedule has scheduled blocks.", height)
    lc, lo = _labels(payload)
    traces = [
        {"type": "box", "y": cur, "name": lc, "marker": {"color": CURRENT_COLOR}, "boxmean": True,
         "boxpoints": False},
        {"type": "box", "y": cmp_, "name": lo, "marker": {"color": COMPARISON_COLOR}, "boxmean": True,
         "boxpoints": False},
    ]
    layout = _layout(height, title={"text": "Scheduled durations"}, showlegend=False,
                         yaxis={"title": {"text": "Hours"}})
    return {"data": traces, "layout": layout}
