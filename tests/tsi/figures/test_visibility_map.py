"""Visibility map figures: bars at bin centres with widths = bin length, dark shading, calendar grid."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from tsi.figures.colorbar import viridis_colors
from tsi.figures.visibility_map import calendar_figure, calendar_grid, histogram_figure, month_rows

T0 = 1830297600  # 2028-01-01 00:00 UTC
MJD0 = 61771.0   # the same instant as MJD


def payload(starts, ends, counts, calendar=None, dark=((MJD0 + 0.8, MJD0 + 1.2),)):
    n = len(starts)
    z = np.zeros(n, dtype="int64")
    cal = calendar or {"date": [], "month": [], "day": np.zeros(0, dtype="uint8"),
                       "visible_blocks": np.zeros(0, dtype="int64"), "visible_block_hours": np.zeros(0),
                       "dark_hours": np.zeros(0)}
    return {
        "range": {"start_unix": starts[0] if n else T0, "end_unix": ends[-1] if n else T0 + 1,
                  "schedule_start_unix": T0, "schedule_end_unix": T0 + 86400 * 3, "bin_seconds": 3600,
                  "n_bins": n},
        "histogram": {"bin_start_unix": np.array(starts, dtype="int64"), "bin_end_unix": np.array(ends, dtype="int64"),
                      "count": np.array(counts, dtype="int64"), "count_bin1": z + 1, "count_bin2": z + 2,
                      "count_bin3": z + 3, "count_bin4": z + 4, "count_scheduled": z + 5,
                      "count_unscheduled": z + 6},
        "calendar": cal,
        "dark_periods": {"start_mjd": np.array([d[0] for d in dark]), "stop_mjd": np.array([d[1] for d in dark])},
        "summary": {"total_blocks": 10, "selected_blocks": 10, "selected_with_visibility": 8,
                    "unknown_block_ids": 0, "max_count": int(max(counts)) if n else 0, "mean_count": 1.0},
    }


def bars_of(fig):
    return next(t for t in fig["data"] if t.get("name") == "Visible blocks" and t["type"] == "bar")


def test_bars_at_bin_centres_with_widths_equal_to_the_bin_length():
    # three bins of 2 h; the last one is shorter (1 h) as at the end of a range
    starts = [T0, T0 + 7200, T0 + 14400]
    ends = [T0 + 7200, T0 + 14400, T0 + 18000]
    fig = histogram_figure(payload(starts, ends, [3, 0, 7]))
    go.Figure(fig)  # a valid figure
    bars = bars_of(fig)
    centres_ms = np.asarray(bars["x"]).astype("datetime64[ms]").astype("int64")
    assert centres_ms.tolist() == [(T0 + 3600) * 1000, (T0 + 10800) * 1000, (T0 + 16200) * 1000]
    assert np.asarray(bars["width"]).tolist() == [7200000.0, 7200000.0, 3600000.0]
    # no gaps: each bar's right edge is the next bar's left edge
    left, right = centres_ms - np.asarray(bars["width"]) / 2, centres_ms + np.asarray(bars["width"]) / 2
    assert np.allclose(right[:-1], left[1:])
    assert fig["layout"]["bargap"] == 0
    assert np.asarray(bars["y"]).tolist() == [3, 0, 7]
    # colour = count on Viridis, with a "Visible blocks" colour bar
    assert bars["marker"]["color"] == viridis_colors([3, 0, 7], 0, 7)
    bar_carrier = [t for t in fig["data"] if t["type"] == "scatter"]
    assert len(bar_carrier) == 1 and bar_carrier[0]["marker"]["colorbar"]["title"]["text"] == "Visible blocks"
    assert bar_carrier[0]["marker"]["colorscale"] == "Viridis"
    assert fig["layout"]["xaxis"]["title"]["text"] == "Time (UTC)"
    assert fig["layout"]["yaxis"]["title"]["text"] == "Visible blocks"


def test_hover_has_utc_range_count_priority_bins_and_status():
    fig = histogram_figure(payload([T0], [T0 + 3600], [9]))
    bars = bars_of(fig)
    row = list(bars["customdata"][0])
    assert row[:3] == ["2028-01-01 00:00", "2028-01-01 01:00", 9]
    assert row[3:] == [1, 2, 3, 4, 5, 6]
    for word in ("UTC", "Visible blocks", "Low", "Medium-Low", "Medium-High", "High", "Scheduled", "Unscheduled"):
        assert word in bars["hovertemplate"]


def test_dark_periods_are_one_background_trace_clipped_to_the_range():
    dark = ((MJD0 - 1, MJD0 + 0.25), (MJD0 + 0.5, MJD0 + 0.75), (MJD0 + 5, MJD0 + 6))
    starts = [T0 + i * 7200 for i in range(12)]
    p = payload(starts, [s + 7200 for s in starts], list(range(12)), dark=dark)
    fig = histogram_figure(p, shade_dark=True)
    dark_traces = [t for t in fig["data"] if t.get("name") == "Dark periods"]
    assert len(dark_traces) == 1
    assert fig["data"][0] is dark_traces[0]  # drawn first = behind the bars
    d = dark_traces[0]
    assert np.asarray(d["width"]).tolist() == [6 * 3600 * 1000.0, 6 * 3600 * 1000.0]  # first clipped at T0
    assert d["hoverinfo"] == "skip" and "rgba" in d["marker"]["color"]
    assert not [t for t in histogram_figure(p, shade_dark=False)["data"] if t.get("name") == "Dark periods"]


def test_empty_histogram_gives_an_empty_figure():
    fig = histogram_figure(payload([], [], []))
    assert fig["data"] == []


def calendar(dates, values):
    return {"date": dates, "month": [d[:7] for d in dates], "day": np.array([int(d[8:]) for d in dates], dtype="uint8"),
            "visible_blocks": np.array(values, dtype="int64"),
            "visible_block_hours": np.array(values, dtype=float) * 1.5, "dark_hours": np.full(len(dates), 10.0)}


def test_calendar_grid_blanks_dates_that_do_not_exist_or_lie_outside_the_range():
    dates = [f"2028-01-{d:02d}" for d in range(30, 32)] + [f"2028-02-{d:02d}" for d in range(1, 30)] \
        + ["2028-03-01", "2028-03-02"]
    cal = calendar(dates, list(range(len(dates))))
    p = payload([T0], [T0 + 1], [1], calendar=cal)
    months, z, text = calendar_grid(p)
    assert months == ["2028-01", "2028-02", "2028-03"]
    assert z.shape == (3, 31)
    assert np.isnan(z[0, :29]).all() and z[0, 29] == 0 and z[0, 30] == 1   # before the range: blank
    assert not np.isnan(z[1, :29]).any()                                  # 2028 is a leap year: Feb 29 exists
    assert np.isnan(z[1, 29]) and np.isnan(z[1, 30])                      # Feb 30 and Feb 31 do not exist
    assert z[2, 1] == len(dates) - 1 and np.isnan(z[2, 2:]).all()         # after the range: blank
    assert text[1][29] == "" and "2028-02-29" in text[1][28]
    fig = calendar_figure(p)
    go.Figure(fig)
    tr = fig["data"][0]
    assert tr["type"] == "heatmap" and tr["x"] == list(range(1, 32))
    assert tr["y"] == ["Jan 2028", "Feb 2028", "Mar 2028"] and fig["layout"]["yaxis"]["autorange"] == "reversed"
    assert tr["z"][1][29] is None and tr["hoverongaps"] is False
    assert tr["colorbar"]["title"]["text"] == "Visible blocks"
    for word in ("Visible blocks", "Block-hours", "Dark hours"):
        assert word in tr["text"][1][0]


def test_calendar_metric_block_hours():
    cal = calendar(["2027-12-31", "2028-01-01"], [2, 4])
    fig = calendar_figure(payload([T0], [T0 + 1], [1], calendar=cal), "visible_block_hours")
    tr = fig["data"][0]
    assert tr["colorbar"]["title"]["text"] == "Block-hours"
    assert tr["z"][0][30] == 3.0 and tr["z"][1][0] == 6.0
    assert tr["y"] == ["Dec 2027", "Jan 2028"]


def test_month_rows_cross_the_year():
    assert month_rows("2027-11", "2028-02") == ["2027-11", "2027-12", "2028-01", "2028-02"]
