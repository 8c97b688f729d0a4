"""Timeline figure: exactly three traces, month rows earliest on top, height rule, hover contents."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from tsi.figures.colorbar import viridis_colors
from tsi.figures.timeline import day_to_unix, month_label, timeline_figure, timeline_height


def payload(months=("2028-01", "2028-02", "2028-03")):
    months = list(months)
    blocks = {
        "block_id": np.array([1, 2, 3]), "original_block_id": ["A", "B", "C"],
        "priority": np.array([1.0, 5.0, 9.0]), "priority_bin": np.array([1, 2, 4], dtype="uint8"),
        "scheduled_start_mjd": np.array([61771.0, 61801.5, 61840.0]),
        "scheduled_stop_mjd": np.array([61771.5, 61802.5, 61840.25]),
        "scheduled_hours": np.array([12.0, 24.0, 6.0]), "ra_deg": np.array([10.0, 20.0, 30.0]),
        "dec_deg": np.array([-5.0, 0.0, 5.0]), "requested_hours": np.array([12.0, 24.0, 6.0]),
        "total_visibility_hours": np.array([100.0, 200.0, 300.0]),
        "visibility_period_count": np.array([3, 4, 5]),
    }
    # block B crosses the Jan/Feb boundary → two segments
    segments = {"row": np.array([0, 1, 1, 2]), "month": ["2028-01", "2028-01", "2028-02", months[-1]],
                "day_start": np.array([1.0, 31.5, 1.0, 10.0]), "day_end": np.array([1.5, 32.0, 1.5, 10.25])}
    dark = {"month": ["2028-01", "2028-02"], "day_start": np.array([1.0, 3.0]), "day_end": np.array([1.25, 3.5])}
    day = {"month": ["2028-01"], "day_start": np.array([1.25]), "day_end": np.array([2.0])}
    return {"blocks": blocks, "segments": segments, "dark_segments": dark, "daylight_segments": day,
            "months": months,
            "summary": {"total_blocks": 5, "scheduled_count": 3, "scheduled_hours_total": 42.0,
                        "scheduled_hours_mean": 14.0, "priority_min": 1.0, "priority_max": 9.0,
                        "first_start_mjd": 61771.0, "last_stop_mjd": 61840.25, "dark_period_count": 2,
                        "dark_hours": 18.0}}


def test_exactly_three_traces_blocks_night_day():
    fig = timeline_figure(payload())
    go.Figure(fig)
    assert len(fig["data"]) == 3
    blocks, night, day = fig["data"]
    assert [t["type"] for t in fig["data"]] == ["bar"] * 3
    assert all(t["orientation"] == "h" for t in fig["data"])
    assert (blocks["name"], night["name"], day["name"]) == ("Scheduled blocks", "Night", "Day")
    assert night["showlegend"] and day["showlegend"]  # toggleable legend entries
    assert night["width"] < blocks["width"] and day["width"] < blocks["width"]  # thin bands


def test_blocks_bar_base_length_and_priority_colours():
    fig = timeline_figure(payload())
    b = fig["data"][0]
    assert np.asarray(b["base"]).tolist() == [1.0, 31.5, 1.0, 10.0]
    assert np.allclose(b["x"], [0.5, 0.5, 0.5, 0.25])
    # colour = priority of the segment's block on Viridis between the scheduled priority range
    assert b["marker"]["color"] == viridis_colors([1.0, 5.0, 5.0, 9.0], 1.0, 9.0)
    # a colour bar titled Priority (drawn with layout shapes, so the figure keeps three traces)
    assert any(a["text"] == "Priority" for a in fig["layout"]["annotations"])
    assert len(fig["layout"]["shapes"]) >= 10


def test_month_rows_earliest_on_top():
    fig = timeline_figure(payload())
    y = fig["layout"]["yaxis"]
    assert y["ticktext"] == ["Jan 2028", "Feb 2028", "Mar 2028"]
    assert y["tickvals"] == [0, 1, 2]
    assert y["range"][0] > y["range"][1]  # reversed: row 0 (January) at the top
    assert np.asarray(fig["data"][0]["y"]).tolist() == [0, 0, 1, 2]
    night = fig["data"][1]
    assert np.asarray(night["y"]).tolist() == [0 + 0.38, 1 + 0.38]


def test_x_is_day_1_to_32_with_a_tick_per_day_and_pan_zoom():
    lay = timeline_figure(payload())["layout"]
    assert lay["xaxis"]["range"] == [1, 32] and lay["xaxis"]["dtick"] == 1 and lay["xaxis"]["tick0"] == 1
    assert lay["dragmode"] == "pan" and not lay["xaxis"].get("fixedrange")


def test_height_rule():
    assert timeline_height(1) == 500 and timeline_height(8) == 500 and timeline_height(9) == 540
    assert timeline_figure(payload())["layout"]["height"] == 500
    months = [f"2028-{m:02d}" for m in range(1, 13)]
    assert timeline_figure(payload(months))["layout"]["height"] == 720


def test_hover_of_a_segment_describes_its_block():
    b = timeline_figure(payload())["data"][0]
    row = list(b["customdata"][2])  # second segment of block B
    assert row[0] == "B" and row[1] == 5.0
    assert row[2:4] == ["2028-01-31 12:00", "2028-02-01 12:00"]
    assert row[4:] == [24.0, 20.0, 0.0, 24.0, 200.0, 4]
    for word in ("Priority", "UTC", "Duration", "RA", "Dec", "Requested", "Visibility", "periods"):
        assert word in b["hovertemplate"]


def test_nothing_scheduled_gives_an_empty_figure():
    p = payload()
    p["segments"] = {"row": np.zeros(0, dtype="int64"), "month": [], "day_start": np.zeros(0), "day_end": np.zeros(0)}
    assert timeline_figure(p)["data"] == []


def test_day_coordinates_to_utc():
    assert day_to_unix(["2028-01"], [5.875]).tolist() == [1830297600 + 4 * 86400 + 21 * 3600]
    assert month_label("2027-12") == "Dec 2027"
