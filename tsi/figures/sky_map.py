"""Sky Map figure: the `sky_map` payload plus the page's filter state → a Plotly figure dict (no I/O).

The projection is computed in Rust (the payload's `x`, `y`, overlays and axes); this module only filters the
cached payload, groups the points by colour (one `Scattergl` trace per group) and builds the hover data with
numpy (no per-point Python loops). Hover always shows the true coordinates (`ra_deg`, `dec_deg`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from tsi.figures.common import BIN_COLORS, BIN_LABELS, SCHEDULED_COLOR, UNSCHEDULED_COLOR, mjd_to_datetime64
from tsi.figures.palette import BIN_SYMBOLS, GREY, STATUS_SYMBOLS
from tsi.figures.common import base_layout

COLOR_BY = ("bin", "status")
STATUSES = ("all", "scheduled", "unscheduled")
OVERLAYS = ("galactic", "ecliptic", "grid")
MIN_MARKER = 5.0
MARKER_RANGE = 25.0

OVERLAY_STYLE = {
    # key in the payload: (trace name, line style, shown in the legend)
    "graticule": ("Grid", {"color": "rgba(255,255,255,0.18)", "width": 1}, False),
    "outline": ("Outline", {"color": "rgba(255,255,255,0.55)", "width": 1.5}, False),
    "galactic_plane": ("Galactic plane", {"color": "rgba(255,215,0,0.75)", "width": 1.5, "dash": "dash"}, True),
    "ecliptic": ("Ecliptic", {"color": "rgba(0,200,255,0.75)", "width": 1.5, "dash": "dot"}, True),
}
# checkbox value → payload overlay key (the outline is always drawn)
OVERLAY_KEYS = {"grid": "graticule", "galactic": "galactic_plane", "ecliptic": "ecliptic"}

HOVER_TEMPLATE = (
    "<b>%{customdata[0]}</b><br>"
    "Priority %{customdata[1]:.2f} (%{customdata[2]})<br>"
    "RA %{customdata[3]:.4f}° (%{customdata[4]})<br>"
    "Dec %{customdata[5]:.4f}° (%{customdata[6]})<br>"
    "Requested %{customdata[7]:.2f} h<br>"
    "Status: %{customdata[8]}<br>"
    "Scheduled: %{customdata[9]}"
    "<extra></extra>"
)


@dataclass(frozen=True)
class SkyFilters:
    """View-only filters applied to the cached payload (None = no bound)."""

    status: str = "all"
    priority_min: float | None = None
    priority_max: float | None = None
    window_from_mjd: float | None = None
    window_to_mjd: float | None = None


# ------------------------------------------------------------------ filtering

def filter_mask(blocks: dict, filters: SkyFilters) -> np.ndarray:
    """Boolean mask of the blocks that pass the filters.

    Priority bounds are inclusive; status keeps scheduled or unscheduled blocks; the window keeps scheduled
    blocks whose start lies in [from, to) and never removes unscheduled blocks.
    """
    if filters.status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)} (got {filters.status!r})")
    priority = np.asarray(blocks["priority"], dtype=float)
    scheduled = np.asarray(blocks["scheduled"], dtype=bool)
    mask = np.ones(priority.shape, dtype=bool)
    if filters.priority_min is not None:
        mask &= priority >= filters.priority_min
    if filters.priority_max is not None:
        mask &= priority <= filters.priority_max
    if filters.status == "scheduled":
        mask &= scheduled
    elif filters.status == "unscheduled":
        mask &= ~scheduled
    if filters.window_from_mjd is not None or filters.window_to_mjd is not None:
        start = np.asarray(blocks["scheduled_start_mjd"], dtype=float)
        in_window = np.ones(start.shape, dtype=bool)
        if filters.window_from_mjd is not None:
            in_window &= start >= filters.window_from_mjd
        if filters.window_to_mjd is not None:
            in_window &= start < filters.window_to_mjd
        mask &= in_window | ~scheduled
    return mask


def take(table: dict, index: np.ndarray) -> dict:
    """Rows of a columnar table by a boolean mask or an index array (text columns become numpy arrays)."""
    out = {}
    for k, v in table.items():
        a = v if isinstance(v, np.ndarray) else np.asarray(v, dtype=object)
        out[k] = a[index]
    return out


# ------------------------------------------------------------------ point attributes

def marker_sizes(requested_hours, h_max: float | None) -> np.ndarray:
    """5 + 25·h/h_max (5 when h_max is 0 or missing, and for missing hours)."""
    h = np.asarray(requested_hours, dtype=float)
    if h_max is None or not np.isfinite(h_max) or h_max <= 0:
        return np.full(h.shape, MIN_MARKER)
    sizes = MIN_MARKER + MARKER_RANGE * h / float(h_max)
    return np.where(np.isfinite(sizes), sizes, MIN_MARKER)


def _pad(values: np.ndarray, width: int) -> np.ndarray:
    return np.char.zfill(values.astype(str), width)


def ra_hms(ra_deg) -> np.ndarray:
    """Right ascension in degrees → 'HHhMMmSS.Ss' ('' when missing), vectorised."""
    ra = np.asarray(ra_deg, dtype=float)
    ok = np.isfinite(ra)
    tenths = np.rint(np.mod(np.where(ok, ra, 0.0), 360.0) / 15.0 * 36000.0).astype(np.int64) % (24 * 36000)
    h, rest = np.divmod(tenths, 36000)
    m, rest = np.divmod(rest, 600)
    s, d = np.divmod(rest, 10)
    text = np.char.add(np.char.add(np.char.add(_pad(h, 2), "h"), np.char.add(_pad(m, 2), "m")),
                       np.char.add(np.char.add(_pad(s, 2), "."), np.char.add(d.astype(str), "s")))
    return np.where(ok, text, "")


def dec_dms(dec_deg) -> np.ndarray:
    """Declination in degrees → '+DD°MM'SS"' ('' when missing), vectorised."""
    dec = np.asarray(dec_deg, dtype=float)
    ok = np.isfinite(dec)
    arcsec = np.rint(np.abs(np.where(ok, dec, 0.0)) * 3600.0).astype(np.int64)
    d, rest = np.divmod(arcsec, 3600)
    m, s = np.divmod(rest, 60)
    sign = np.where(np.where(ok, dec, 0.0) < 0, "-", "+")
    text = np.char.add(np.char.add(np.char.add(sign, _pad(d, 2)), "°"),
                       np.char.add(np.char.add(_pad(m, 2), "'"), np.char.add(_pad(s, 2), '"')))
    return np.where(ok, text, "")


