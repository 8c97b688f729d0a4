"""The facade: dispatch by DATA_SOURCE, canonical parameters, cache hits and invalidation, errors."""

from __future__ import annotations


import numpy as np
import pytest

from builders import ingest_dir, sql_elsewhere

from tsi import data
from tsi.data import dispatch
from tsi.errors import AnalyticsMissingError, ScheduleNotFoundError


@pytest.fixture
def sid(tsi_db, generated):
    return ingest_dir(generated["night"])["schedule_id"]


def test_payload_arrays_are_read_only_numpy(sid):
    p = data.sky_map(sid)
    assert isinstance(p["blocks"]["x"], np.ndarray) and p["blocks"]["x"].dtype == np.float64
    assert p["blocks"]["priority_bin"].dtype == np.uint8
    assert p["blocks"]["scheduled"].dtype == np.bool_
    assert isinstance(p["blocks"]["original_block_id"], list)
    with pytest.raises(ValueError):
        p["blocks"]["x"][0] = 1.0


def test_text_columns_are_lists_of_str_and_labels_share_their_objects(sid):
    segs = data.timeline(sid, use_cache=False)["segments"]["month"]
    assert segs and all(type(m) is str for m in segs)
    assert len({id(m) for m in segs}) == len(set(segs))  # one str object per distinct month label
    ids = data.sky_map(sid, use_cache=False)["blocks"]["original_block_id"]
    assert len(set(ids)) == len(ids) and all(type(i) is str for i in ids)


def test_cache_hit_returns_the_stored_payload_and_bypass_recomputes(sid):
    a = data.distributions(sid)
    b = data.distributions(sid)
    np.testing.assert_array_equal(a["blocks"]["priority"], b["blocks"]["priority"])
    c = data.distributions(sid, use_cache=False)
    assert c is not a and c["counts"] == a["counts"]


def test_equal_requests_share_one_cache_key():
    from tsi.data import params

    a = params.canonical_visibility_map(block_ids=["b", "a", "b"])
    b = params.canonical_visibility_map(n_bins=50, block_ids=("a", "b"))
    assert params.params_hash(a) == params.params_hash(b)


@pytest.mark.parametrize("call", [
    lambda s: data.sky_map(s, projection="mercator"),
    lambda s: data.sky_map(s, center_ra_deg=360.0),
    lambda s: data.visibility_map(s, n_bins=0),
    lambda s: data.visibility_map(s, n_bins=10, bin_seconds=60),
    lambda s: data.insights(s, top_n=101),
    lambda s: data.trends(s, n_bins=4),
    lambda s: data.trends(s, bandwidth=2.0),
    lambda s: data.trends(s, class_weight="weird"),
])
def test_invalid_parameters_raise_value_error(sid, call):
    with pytest.raises(ValueError):
        call(sid)


def test_visibility_map_rejects_more_than_100000_bins(sid):
    with pytest.raises(ValueError, match="choose a wider bin or a shorter range"):
        data.visibility_map(sid, bin_seconds=1, start_unix=0, end_unix=200_001)


def test_unknown_schedule(tsi_db):
    with pytest.raises(ScheduleNotFoundError) as ei:
        data.timeline(999)
    assert ei.value.schedule_id == 999
    assert "Schedule 999 does not exist" in str(ei.value)


def test_data_source_setting_is_case_insensitive_and_drives_dispatch(tsi_db, monkeypatch):
    monkeypatch.setenv("TSI_DATA_SOURCE", "ETL")
    data.reset()
    from tsi.config import reset_settings

    reset_settings()
    assert dispatch.data_source() == "etl"
    assert dispatch.binding("timeline", "etl").__name__ == "timeline_etl"


def test_stale_analytics_are_refused_on_etl_and_backfill_repairs(sid, tsi_db):
    sql_elsewhere(tsi_db, ("update analytics_schedule_summary_analytics set etl_version = 0 where schedule_id = ?", (sid,)))
    with pytest.raises(AnalyticsMissingError) as ei:
        data.timeline(sid, source="etl", use_cache=False)
    assert ei.value.reason == "stale"
    assert "out of date" in str(ei.value)
    assert data.timeline(sid, source="legacy", use_cache=False)["summary"]["total_blocks"] == 60
    r = data.etl_backfill(sid)
    assert r["recomputed"] is True and r["state_before"] == "stale"
    assert data.timeline(sid, source="etl", use_cache=False)["summary"]["total_blocks"] == 60


def test_missing_analytics(sid, tsi_db):
    sql_elsewhere(tsi_db, ("delete from analytics_schedule_summary_analytics where schedule_id = ?", (sid,)))
    with pytest.raises(AnalyticsMissingError) as ei:
        data.validation(sid, source="etl", use_cache=False)
    assert ei.value.reason == "missing"
    assert [s["analytics"] for s in data.list_schedules(use_cache=False)] == ["missing"]


def test_delete_invalidates_list_and_header(sid):
    assert [s["schedule_id"] for s in data.list_schedules()] == [sid]
    assert data.delete_schedule(sid) is True
    assert data.list_schedules() == []
    with pytest.raises(ScheduleNotFoundError):
        data.sky_map(sid)
    assert data.delete_schedule(sid) is False


def test_trends_payload_carries_the_model(sid):
    t = data.trends(sid)
    assert t["model"]["status"] in ("ok", "insufficient_data", "single_class")
    assert t["model"]["n_samples"] == len(t["blocks"]["priority"])


def test_filesystem_cache_hits_are_read_only_copies(tsi_db, generated, tmp_path, monkeypatch):
    from tsi.config import reset_settings

    monkeypatch.setenv("TSI_CACHE__TYPE", "FileSystemCache")
    monkeypatch.setenv("TSI_CACHE__DIR", str(tmp_path / "cache"))
    reset_settings()
    data.reset()
    sid = ingest_dir(generated["night"])["schedule_id"]
    first = data.sky_map(sid)
    hit = data.sky_map(sid)
    assert hit is not first  # unpickled from disk
    assert list((tmp_path / "cache").iterdir())
    with pytest.raises(ValueError):
        hit["blocks"]["x"][0] = 0.0
