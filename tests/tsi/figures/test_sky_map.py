"""Sky Map figure builder: filters, colour groups, marker sizes, hover data, overlays and axes."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import pytest

from tsi.figures import sky_map as sm
from tsi.figures.common import BIN_COLORS, BIN_LABELS, SCHEDULED_COLOR, UNSCHEDULED_COLOR

NAN = math.nan


def payload(priority=(1.0, 2.0, 5.0, 8.0, 10.0, 3.0), scheduled=(True, True, False, True, False, True),
            start=(61771.0, 61772.0, NAN, 61775.5, NAN, 61776.0), hours=(0.5, 1.0, 2.0, 0.25, 1.5, 0.0),
            bins=(1, 1, 2, 4, 4, 2), h_max=None, projection_axes=None):
    n = len(priority)
    start = np.array(start, dtype=float)
    stop = start + 1.0 / 24
    blocks = {
        "block_id": np.arange(1, n + 1, dtype=np.int64),
        "original_block_id": [f"SB-{i}" for i in range(1, n + 1)],
        "ra_deg": np.linspace(0.0, 300.0, n), "dec_deg": np.linspace(-60.0, 60.0, n),
        "x": np.linspace(-2.0, 2.0, n), "y": np.linspace(-1.0, 1.0, n),
        "priority": np.array(priority, dtype=float), "priority_bin": np.array(bins, dtype=np.uint8),
        "requested_hours": np.array(hours, dtype=float), "scheduled": np.array(scheduled, dtype=bool),
        "scheduled_start_mjd": start, "scheduled_stop_mjd": stop,
    }
    line = {"x": np.array([0.0, 1.0, NAN, 2.0]), "y": np.array([0.0, 1.0, NAN, 1.0])}
    return {
        "blocks": blocks,
        "priority_bins": {"bin": np.array([1, 2, 3, 4], dtype=np.uint8), "label": [BIN_LABELS[i] for i in (1, 2, 3, 4)],
                          "min_priority": np.array([1.0, 3.25, 5.5, 7.75]),
                          "max_priority": np.array([3.25, 5.5, 7.75, 10.0]),
                          "color": [BIN_COLORS[i] for i in (1, 2, 3, 4)], "count": np.array([2, 2, 0, 2])},
        "overlays": {"galactic_plane": line, "ecliptic": line, "graticule": line, "outline": line},
        "axes": projection_axes or {"x_min": -2.9, "x_max": 2.9, "y_min": -1.5, "y_max": 1.5, "x_reversed": False},
        "stats": {"total_count": n, "scheduled_count": int(np.sum(scheduled)), "priority_min": min(priority),
                  "priority_max": max(priority), "requested_hours_max": max(hours) if h_max is None else h_max},
    }


def points(fig):
    return [t for t in fig["data"] if t.get("mode") == "markers"]


def n_points(fig):
    return sum(len(t["x"]) for t in points(fig))


# ------------------------------------------------------------------ filters

def test_no_filters_keep_every_block():
    p = payload()
    assert sm.filter_mask(p["blocks"], sm.SkyFilters()).all()
    assert n_points(sm.sky_figure(p, projection="mollweide")) == 6


def test_priority_range_is_inclusive():
    p = payload()
    mask = sm.filter_mask(p["blocks"], sm.SkyFilters(priority_min=2.0, priority_max=8.0))
    assert mask.tolist() == [False, True, True, True, False, True]
    fig = sm.sky_figure(p, projection="mollweide", filters=sm.SkyFilters(priority_min=2.0, priority_max=8.0))
    assert n_points(fig) == 4


@pytest.mark.parametrize("status, expected", [("all", 6), ("scheduled", 4), ("unscheduled", 2)])
def test_status_filter(status, expected):
    fig = sm.sky_figure(payload(), projection="hammer", filters=sm.SkyFilters(status=status))
    assert n_points(fig) == expected


def test_unknown_status_is_an_error():
    with pytest.raises(ValueError, match="status"):
        sm.filter_mask(payload()["blocks"], sm.SkyFilters(status="maybe"))


def test_window_keeps_scheduled_starts_in_half_open_range_and_never_removes_unscheduled():
    p = payload()
    # starts: 61771, 61772, -, 61775.5, -, 61776 ; window [61772, 61776) keeps 61772 and 61775.5
    mask = sm.filter_mask(p["blocks"], sm.SkyFilters(window_from_mjd=61772.0, window_to_mjd=61776.0))
    assert mask.tolist() == [False, True, True, True, True, False]
    # a window containing no start at all still keeps every unscheduled block
    mask = sm.filter_mask(p["blocks"], sm.SkyFilters(window_from_mjd=50000.0, window_to_mjd=50001.0))
    assert mask.tolist() == [False, False, True, False, True, False]
    # one-sided windows
    assert sm.filter_mask(p["blocks"], sm.SkyFilters(window_from_mjd=61775.5)).tolist() == \
        [False, False, True, True, True, True]
    assert sm.filter_mask(p["blocks"], sm.SkyFilters(window_to_mjd=61772.0)).tolist() == \
        [True, False, True, False, True, False]


def test_filters_combine():
    p = payload()
    f = sm.SkyFilters(status="scheduled", priority_min=2.0, window_from_mjd=61772.0, window_to_mjd=61777.0)
    assert sm.filter_mask(p["blocks"], f).tolist() == [False, True, False, True, False, True]


# ------------------------------------------------------------------ traces

def test_one_scattergl_trace_per_priority_bin_in_low_to_high_order():
    fig = sm.sky_figure(payload(), projection="mollweide", color_by="bin")
    pts = points(fig)
    assert all(t["type"] == "scattergl" for t in pts)
    assert [t["name"] for t in pts] == ["Low", "Medium-Low", "High"]  # no block in bin 3: no trace
    assert [t["legendrank"] for t in pts] == sorted(t["legendrank"] for t in pts)
    assert [t["marker"]["color"] for t in pts] == [BIN_COLORS[1], BIN_COLORS[2], BIN_COLORS[4]]
    assert [len(t["x"]) for t in pts] == [2, 2, 2]


def test_one_trace_per_status_with_the_status_colours():
    fig = sm.sky_figure(payload(), projection="mollweide", color_by="status")
    pts = sorted(points(fig), key=lambda t: t["legendrank"])  # legend order
    assert [(t["name"], t["marker"]["color"], len(t["x"])) for t in pts] == [
        ("Scheduled", SCHEDULED_COLOR, 4), ("Unscheduled", UNSCHEDULED_COLOR, 2)]
    assert [t["name"] for t in points(fig)] == ["Unscheduled", "Scheduled"]  # scheduled drawn on top
    fig = sm.sky_figure(payload(), projection="mollweide", color_by="status",
                        filters=sm.SkyFilters(status="unscheduled"))
    assert [t["name"] for t in points(fig)] == ["Unscheduled"]


def test_marker_size_grows_with_requested_hours():
    sizes = sm.marker_sizes([0.0, 1.0, 2.0, NAN], 2.0)
    assert sizes.tolist() == [5.0, 17.5, 30.0, 5.0]
    assert sm.marker_sizes([0.0, 1.0], 0.0).tolist() == [5.0, 5.0]
    assert sm.marker_sizes([0.0, 1.0], None).tolist() == [5.0, 5.0]
    fig = sm.sky_figure(payload(), projection="mollweide", color_by="status")
    sched = points(fig)[1]
    # scheduled hours 0.5, 1.0, 0.25, 0.0 with h_max = 2
    assert np.allclose(sched["marker"]["size"], [5 + 25 * 0.25, 5 + 25 * 0.5, 5 + 25 * 0.125, 5.0])


def test_marker_size_is_five_when_no_block_requests_time():
    p = payload(hours=(0, 0, 0, 0, 0, 0))
    fig = sm.sky_figure(p, projection="mollweide")
    assert all(np.all(t["marker"]["size"] == 5.0) for t in points(fig))


def test_hover_shows_true_coordinates_not_projected_ones():
    p = payload()
    fig = sm.sky_figure(p, projection="mollweide", color_by="status")
    uns_trace, sched = points(fig)
    cd = sched["customdata"]
    assert cd.shape == (4, 10)
    assert cd[0, 0] == "SB-1"
    assert cd[:, 3].tolist() == pytest.approx(p["blocks"]["ra_deg"][[0, 1, 3, 5]].round(5).tolist())
    assert cd[:, 5].tolist() == pytest.approx(p["blocks"]["dec_deg"][[0, 1, 3, 5]].round(5).tolist())
    assert cd[0, 8] == "Scheduled" and cd[0, 9] == "2028-01-01 00:00 – 2028-01-01 01:00 UTC"
    assert "%{customdata[4]}" in sched["hovertemplate"] and "%{customdata[6]}" in sched["hovertemplate"]
    uns = uns_trace["customdata"]
    assert uns[0, 8] == "Unscheduled" and uns[0, 9] == "–"


def test_sexagesimal_texts():
    assert sm.ra_hms([0.0, 180.0, 359.99999, 15.5, NAN]).tolist() == [
        "00h00m00.0s", "12h00m00.0s", "00h00m00.0s", "01h02m00.0s", ""]
    assert sm.dec_dms([0.0, -0.5, 45.25, -89.999999, NAN]).tolist() == [
        "+00°00'00\"", "-00°30'00\"", "+45°15'00\"", "-90°00'00\"", ""]


def test_overlays_are_drawn_underneath_and_follow_the_checkboxes():
    p = payload()
    fig = sm.sky_figure(p, projection="mollweide")
    kinds = [t.get("mode") for t in fig["data"]]
    assert kinds == ["lines"] * 4 + ["markers"] * 3
    assert [t["name"] for t in fig["data"][:4]] == ["Grid", "Outline", "Galactic plane", "Ecliptic"]
    fig = sm.sky_figure(p, projection="mollweide", overlays=["ecliptic"])
    assert [t["name"] for t in fig["data"] if t.get("mode") == "lines"] == ["Outline", "Ecliptic"]
    fig = sm.sky_figure(p, projection="mollweide", overlays=[])
    assert [t["name"] for t in fig["data"] if t.get("mode") == "lines"] == ["Outline"]
    assert all(t["hoverinfo"] == "skip" for t in fig["data"] if t.get("mode") == "lines")
    # SVG lines (cheap without a GPU), under the WebGL points
    assert all(t["type"] == "scatter" for t in fig["data"] if t.get("mode") == "lines")


def test_axes_hidden_in_projections_and_labelled_in_cartesian():
    p = payload()
    lay = sm.sky_figure(p, projection="aitoff")["layout"]
    assert lay["xaxis"]["visible"] is False and lay["yaxis"]["visible"] is False
    assert lay["yaxis"]["scaleanchor"] == "x" and lay["yaxis"]["scaleratio"] == 1
    assert isinstance(lay["template"], dict)  # resolved for Plotly.js
    cart = payload(projection_axes={"x_min": -7.2, "x_max": 367.2, "y_min": -93.6, "y_max": 93.6,
                                    "x_reversed": True})
    lay = sm.sky_figure(cart, projection="cartesian")["layout"]
    assert lay["xaxis"]["title"]["text"] == "RA (deg)" and lay["yaxis"]["title"]["text"] == "Dec (deg)"
    assert lay["xaxis"]["range"] == [367.2, -7.2]  # RA increases to the left
    cart["axes"]["x_reversed"] = False
    assert sm.sky_figure(cart, projection="cartesian")["layout"]["xaxis"]["range"] == [-7.2, 367.2]


def test_nothing_matching_gives_only_overlays():
    fig = sm.sky_figure(payload(), projection="mollweide", filters=sm.SkyFilters(priority_min=11.0))
    assert points(fig) == []


def test_compact_figure_is_valid_plotly_and_round_trips():
    fig = sm.sky_figure(payload(), projection="mollweide")
    small = sm.compact(fig)
    tr = points(small)[0]
    assert "bdata" in tr["x"] and isinstance(tr["customdata"], list)
    assert np.allclose(sm.decode_typed_array(tr["x"]), points(fig)[0]["x"])
    assert np.allclose(sm.decode_typed_array(tr["marker"]["size"]), points(fig)[0]["marker"]["size"])
    go.Figure(small)  # plotly accepts every property


def test_large_schedule_builds_with_few_traces():
    n = 25_000
    rng = np.random.default_rng(1)
    sched = rng.random(n) < 0.7
    start = np.where(sched, 61771.0 + rng.random(n) * 30, NAN)
    p = payload(priority=rng.random(n) * 10, scheduled=sched, start=start, hours=rng.random(n) * 2,
                bins=rng.integers(1, 5, n))
    fig = sm.sky_figure(p, projection="mollweide")
    assert len(points(fig)) == 4 and n_points(fig) == n