def utc_texts(mjd) -> np.ndarray:
    """MJD array → 'YYYY-MM-DD HH:MM' UTC strings ('' when missing), vectorised."""
    t = mjd_to_datetime64(mjd)
    text = np.char.replace(np.datetime_as_string(t, unit="m"), "T", " ")
    return np.where(np.isnat(t), "", text)


def window_texts(start_mjd, stop_mjd, scheduled) -> np.ndarray:
    """'start – stop UTC' for scheduled blocks, '–' otherwise."""
    text = np.char.add(np.char.add(np.char.add(utc_texts(start_mjd), " – "), utc_texts(stop_mjd)), " UTC")
    return np.where(np.asarray(scheduled, dtype=bool), text, "–")


def bin_label_array(bins: np.ndarray, priority_bins: dict | None = None) -> np.ndarray:
    labels = dict(BIN_LABELS)
    if priority_bins is not None:
        labels.update({int(b): str(lbl) for b, lbl in zip(priority_bins["bin"], priority_bins["label"])})
    lookup = np.array([""] + [labels.get(i, "") for i in range(1, 256)], dtype=object)
    return lookup[np.asarray(bins, dtype=np.int64).clip(0, 255)]


def hover_customdata(blocks: dict, priority_bins: dict | None = None) -> np.ndarray:
    """(n, 10) object array: id, priority, bin label, RA°, RA h:m:s, Dec°, Dec d:m:s, requested h, status, window."""
    n = len(blocks["priority"])
    scheduled = np.asarray(blocks["scheduled"], dtype=bool)
    cd = np.empty((n, 10), dtype=object)
    if n == 0:
        return cd
    cd[:, 0] = np.asarray(blocks["original_block_id"], dtype=object)
    # numbers rounded to what the hover shows (smaller JSON); the true coordinates, never the projected ones
    cd[:, 1] = np.round(np.asarray(blocks["priority"], dtype=float), 4)
    cd[:, 2] = bin_label_array(blocks["priority_bin"], priority_bins)
    cd[:, 3] = np.round(np.asarray(blocks["ra_deg"], dtype=float), 5)
    cd[:, 4] = ra_hms(blocks["ra_deg"])
    cd[:, 5] = np.round(np.asarray(blocks["dec_deg"], dtype=float), 5)
    cd[:, 6] = dec_dms(blocks["dec_deg"])
    cd[:, 7] = np.round(np.asarray(blocks["requested_hours"], dtype=float), 4)
    cd[:, 8] = np.where(scheduled, "Scheduled", "Unscheduled")
    cd[:, 9] = window_texts(blocks["scheduled_start_mjd"], blocks["scheduled_stop_mjd"], scheduled)
    return cd


