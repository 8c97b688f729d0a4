"""Shadow comparison (operations.md §4, tsi/migration/shadow.py): a sample of cache-missed requests is computed on
the other path off the request thread and compared; mismatches are stored with what reproduces them."""

from __future__ import annotations

import json
import pytest

from builders import alter_analytics_priority, ingest_dir, sql_elsewhere

from tsi import data, metrics
from tsi.cli import main
from tsi.config import reset_settings
from tsi.data import cache
from tsi.migration import shadow


def _settings(monkeypatch, rate: float, queue: int = 64, source: str = "legacy") -> None:
    monkeypatch.setenv("TSI_MIGRATION__SHADOW_RATE", str(rate))
    monkeypatch.setenv("TSI_MIGRATION__SHADOW_QUEUE", str(queue))
    monkeypatch.setenv("TSI_DATA_SOURCE", source)
    reset_settings()
    data.reset()


def _count(flow: str, result: str) -> float:
    return metrics.sample("tsi_shadow_comparisons_total", {"flow": flow, "result": result})


@pytest.fixture
def sid(tsi_db, generated):
    return ingest_dir(generated["night"])["schedule_id"]


def _alter_priority(db, sid: int) -> None:
    alter_analytics_priority(db, sid)
    cache.reset()
    data.reset()


def test_off_by_default_nothing_is_compared(sid, monkeypatch):
    _settings(monkeypatch, 0)
    data.sky_map(sid)
    assert shadow._helper is None
    assert data.core().parity_event_counts(None) == []


@pytest.mark.parametrize("source", ["legacy", "etl"])
def test_every_cache_miss_is_compared_with_the_other_path_and_matches(sid, monkeypatch, source):
    _settings(monkeypatch, 1, source=source)
    before = _count("distributions", "match")
    for flow, fn in data.FLOW_FUNCTIONS.items():
        if flow == "compare":
            fn(sid, other_schedule_id=sid)
        else:
            fn(sid)
    data.distributions(sid)  # a cache hit: not compared again
    assert shadow.drain(60)
    counts = data.core().parity_event_counts(None)
    assert sorted(f for f, r, n in counts) == sorted(data.FLOW_FUNCTIONS)
    assert {(r, n) for f, r, n in counts} == {("match", 1)}
    assert _count("distributions", "match") == before + 1
    events = data.core().parity_event_list(None, False, 100)
    assert {e["served_source"] for e in events} == {source}
    trends = next(e for e in events if e["flow"] == "trends")
    assert json.loads(trends["params_json"])["class_weight"] == "balanced"
    # the other path's own time is measured (cache "bypass"): the readiness report's per-path latency
    other = "etl" if source == "legacy" else "legacy"
    from tsi.migration.latency import flow_latency, local_families

    assert flow_latency(local_families())["sky_map"][other]["count"] >= 1


def test_an_altered_analytics_row_is_a_stored_mismatch_that_tsi_parity_reproduces(sid, tsi_db, monkeypatch, capsys):
    _settings(monkeypatch, 1)
    legacy = data.distributions(sid, source="legacy", use_cache=False)
    _alter_priority(tsi_db, sid)
    before = _count("distributions", "mismatch")
    served = data.distributions(sid)  # the user's request is answered from the legacy path as always
    assert served["blocks"]["priority"].tolist() == legacy["blocks"]["priority"].tolist()
    assert shadow.drain(60)
    assert _count("distributions", "mismatch") == before + 1
    [event] = data.core().parity_event_list(None, True, 10)
    assert (event["flow"], event["result"], event["schedule_id"]) == ("distributions", "mismatch", sid)
    assert event["diff_path"].startswith("blocks.priority[")
    assert float(event["etl_value"]) == float(event["legacy_value"]) + 100
    assert event["build_version"] == data.build_info()["version"]
    # the stored parameters reproduce the difference
    code = main(["parity", str(sid), "--flow", "distributions", "--params", event["params_json"]])
    out = capsys.readouterr().out
    assert code == 1 and "different" in out and event["diff_path"] in out


def test_a_failing_path_is_an_error_outcome_stored_with_its_message(sid, monkeypatch):
    """What the helper process runs for each job, run here with the ETL binding broken."""
    from tsi.data import dispatch

    real = dispatch.binding

    def broken(flow, source):
        if source == "etl":
            def fail(*_a, **_k):
                raise RuntimeError("analytics table unreadable")
            return fail
        return real(flow, source)

    monkeypatch.setattr(dispatch, "binding", broken)
    outcome = shadow.run_job(shadow.ShadowJob("timeline", sid, {}, "legacy"))
    assert outcome == shadow.Outcome("timeline", "etl", "error", None, "RuntimeError")
    [event] = data.core().parity_event_list(None, True, 10)
    assert event["result"] == "error" and "RuntimeError: analytics table unreadable" in event["error"]


def _no_helper_process(monkeypatch):
    """The queue and the counting thread without the helper process (nothing takes jobs off the queue)."""
    monkeypatch.setattr(shadow, "_start_process", lambda *a: None)


def test_outcomes_are_counted_by_the_worker(sid, monkeypatch):
    _settings(monkeypatch, 1)
    _no_helper_process(monkeypatch)
    assert shadow.maybe_shadow("timeline", sid, {}, "legacy", [{"analytics_state": "fresh"}])
    errors = metrics.sample("tsi_flow_errors_total", {"flow": "timeline", "source": "etl", "kind": "RuntimeError"})
    before = _count("timeline", "error")
    shadow._helper.results.put(shadow.Outcome("timeline", "etl", "error", None, "RuntimeError"))
    assert shadow.drain(10)
    assert _count("timeline", "error") == before + 1
    assert metrics.sample("tsi_flow_errors_total",
                          {"flow": "timeline", "source": "etl", "kind": "RuntimeError"}) == errors + 1


def test_a_full_queue_drops_the_comparison_without_waiting(sid, monkeypatch):
    _settings(monkeypatch, 1, queue=1)
    _no_helper_process(monkeypatch)
    before = _count("insights", "dropped")
    data.sky_map(sid)                      # queued (nothing takes it off)
    assert data.insights(sid)              # answered: the full queue refuses at once (put_nowait), never waits
    assert _count("insights", "dropped") == before + 1
    assert shadow._helper.pending == 1     # only the first one is waiting


def test_stale_analytics_are_not_compared(sid, tsi_db, monkeypatch):
    _settings(monkeypatch, 1)
    sql_elsewhere(tsi_db, ("update analytics_schedule_summary_analytics set etl_version = 0 where schedule_id = ?",
                           (sid,)))
    cache.reset()
    data.reset()
    data.timeline(sid)
    assert shadow.drain(10)
    assert data.core().parity_event_counts(None) == []


def test_a_sample_of_the_requests_is_compared(sid, monkeypatch):
    _settings(monkeypatch, 0.5, queue=1000)
    _no_helper_process(monkeypatch)
    monkeypatch.setattr(shadow, "_random", __import__("random").Random(7))
    queued = [shadow.maybe_shadow("timeline", sid, {}, "legacy", [{"analytics_state": "fresh"}]) for _ in range(400)]
    assert 150 < sum(queued) < 250
