"""Visibility map figures (flows.md §3): the visible-blocks histogram and the month × day calendar.

Pure functions: a `visibility_map` payload (+ view options) → Plotly figure dict.
"""

from __future__ import annotations

import calendar as _calendar

import numpy as np

from tsi.figures.colorbar import colorbar_carrier, viridis_colors
from tsi.figures.common import BIN_LABELS, base_layout, empty_figure, unix_to_datetime64
from tsi.timeparse import mjd_to_unix

DARK_FILL = "rgba(150, 160, 255, 0.28)"
CALENDAR_METRICS = {"visible_blocks": "Visible blocks", "visible_block_hours": "Block-hours"}


def _utc_strings(unix) -> np.ndarray:
    """unix seconds → 'YYYY-MM-DD HH:MM' (vectorised)."""
    a = np.asarray(unix, dtype="int64").astype("datetime64[s]").astype("datetime64[m]")
    return np.char.replace(np.datetime_as_string(a, unit="m"), "T", " ")


def histogram_figure(payload: dict, shade_dark: bool = True, height: int = 460) -> dict:
    """Bars at bin centres, width = bin length, colour = count; dark periods as one background trace."""
    h = payload["histogram"]
    start = np.asarray(h["bin_start_unix"], dtype="int64")
    end = np.asarray(h["bin_end_unix"], dtype="int64")
    count = np.asarray(h["count"], dtype="int64")
    if len(start) == 0:
        return empty_figure("No visibility in this range")
    centre_ms = (start + end) * 500.0  # (start + end) / 2 seconds, in milliseconds
    width_ms = (end - start) * 1000.0
    start_txt, end_txt = _utc_strings(start), _utc_strings(end)
    cols = [start_txt, end_txt, count]
    cols += [np.asarray(h[f"count_bin{i}"]) for i in (1, 2, 3, 4)]
    cols += [np.asarray(h["count_scheduled"]), np.asarray(h["count_unscheduled"])]
    customdata = np.column_stack([np.asarray(c).astype(object) for c in cols])
    per_bin = "<br>".join(f"{BIN_LABELS[i]}: %{{customdata[{2 + i}]}}" for i in (1, 2, 3, 4))
    hover = ("%{customdata[0]} – %{customdata[1]} UTC<br><b>Visible blocks: %{customdata[2]}</b><br>"
             + per_bin + "<br>Scheduled: %{customdata[7]}<br>Unscheduled: %{customdata[8]}<extra></extra>")
    cmax = max(int(count.max()), 1)
    x = centre_ms.astype("datetime64[ms]")
    bars = {
        "type": "bar", "name": "Visible blocks", "x": x, "y": count, "width": width_ms, "customdata": customdata,
        "hovertemplate": hover, "showlegend": False,
        "marker": {"color": viridis_colors(count, 0, cmax), "opacity": 0.85, "line": {"width": 0}},
    }
    data = []
    if shade_dark:
        dark = dark_trace(payload, start[0], end[-1], cmax)
        if dark is not None:
            data.append(dark)
    data.append(bars)
    data.append(colorbar_carrier(x[0], 0, 0, cmax, "Visible blocks"))
    layout = base_layout(
        height, barmode="overlay", bargap=0, bargroupgap=0, hovermode="closest",
        xaxis={"title": {"text": "Time (UTC)"}, "type": "date",
               "range": [unix_to_datetime64([start[0]])[0], unix_to_datetime64([end[-1]])[0]]},
        yaxis={"title": {"text": "Visible blocks"}, "rangemode": "tozero"},
        legend={"orientation": "h", "y": 1.08, "x": 0},
    )
    return {"data": data, "layout": layout}


def dark_trace(payload: dict, start_unix: int, end_unix: int, top: float) -> dict | None:
    """One translucent bar trace spanning the plot height for every dark period inside [start, end)."""
    d = payload["dark_periods"]
    s = mjd_to_unix(np.asarray(d["start_mjd"], dtype=float))
    e = mjd_to_unix(np.asarray(d["stop_mjd"], dtype=float))
    s, e = np.maximum(s, start_unix), np.minimum(e, end_unix)
    keep = e > s
    if not keep.any():
        return None
    s, e = s[keep], e[keep]
    return {
        "type": "bar", "name": "Dark periods", "x": ((s + e) * 500.0).astype("int64").astype("datetime64[ms]"),
        "y": np.full(len(s), float(top) * 1.05), "width": (e - s) * 1000.0,
        "marker": {"color": DARK_FILL, "line": {"width": 0}}, "hoverinfo": "skip", "showlegend": True,
    }


def month_rows(first_month: str, last_month: str) -> list[str]:
    """Every 'YYYY-MM' from first to last inclusive."""
    y, m = int(first_month[:4]), int(first_month[5:7])
    ly, lm = int(last_month[:4]), int(last_month[5:7])
    out = []
    while (y, m) <= (ly, lm):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def calendar_grid(payload: dict, metric: str = "visible_blocks") -> tuple[list[str], np.ndarray, list[list[str]]]:
    """(months, z[months × 31] with NaN where the date does not exist or lies outside the range, hover texts)."""
    c = payload["calendar"]
    dates = c["date"]
    if not dates:
        return [], np.zeros((0, 31)), []
    months = month_rows(c["month"][0], c["month"][-1])
    row_of = {m: i for i, m in enumerate(months)}
    z = np.full((len(months), 31), np.nan)
    text = [[""] * 31 for _ in months]
    values = np.asarray(c[metric], dtype=float)
    vb, bh, dh = c["visible_blocks"], c["visible_block_hours"], c["dark_hours"]
    for k, (date, month, day) in enumerate(zip(dates, c["month"], c["day"])):
        r, j = row_of[month], int(day) - 1
        z[r, j] = values[k]
        text[r][j] = (f"{date}<br>Visible blocks: {int(vb[k]):,}<br>Block-hours: {float(bh[k]):,.1f}"
                      f"<br>Dark hours: {float(dh[k]):.2f}")
    return months, z, text


def calendar_figure(payload: dict, metric: str = "visible_blocks") -> dict:
    """Heatmap of months (rows, earliest on top) × day 1–31; blank cells for missing or out-of-range dates."""
    if metric not in CALENDAR_METRICS:
        raise ValueError(f"metric must be one of {', '.join(CALENDAR_METRICS)} (got {metric!r})")
    months, z, text = calendar_grid(payload, metric)
    if not months:
        return empty_figure("No days in this range")
    labels = [f"{_calendar.month_abbr[int(m[5:7])]} {m[:4]}" for m in months]
    zl = [[None if np.isnan(v) else float(v) for v in row] for row in z]
    trace = {
        "type": "heatmap", "x": list(range(1, 32)), "y": labels, "z": zl, "text": text,
        "hovertemplate": "%{text}<extra></extra>", "hoverongaps": False, "colorscale": "Viridis",
        "xgap": 2, "ygap": 2, "colorbar": {"title": {"text": CALENDAR_METRICS[metric]}},
    }
    layout = base_layout(
        max(260, 46 * len(months) + 120),
        xaxis={"title": {"text": "Day of month"}, "tickmode": "linear", "tick0": 1, "dtick": 1, "range": [0.5, 31.5],
               "showgrid": False},
        yaxis={"autorange": "reversed", "type": "category", "showgrid": False},
    )
    return {"data": [trace], "layout": layout}
