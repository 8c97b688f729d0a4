"""Shared figure conventions: dark template, priority-bin colours and labels, UTC time axes."""

from __future__ import annotations

import copy
from functools import lru_cache

import numpy as np

from tsi.timeparse import MJD_UNIX_EPOCH, format_mjd

TEMPLATE = "plotly_dark"
BIN_LABELS = {1: "Low", 2: "Medium-Low", 3: "Medium-High", 4: "High"}
# colours and symbols come from the one palette (Okabe–Ito; tsi/figures/palette.py)
from tsi.figures.palette import (  # noqa: E402,F401  (re-exported: the figure modules import them from here)
    BIN_COLORS, BIN_SYMBOLS, SCHEDULED_COLOR, STATUS_PATTERNS, STATUS_SYMBOLS, UNSCHEDULED_COLOR,
)


@lru_cache(maxsize=1)
def _template_layout() -> dict:
    import plotly.io as pio

    return pio.templates[TEMPLATE].layout.to_plotly_json()


def template() -> dict:
    """The dark template itself (a fresh copy). Plotly.js does not know Python's named templates: a figure
    dict with `template: "plotly_dark"` would be drawn with the light defaults."""
    return {"layout": copy.deepcopy(_template_layout())}


def base_layout(height: int = 500, **extra) -> dict:
    layout = {"template": template(), "height": height, "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
              "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
              "legend": {"orientation": "h", "y": -0.15}}
    layout.update(extra)
    return layout


def mjd_to_datetime64(mjd) -> np.ndarray:
    """MJD array → numpy datetime64[ms] (UTC), NaN → NaT; Plotly draws these as UTC dates."""
    a = np.asarray(mjd, dtype=float)
    ms = (a - MJD_UNIX_EPOCH) * 86400000.0
    out = np.full(a.shape, np.datetime64("NaT"), dtype="datetime64[ms]")
    ok = ~np.isnan(ms)
    out[ok] = ms[ok].round().astype("int64").astype("datetime64[ms]")
    return out


def unix_to_datetime64(t) -> np.ndarray:
    return (np.asarray(t, dtype="float64") * 1000).round().astype("int64").astype("datetime64[ms]")


def utc_text(mjd: float | None) -> str:
    """'YYYY-MM-DD HH:MM' UTC, '' when missing."""
    return format_mjd(mjd)


def empty_figure(message: str, height: int = 300) -> dict:
    return {"data": [], "layout": base_layout(height, xaxis={"visible": False}, yaxis={"visible": False},
                                              annotations=[{"text": message, "showarrow": False,
                                                            "font": {"size": 16}}])}
