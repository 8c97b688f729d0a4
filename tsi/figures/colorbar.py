"""Fast Viridis colouring: per-point colours computed here (numpy) instead of by Plotly's colour scale.

Plotly styles bars with a numeric colour array several times slower than with ready colour strings, which
matters for thousands of bars; these helpers keep the look (Viridis + a colour bar) without that cost.
"""

from __future__ import annotations

import numpy as np

VIRIDIS = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b',
           '#fde725']
_STOPS = np.linspace(0.0, 1.0, len(VIRIDIS))
_RGB = np.array([[int(h[i:i + 2], 16) for i in (1, 3, 5)] for h in VIRIDIS], dtype=float)


def viridis_colors(values, vmin: float, vmax: float) -> list[str]:
    """Values → 'rgb(r,g,b)' on Viridis between vmin and vmax (clipped; NaN → grey)."""
    v = np.asarray(values, dtype=float)
    span = (vmax - vmin) or 1.0
    t = np.clip((v - vmin) / span, 0.0, 1.0)
    nan = np.isnan(t)
    t = np.where(nan, 0.0, t)
    rgb = np.rint(np.column_stack([np.interp(t, _STOPS, _RGB[:, k]) for k in range(3)])).astype(int)
    out = [f"rgb({r},{g},{b})" for r, g, b in rgb.tolist()]
    for i in np.flatnonzero(nan).tolist():
        out[i] = "rgb(128,128,128)"
    return out


def colorbar_carrier(x, y, vmin: float, vmax: float, title: str) -> dict:
    """An invisible two-point scatter whose only job is to show a Viridis colour bar for [vmin, vmax]."""
    return {
        "type": "scatter", "mode": "markers", "x": [x, x], "y": [y, y], "hoverinfo": "skip", "showlegend": False,
        "name": title,
        "marker": {"color": [vmin, vmax], "colorscale": "Viridis", "cmin": vmin, "cmax": vmax, "opacity": 0,
                   "size": 1, "showscale": True, "colorbar": {"title": {"text": title}}},
    }


def colorbar_shapes(vmin: float, vmax: float, title: str, steps: int = 24, x0: float = 1.015,
                    width: float = 0.018) -> tuple[list[dict], list[dict]]:
    """A colour bar drawn with layout shapes and annotations (for figures that must not add a trace)."""
    shapes, notes = [], []
    y0, y1 = 0.1, 0.9
    h = (y1 - y0) / steps
    cols = viridis_colors(np.linspace(vmin, vmax, steps), vmin, vmax)
    for i, c in enumerate(cols):
        shapes.append({"type": "rect", "xref": "paper", "yref": "paper", "x0": x0, "x1": x0 + width,
                       "y0": y0 + i * h, "y1": y0 + (i + 1) * h, "fillcolor": c, "line": {"width": 0},
                       "layer": "above"})
    for k in range(5):
        v = vmin + (vmax - vmin) * k / 4
        notes.append({"xref": "paper", "yref": "paper", "x": x0 + width + 0.004, "y": y0 + (y1 - y0) * k / 4,
                      "xanchor": "left", "yanchor": "middle", "showarrow": False, "text": f"{v:.3g}",
                      "font": {"size": 11}})
    notes.append({"xref": "paper", "yref": "paper", "x": x0, "y": y1 + 0.02, "xanchor": "left",
                  "yanchor": "bottom", "showarrow": False, "text": title, "font": {"size": 12}})
    return shapes, notes