def typed_array(values, dtype: str = "f4") -> dict:
    """A numeric array as a Plotly typed-array spec (base64), much smaller than a JSON list of floats."""
    a = np.ascontiguousarray(np.asarray(values, dtype=np.dtype(dtype).newbyteorder("<")))
    return {"dtype": dtype, "bdata": base64.b64encode(a.tobytes()).decode("ascii")}


def decode_typed_array(spec) -> np.ndarray:
    """The inverse of `typed_array` (plain lists and arrays are returned as arrays)."""
    if isinstance(spec, dict) and "bdata" in spec:
        return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype(spec["dtype"]).newbyteorder("<"))
    return np.asarray(spec)


def compact(fig: dict) -> dict:
    """The figure with the numeric arrays (x, y, marker sizes) as typed arrays and customdata as lists.

    Used by the page before sending a figure to the browser; builders return numpy arrays (easy to test).
    """
    data = []
    for tr in fig["data"]:
        tr = dict(tr)
        for key in ("x", "y"):
            if isinstance(tr.get(key), np.ndarray) and tr[key].dtype.kind == "f":
                tr[key] = typed_array(tr[key])
        marker = tr.get("marker")
        if marker and isinstance(marker.get("size"), np.ndarray):
            tr["marker"] = {**marker, "size": typed_array(marker["size"])}
        if isinstance(tr.get("customdata"), np.ndarray):
            tr["customdata"] = tr["customdata"].tolist()
        data.append(tr)
    return {**fig, "data": data}


# ------------------------------------------------------------------ groups and traces

def color_groups(blocks: dict, priority_bins: dict | None, color_by: str) -> list[tuple[str, str, np.ndarray]]:
    """(name, colour, boolean mask) per colour group, in legend order; groups without points are left out.

    Legend order: Low → High, or Scheduled, Unscheduled. Colours come from the palette (Okabe–Ito), not from
    the payload's `priority_bins.color` (Plotly's defaults, which a colour-blind reader cannot separate)."""
    if color_by == "status":
        scheduled = np.asarray(blocks["scheduled"], dtype=bool)
        groups = [("Scheduled", SCHEDULED_COLOR, scheduled), ("Unscheduled", UNSCHEDULED_COLOR, ~scheduled)]
    elif color_by == "bin":
        bins = np.asarray(blocks["priority_bin"], dtype=np.int64)
        if priority_bins is not None and len(priority_bins["bin"]):
            spec = [(int(b), str(lbl), BIN_COLORS.get(int(b), GREY)) for b, lbl in
                    zip(priority_bins["bin"], priority_bins["label"])]
        else:
            spec = [(b, BIN_LABELS[b], BIN_COLORS[b]) for b in sorted(BIN_LABELS)]
        groups = [(label, color, bins == b) for b, label, color in sorted(spec)]
    else:
        raise ValueError(f"color_by must be one of {', '.join(COLOR_BY)} (got {color_by!r})")
    return [g for g in groups if g[2].any()]


def group_symbol(name: str, priority_bins: dict | None) -> str:
    """The marker symbol of a colour group: status and priority bins are told by shape as well as colour."""
    if name in STATUS_SYMBOLS:
        return STATUS_SYMBOLS[name]
    labels = dict(zip(priority_bins["label"], priority_bins["bin"])) if priority_bins is not None else {}
    labels.update({v: k for k, v in BIN_LABELS.items()})
    return BIN_SYMBOLS.get(int(labels.get(name, 0)), "circle")


