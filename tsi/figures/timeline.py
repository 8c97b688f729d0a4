"""Schedule timeline figure (flows.md §4): one row per month, blocks as one horizontal bar trace.

Pure functions: a `timeline` payload → Plotly figure dict. Rows are numbered 0..n−1 (earliest month on top,
the y axis is reversed); each month row holds the blocks bar (centre) and a thin night/day band below it.
"""

from __future__ import annotations

import calendar as _calendar
from datetime import datetime, timezone

import numpy as np

from tsi.figures.colorbar import colorbar_shapes, viridis_colors
from tsi.figures.common import base_layout, empty_figure
from tsi.figures.palette import DAY_COLOR, NIGHT_COLOR  # Okabe–Ito blue and yellow
from tsi.timeparse import mjd_to_unix

BLOCK_WIDTH = 0.56
BAND_WIDTH = 0.14
BAND_OFFSET = 0.38  # below the blocks bar (the axis is reversed: larger y is lower on screen)


def month_label(month: str) -> str:
    """'2028-01' → 'Jan 2028'."""
    return f"{_calendar.month_abbr[int(month[5:7])]} {month[:4]}"


def month_start_unix(month: str) -> int:
    return int(datetime(int(month[:4]), int(month[5:7]), 1, tzinfo=timezone.utc).timestamp())


def day_to_unix(months, day) -> np.ndarray:
    """(month 'YYYY-MM', day coordinate) pairs → unix seconds (day 1.0 = the month's first midnight)."""
    starts = {m: month_start_unix(m) for m in set(months)}
    base = np.array([starts[m] for m in months], dtype=float)
    return base + (np.asarray(day, dtype=float) - 1.0) * 86400.0


def utc_strings(unix) -> np.ndarray:
    a = np.round(np.asarray(unix, dtype=float)).astype("int64").astype("datetime64[s]").astype("datetime64[m]")
    return np.char.replace(np.datetime_as_string(a, unit="m"), "T", " ")


def timeline_height(n_months: int) -> int:
    return max(500, 60 * int(n_months))


def _band(table: dict, row_of: dict, name: str, color: str) -> dict:
    months = list(table["month"])
    s = np.asarray(table["day_start"], dtype=float)
    e = np.asarray(table["day_end"], dtype=float)
    y = np.array([row_of[m] for m in months], dtype=float) + BAND_OFFSET
    if len(months):
        txt = np.column_stack([utc_strings(day_to_unix(months, s)), utc_strings(day_to_unix(months, e))])
    else:
        txt = np.zeros((0, 2), dtype=object)
    return {
        "type": "bar", "orientation": "h", "name": name, "y": y, "base": s, "x": e - s, "width": BAND_WIDTH,
        "marker": {"color": color}, "customdata": txt.astype(object),
        "hovertemplate": f"{name}<br>%{{customdata[0]}} – %{{customdata[1]}} UTC<extra></extra>",
        "showlegend": True, "legendgroup": name,
    }


def timeline_figure(payload: dict) -> dict:
    """Exactly three traces: blocks (one bar trace coloured by priority), night band, day band.

    Bar colours are computed here (Viridis) and the colour bar is drawn with layout shapes, which keeps
    thousands of bars fast to draw and the trace count at three.
    """
    seg, blocks, months = payload["segments"], payload["blocks"], list(payload["months"])
    if len(seg["row"]) == 0 or not months:
        return empty_figure("No block of this schedule is scheduled.")
    row_of = {m: i for i, m in enumerate(months)}
    rows = np.asarray(seg["row"], dtype="int64")
    s = np.asarray(seg["day_start"], dtype=float)
    e = np.asarray(seg["day_end"], dtype=float)
    y = np.array([row_of[m] for m in seg["month"]], dtype=float)
    prio = np.asarray(blocks["priority"], dtype=float)
    summ = payload["summary"]
    cmin = summ.get("priority_min")
    cmax = summ.get("priority_max")
    if cmin is None or cmax is None:
        cmin, cmax = float(np.nanmin(prio)), float(np.nanmax(prio))
    per_block = [
        np.asarray(blocks["original_block_id"], dtype=object),
        prio,
        utc_strings(mjd_to_unix(np.asarray(blocks["scheduled_start_mjd"], dtype=float))),
        utc_strings(mjd_to_unix(np.asarray(blocks["scheduled_stop_mjd"], dtype=float))),
        np.asarray(blocks["scheduled_hours"], dtype=float),
        np.asarray(blocks["ra_deg"], dtype=float),
        np.asarray(blocks["dec_deg"], dtype=float),
        np.asarray(blocks["requested_hours"], dtype=float),
        np.asarray(blocks["total_visibility_hours"], dtype=float),
        np.asarray(blocks["visibility_period_count"], dtype="int64"),
    ]
    per_block = [np.round(c, 4) if c.dtype.kind == "f" else c for c in per_block]
    custom = np.column_stack([np.asarray(c)[rows].astype(object) for c in per_block])
    hover = ("<b>%{customdata[0]}</b><br>Priority: %{customdata[1]:.2f}<br>"
             "%{customdata[2]} – %{customdata[3]} UTC<br>Duration: %{customdata[4]:.2f} h<br>"
             "RA %{customdata[5]:.3f}°, Dec %{customdata[6]:.3f}°<br>Requested: %{customdata[7]:.2f} h<br>"
             "Visibility: %{customdata[8]:.1f} h (%{customdata[9]} periods)<extra></extra>")
    bars = {
        "type": "bar", "orientation": "h", "name": "Scheduled blocks", "y": y, "base": s, "x": e - s,
        "width": BLOCK_WIDTH, "customdata": custom, "hovertemplate": hover, "showlegend": True,
        "marker": {"color": viridis_colors(prio[rows], cmin, cmax)},
    }
    shapes, notes = colorbar_shapes(float(cmin), float(cmax), "Priority")
    data = [bars,
            _band(payload["dark_segments"], row_of, "Night", NIGHT_COLOR),
            _band(payload["daylight_segments"], row_of, "Day", DAY_COLOR)]
    layout = base_layout(
        timeline_height(len(months)), barmode="overlay", dragmode="pan", hovermode="closest",
        xaxis={"title": {"text": "Day of month (UTC)"}, "range": [1, 32], "tickmode": "linear", "tick0": 1,
               "dtick": 1, "showgrid": True, "gridcolor": "rgba(255,255,255,0.08)", "zeroline": False},
        yaxis={"tickmode": "array", "tickvals": list(range(len(months))),
               "ticktext": [month_label(m) for m in months], "range": [len(months) - 0.5, -0.5],
               "autorange": False, "showgrid": False, "zeroline": False},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        margin={"l": 80, "r": 90, "t": 40, "b": 50}, shapes=shapes, annotations=notes,
    )
    return {"data": data, "layout": layout}
