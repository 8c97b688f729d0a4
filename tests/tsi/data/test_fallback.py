"""ETL fallback (operations.md §4, MIGRATION.ETL_FALLBACK): an ETL request on missing or stale analytics is
served from the legacy path (cached as legacy, counted, logged once per schedule and state, X-TSI-Source:
legacy), or refused (409 / AnalyticsMissingError) with the default `error`."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from builders import ingest_dir, sql_elsewhere

from tsi import data, metrics
from tsi.cli import main
from tsi.config import reset_settings
from tsi.data import cache, params
from tsi.errors import AnalyticsMissingError


def _settings(monkeypatch, fallback: str) -> None:
    monkeypatch.setenv("TSI_DATA_SOURCE", "etl")
    monkeypatch.setenv("TSI_MIGRATION__ETL_FALLBACK", fallback)
    reset_settings()
    data.reset()


def _make_stale(db, sid: int) -> None:
    sql_elsewhere(db, ("update analytics_schedule_summary_analytics set etl_version = 0 where schedule_id = ?",
                       (sid,)))
    cache.reset()
    data.reset()
    assert data.schedule_header(sid)["analytics_state"] == "stale"


def _same(a, b) -> bool:
    """Payloads equal to the last element (numpy arrays by value and dtype)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b or (a != a and b != b)


def _fallbacks(flow: str, reason: str) -> float:
    return metrics.sample("tsi_etl_fallback_total", {"flow": flow, "reason": reason})


@pytest.fixture
def stale(tsi_db, generated, monkeypatch):
    """(database, schedule id) with stale analytics."""
    sid = ingest_dir(generated["night"])["schedule_id"]
    _make_stale(tsi_db, sid)
    return tsi_db, sid


@pytest.fixture
def client(tsi_db):
    import app as app_module

    c = app_module.app.server.test_client()
    c.environ_base["HTTP_ORIGIN"] = "http://localhost"
    return c


def test_legacy_fallback_serves_caches_counts_and_logs_once(stale, monkeypatch, caplog):
    db, sid = stale
    _settings(monkeypatch, "LEGACY")  # case-insensitive, stored lower-case
    from tsi.config import get_settings

    assert get_settings().MIGRATION.ETL_FALLBACK == "legacy"
    legacy = data.timeline(sid, source="legacy", use_cache=False)
    before = _fallbacks("timeline", "stale")
    with caplog.at_level(logging.WARNING, logger="tsi.data"):
        payloads = [data.run_flow_served("timeline", sid, params.canonical_timeline()) for _ in range(3)]
        data.insights(sid)  # another flow of the same schedule and state: no second warning
    for payload, served in payloads:
        assert served == "legacy"
        assert _same(payload, legacy)
    assert _fallbacks("timeline", "stale") == before + 3
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "fallback" in r.getMessage()]
    assert len(warnings) == 1 and f"schedule {sid} has stale analytics" in warnings[0].getMessage()

    header = data.schedule_header(sid)
    phash = params.params_hash(params.canonical_timeline())
    assert cache.get(cache.payload_key("timeline", header, "legacy", phash)) is not None
    assert cache.get(cache.payload_key("timeline", header, "etl", phash)) is None

    # Fresh again: ETL serves, and the fallback is no longer counted.
    _settings(monkeypatch, "legacy")
    assert main(["etl", "backfill", str(sid)]) == 0
    data.reset()
    payload, served = data.run_flow_served("timeline", sid, params.canonical_timeline())
    assert served == "etl" and _fallbacks("timeline", "stale") == before + 3


def test_compare_falls_back_when_either_schedule_is_not_fresh(tsi_db, generated, monkeypatch):
    a = ingest_dir(generated["night"])["schedule_id"]
    b = ingest_dir(generated["conflicts"])["schedule_id"]
    _make_stale(tsi_db, b)
    _settings(monkeypatch, "legacy")
    legacy = data.compare(a, other_schedule_id=b, source="legacy", use_cache=False)
    payload, served = data.run_flow_served("compare", a, params.canonical_compare(b))
    assert served == "legacy" and _same(payload, legacy)
    _settings(monkeypatch, "error")
    with pytest.raises(AnalyticsMissingError):
        data.compare(a, other_schedule_id=b)


def test_error_is_the_default_and_refuses(stale, monkeypatch):
    _db, sid = stale
    monkeypatch.setenv("TSI_DATA_SOURCE", "etl")
    monkeypatch.delenv("TSI_MIGRATION__ETL_FALLBACK", raising=False)
    reset_settings()
    data.reset()
    with pytest.raises(AnalyticsMissingError):
        data.timeline(sid)
    assert data.timeline(sid, source="legacy")  # an explicit legacy request is served as always


def test_invalid_setting_is_refused(monkeypatch, tsi_db):
    from tsi.config import load_settings
    from tsi.errors import ConfigError

    monkeypatch.setenv("TSI_MIGRATION__ETL_FALLBACK", "maybe")
    with pytest.raises(ConfigError, match="MIGRATION.ETL_FALLBACK"):
        load_settings()


def test_api_fallback_header_and_body_and_409_with_error(stale, client, monkeypatch, capsys):
    _db, sid = stale
    _settings(monkeypatch, "legacy")
    r = client.get(f"/api/schedules/{sid}/timeline")
    assert r.status_code == 200 and r.headers["X-TSI-Source"] == "legacy"
    capsys.readouterr()
    assert main(["export", str(sid), "timeline", "--source", "legacy"]) == 0
    assert r.data == capsys.readouterr().out.encode()
    # The CLI falls back too when the requested (or configured) source is etl.
    assert main(["export", str(sid), "timeline", "--source", "etl"]) == 0
    assert r.data == capsys.readouterr().out.encode()
    assert client.get(f"/api/schedules/{sid}/timeline?source=legacy").headers["X-TSI-Source"] == "legacy"

    _settings(monkeypatch, "error")
    r = client.get(f"/api/schedules/{sid}/timeline")
    assert r.status_code == 409, r.data[:300]
    assert main(["export", str(sid), "timeline", "--source", "etl"]) == 7