def overlay_traces(overlays_payload: dict, shown: Iterable[str]) -> list[dict]:
    """Line traces (drawn first, so underneath the points): outline always, the others when checked.

    SVG `scatter`, not `scattergl`: a few thousand line vertices are cheap in SVG, while WebGL lines cost
    ~0.3 s to draw on a machine without a GPU (headless Chromium's software WebGL), measured on the 25,000-block
    map. Plotly layers the WebGL canvas above the SVG plot area, so the lines stay underneath the points."""
    keys = ["outline"] + [OVERLAY_KEYS[k] for k in OVERLAYS if k in set(shown)]
    order = ["graticule", "outline", "galactic_plane", "ecliptic"]
    traces = []
    for key in sorted(keys, key=order.index):
        table = overlays_payload.get(key) if overlays_payload else None
        if not table or len(table["x"]) == 0:
            continue
        name, line, legend = OVERLAY_STYLE[key]
        traces.append({"type": "scatter", "mode": "lines", "name": name, "x": np.asarray(table["x"]),
                       "y": np.asarray(table["y"]), "line": line, "hoverinfo": "skip", "showlegend": legend,
                       "connectgaps": False, "meta": {"overlay": key}})
    return traces


def point_traces(blocks: dict, priority_bins: dict | None, color_by: str, h_max: float | None) -> list[dict]:
    """One Scattergl trace per colour group of the (already filtered) blocks.

    Traces keep the legend order through `legendrank`; by status the unscheduled blocks are drawn first so the
    (usually fewer) scheduled ones stay visible on top; by bin, High is drawn last.
    """
    x = np.asarray(blocks["x"], dtype=float)
    y = np.asarray(blocks["y"], dtype=float)
    sizes = marker_sizes(blocks["requested_hours"], h_max)
    customdata = hover_customdata(blocks, priority_bins)
    traces = []
    for rank, (name, color, m) in enumerate(color_groups(blocks, priority_bins, color_by), start=1):
        traces.append({
            "type": "scattergl", "mode": "markers", "name": name, "legendrank": 1000 + rank, "x": x[m], "y": y[m],
            "customdata": customdata[m], "hovertemplate": HOVER_TEMPLATE,
            "marker": {"color": color, "symbol": group_symbol(name, priority_bins), "size": sizes[m],
                       "opacity": 0.7, "line": {"width": 0}},
        })
    if color_by == "status":
        traces.reverse()
    return traces


def axes_layout(axes: dict, projection: str) -> tuple[dict, dict]:
    """x and y axis settings: equal aspect; hidden except in cartesian (RA reversed when `x_reversed`)."""
    x0, x1 = float(axes["x_min"]), float(axes["x_max"])
    y0, y1 = float(axes["y_min"]), float(axes["y_max"])
    xrange = [x1, x0] if axes.get("x_reversed") else [x0, x1]
    xaxis = {"range": xrange, "showgrid": False, "zeroline": False}
    yaxis = {"range": [y0, y1], "showgrid": False, "zeroline": False, "scaleanchor": "x", "scaleratio": 1}
    if projection == "cartesian":
        xaxis.update(title={"text": "RA (deg)"}, tickmode="linear", tick0=0, dtick=30, visible=True)
        yaxis.update(title={"text": "Dec (deg)"}, tickmode="linear", tick0=-90, dtick=30, visible=True)
    else:
        xaxis.update(visible=False)
        yaxis.update(visible=False)
    return xaxis, yaxis


def sky_figure(payload: dict, *, projection: str, filters: SkyFilters | None = None, color_by: str = "bin",
               overlays: Iterable[str] = OVERLAYS, mask: np.ndarray | None = None,
               uirevision: str | None = None) -> dict:
    """The sky map figure for the filtered blocks (`mask` may be passed when already computed)."""
    blocks = payload["blocks"]
    if mask is None:
        mask = filter_mask(blocks, filters or SkyFilters())
    shown = take(blocks, mask)
    h_max = payload["stats"].get("requested_hours_max")
    data = overlay_traces(payload.get("overlays") or {}, overlays)
    data += point_traces(shown, payload.get("priority_bins"), color_by, h_max)
    xaxis, yaxis = axes_layout(payload["axes"], projection)
    layout = base_layout(640, xaxis=xaxis, yaxis=yaxis, hovermode="closest", dragmode="pan",
                         margin={"l": 60 if projection == "cartesian" else 10, "r": 10, "t": 10,
                                 "b": 60 if projection == "cartesian" else 10},
                         legend={"orientation": "h", "y": -0.12 if projection == "cartesian" else -0.02, "yanchor": "top",
                                 "x": 0.5, "xanchor": "center"},
                         uirevision=uirevision or projection)
    return {"data": data, "layout": layout}
