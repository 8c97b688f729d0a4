"""Compare figures: trace counts, colours, point counts from a hand-made payload."""

from __future__ import annotations

import numpy as np

from tsi.figures import compare as figs


def _payload(changes=True, scheduled_cmp=(True, True, False, True)):
    cur = {"original_block_id": ["a", "b", "c", "d"], "block_id": np.array([1, 2, 3, 4]),
           "priority": np.array([1.0, 2.0, 3.0, 4.0]), "scheduled": np.array([True, False, True, False]),
           "requested_hours": np.array([1.0, 1.0, 1.0, 1.0]),
           "scheduled_hours": np.array([0.5, np.nan, 1.5, np.nan])}
    cmp_sched = np.array(scheduled_cmp)
    comp = {"original_block_id": ["a", "b", "c", "d"], "block_id": np.array([5, 6, 7, 8]),
            "priority": np.array([1.0, 2.0, 3.0, 4.0]), "scheduled": cmp_sched,
            "requested_hours": np.array([1.0, 1.0, 1.0, 1.0]),
            "scheduled_hours": np.where(cmp_sched, 1.0, np.nan)}
    if changes:
        ch = {"original_block_id": ["b", "c", "d"],
              "change": ["newly_scheduled", "newly_unscheduled", "newly_scheduled"],
              "priority_current": np.array([2.0, 3.0, 4.0]), "priority_comparison": np.array([2.0, 3.0, 4.0])}
    else:
        ch = {"original_block_id": [], "change": [], "priority_current": np.array([]),
              "priority_comparison": np.array([])}

    def stats(s):
        return {"scheduled_count": int(s.sum()), "unscheduled_count": int((~s).sum())}

    return {"names": {"current_name": "Cur", "comparison_name": "Other"}, "current_blocks": cur,
            "comparison_blocks": comp, "current_stats": stats(cur["scheduled"]), "comparison_stats": stats(cmp_sched),
            "changes": ch}


def _dark(fig):
    # The template is resolved to a dict so that Plotly.js draws light text on the dark page.
    assert isinstance(fig["layout"]["template"], dict)
    assert fig["layout"]["template"]["layout"]["paper_bgcolor"] != "white"


def test_priority_histogram_overlays_scheduled_blocks_with_shared_bins():
    fig = figs.scheduled_priority_histogram(_payload())
    _dark(fig)
    assert [t["type"] for t in fig["data"]] == ["histogram", "histogram"]
    assert fig["layout"]["barmode"] == "overlay"
    assert list(fig["data"][0]["x"]) == [1.0, 3.0]
    assert list(fig["data"][1]["x"]) == [1.0, 2.0, 4.0]
    assert fig["data"][0]["xbins"] == fig["data"][1]["xbins"]
    assert fig["data"][0]["xbins"]["start"] == 1.0 and fig["data"][0]["xbins"]["end"] > 4.0
    assert fig["data"][0]["name"] == "Current: Cur" and fig["data"][1]["name"] == "Comparison: Other"
    assert fig["data"][0]["marker"]["color"] == figs.CURRENT_COLOR


def test_status_bars_are_grouped_with_counts():
    fig = figs.status_bars(_payload())
    _dark(fig)
    assert fig["layout"]["barmode"] == "group"
    assert [t["y"] for t in fig["data"]] == [[2, 2], [3, 1]]
    assert fig["data"][1]["text"] == ["3", "1"]
    assert fig["data"][0]["x"] == ["Scheduled", "Unscheduled"]


def test_changed_histogram_green_newly_scheduled_red_newly_unscheduled():
    fig = figs.changed_priority_histogram(_payload())
    _dark(fig)
    newly, gone = fig["data"]
    # Okabe–Ito bluish green / vermillion (not Plotly's red/green), told apart by the fill pattern too
    assert newly["marker"]["color"] == figs.NEWLY_SCHEDULED_COLOR == "#009E73"
    assert gone["marker"]["color"] == figs.NEWLY_UNSCHEDULED_COLOR == "#D55E00"
    assert newly["marker"]["pattern"]["shape"] != gone["marker"]["pattern"]["shape"]
    assert list(newly["x"]) == [2.0, 4.0] and list(gone["x"]) == [3.0]
    assert newly["name"] == "Newly scheduled (2)" and gone["name"] == "Newly unscheduled (1)"


def test_changed_histogram_without_changes_is_an_empty_figure():
    fig = figs.changed_priority_histogram(_payload(changes=False))
    _dark(fig)
    assert fig["data"] == []
    assert fig["layout"]["annotations"][0]["text"] == "No block changed status."


def test_duration_boxes_use_scheduled_blocks_only():
    fig = figs.scheduled_duration_boxes(_payload())
    assert [t["type"] for t in fig["data"]] == ["box", "box"]
    assert list(fig["data"][0]["y"]) == [0.5, 1.5]
    assert list(fig["data"][1]["y"]) == [1.0, 1.0, 1.0]
    assert fig["data"][0]["boxmean"] is True


def test_nothing_scheduled_gives_empty_figures():
    p = _payload(scheduled_cmp=(False, False, False, False))
    p["current_blocks"]["scheduled"] = np.zeros(4, dtype=bool)
    assert figs.scheduled_priority_histogram(p)["data"] == []
    assert figs.scheduled_duration_boxes(p)["data"] == []
    # A single distinct priority still gives a usable bin width.
    p["current_blocks"]["scheduled"] = np.array([True, False, False, False])
    bins = figs.scheduled_priority_histogram(p)["data"][0]["xbins"]
    assert bins["size"] > 0


def test_real_payload_compare_with_itself(tsi_db, generated):
    from builders import ingest_dir
    from tsi import data

    sid = ingest_dir(generated["night"])["schedule_id"]
    p = data.compare(sid, other_schedule_id=sid)
    fig = figs.scheduled_priority_histogram(p)
    n = int(p["current_stats"]["scheduled_count"])
    assert len(fig["data"][0]["x"]) == len(fig["data"][1]["x"]) == n
    assert figs.changed_priority_histogram(p)["data"] == []
    bars = figs.status_bars(p)
    assert bars["data"][0]["y"] == bars["data"][1]["y"]
