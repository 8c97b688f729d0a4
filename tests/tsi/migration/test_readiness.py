"""The readiness report (operations.md §4, tsi/migration/readiness.py) and the phases (tsi/migration/__init__.py)."""

from __future__ import annotations

import json
import math
import types

import pytest
from prometheus_client.parser import text_string_to_metric_families

from builders import alter_analytics_priority, ingest_dir

from tsi import data
from tsi.cli import main
from tsi.config import reset_settings
from tsi.data import cache
from tsi.migration import next_phase, phase, readiness, shadow
from tsi.migration.latency import default_url, fallback_counts, flow_latency, quantile


def _s(source="legacy", rate=0.0, fallback="error"):
    return types.SimpleNamespace(DATA_SOURCE=source,
                                 MIGRATION=types.SimpleNamespace(SHADOW_RATE=rate, ETL_FALLBACK=fallback))


def test_the_settings_name_the_phase():
    assert phase(_s()) == "off"
    assert phase(_s(rate=0.1)) == "shadow"
    assert phase(_s("etl", 0.0, "legacy")) == "live"
    assert phase(_s("etl", 0.2, "error")) == "live"
    assert phase(_s("etl")) == "complete"
    assert [next_phase(p) for p in ("off", "shadow", "live", "complete")] == ["shadow", "live", "complete", None]


def test_quantiles_interpolate_inside_buckets_like_promql():
    inf = math.inf
    assert quantile(0.5, [(1.0, 0), (2.0, 10), (inf, 10)]) == pytest.approx(1.5)
    assert quantile(0.95, [(0.001, 50), (0.01, 100), (inf, 100)]) == pytest.approx(0.001 + 0.009 * 0.9)
    assert quantile(0.5, [(0.1, 0), (inf, 4)]) == 0.1           # in the +Inf bucket: the highest finite bound
    assert quantile(0.5, [(0.1, 0), (inf, 0)]) is None
    assert quantile(0.5, []) is None


EXPOSITION = """\
# HELP tsi_flow_seconds Time.
# TYPE tsi_flow_seconds histogram
tsi_flow_seconds_bucket{cache="miss",flow="sky_map",le="0.001",source="legacy"} 0.0
tsi_flow_seconds_bucket{cache="miss",flow="sky_map",le="0.01",source="legacy"} 10.0
tsi_flow_seconds_bucket{cache="miss",flow="sky_map",le="+Inf",source="legacy"} 10.0
tsi_flow_seconds_count{cache="miss",flow="sky_map",le="+Inf",source="legacy"} 10.0
tsi_flow_seconds_bucket{cache="bypass",flow="sky_map",le="0.001",source="etl"} 4.0
tsi_flow_seconds_bucket{cache="bypass",flow="sky_map",le="0.01",source="etl"} 4.0
tsi_flow_seconds_bucket{cache="bypass",flow="sky_map",le="+Inf",source="etl"} 4.0
tsi_flow_seconds_bucket{cache="hit",flow="sky_map",le="0.001",source="etl"} 0.0
tsi_flow_seconds_bucket{cache="hit",flow="sky_map",le="0.01",source="etl"} 0.0
tsi_flow_seconds_bucket{cache="hit",flow="sky_map",le="+Inf",source="etl"} 90.0
# HELP tsi_etl_fallback_total Fallbacks.
# TYPE tsi_etl_fallback_total counter
tsi_etl_fallback_total{flow="timeline",reason="stale"} 3.0
tsi_etl_fallback_total{flow="sky_map",reason="stale"} 0.0
"""


def test_latency_reads_the_paths_own_work_and_fallbacks_from_an_exposition():
    fams = list(text_string_to_metric_families(EXPOSITION))
    table = flow_latency(fams)
    assert table["sky_map"]["legacy"] == {"p50_ms": pytest.approx(5.5), "p95_ms": pytest.approx(9.55), "count": 10}
    assert table["sky_map"]["etl"]["count"] == 4          # cache hits are not the path's work
    assert table["sky_map"]["etl"]["p95_ms"] == pytest.approx(0.95)
    assert fallback_counts(fams) == {"timeline": {"stale": 3}}


def test_the_default_metrics_url_is_this_hosts_server():
    s = types.SimpleNamespace(MIGRATION=types.SimpleNamespace(METRICS_URL=""),
                              SERVER=types.SimpleNamespace(HOST="0.0.0.0", PORT=8050))
    assert default_url(s) == "http://127.0.0.1:8050/metrics"
    s.MIGRATION.METRICS_URL = "http://tsi-1:9000/metrics"
    assert default_url(s) == "http://tsi-1:9000/metrics"


def _settings(monkeypatch, **env):
    for k, v in env.items():
        monkeypatch.setenv(f"TSI_{k}", str(v))
    reset_settings()
    data.reset()


@pytest.fixture
def sid(tsi_db, generated):
    return ingest_dir(generated["night"])["schedule_id"]


def test_off_is_ready_for_shadow_when_the_analytics_are_fresh(sid, capsys):
    code = main(["migration", "status", "--metrics-url", "http://127.0.0.1:9/metrics"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Phase: off" in out and "Next phase: shadow — ready" in out and "✓ analytics fresh: 1 of 1" in out


def test_shadow_is_not_ready_until_every_criterion_holds(sid, monkeypatch, capsys):
    _settings(monkeypatch, MIGRATION__SHADOW_RATE=1, MIGRATION__MIN_SHADOW=3)
    code = main(["migration", "status", "--json", "--metrics-url", "http://127.0.0.1:9/metrics"])
    r = json.loads(capsys.readouterr().out)
    assert code == 1 and r["phase"] == "shadow" and r["next_phase"] == "live" and r["ready"] is False
    assert [c["name"] for c in r["criteria"]] == ["analytics", "parity", "shadow", "latency"]
    assert [c["ok"] for c in r["criteria"]] == [True, False, False, False]
    assert r["reasons"][0].startswith("last full parity run clean: no `tsi parity --all` run")
    assert "metrics unavailable" in r["criteria"][3]["detail"]

    # the evidence arrives: a clean full parity run, shadow comparisons, latency on both paths
    assert main(["parity", "--all"]) == 0
    for flow, fn in data.FLOW_FUNCTIONS.items():
        if flow != "compare":
            fn(sid)
    assert shadow.drain(60)
    r = readiness.status(local=True)
    ok = {c["name"]: c for c in r["criteria"]}
    assert ok["parity"]["ok"] and ok["shadow"]["ok"], r["criteria"]
    assert r["shadow"]["total"] == 7 and r["parity"]["schedules"] == [sid] and r["parity"]["clean"]
    assert set(r["latency"]["sky_map"]) == {"legacy", "etl"}
    # readiness on latency is whatever the measurements say; the report explains it either way
    assert ok["latency"]["detail"].startswith(("ETL p95 above", "8 flow(s) measured on both paths"))


def test_the_latency_criterion_compares_p95_per_flow():
    def per(legacy, etl):
        return {"legacy": {"p50_ms": 1.0, "p95_ms": legacy, "count": 5}, "etl": {"p50_ms": 1.0, "p95_ms": etl, "count": 5}}

    assert readiness._latency({"sky_map": per(2.0, 1.0), "timeline": per(3.0, 3.0)}, None)["ok"]
    slow = readiness._latency({"sky_map": per(2.0, 1.0), "trends": per(20.0, 25.5)}, None)
    assert not slow["ok"] and slow["detail"] == "ETL p95 above legacy p95 for trends (25.5 ms vs 20.0 ms)"
    one_path = readiness._latency({"sky_map": {"legacy": per(1, 1)["legacy"]}}, None)
    assert not one_path["ok"] and one_path["detail"].startswith("no flow measured on both paths")
    assert not readiness._latency(None, "refused")["ok"]


def test_a_mismatch_blocks_the_next_phase_and_is_listed_with_its_reproduction(sid, tsi_db, monkeypatch):
    _settings(monkeypatch, MIGRATION__SHADOW_RATE=1, MIGRATION__MIN_SHADOW=1)
    alter_analytics_priority(tsi_db, sid)
    cache.reset()
    data.reset()
    data.distributions(sid)
    assert shadow.drain(60)
    r = readiness.status(local=True)
    shadow_c = next(c for c in r["criteria"] if c["name"] == "shadow")
    assert not shadow_c["ok"] and "1 of 1 comparisons" in shadow_c["detail"] and "distributions 1" in shadow_c["detail"]
    [e] = r["recent_problems"]
    assert e["reproduce"].startswith(f"tsi parity {sid} --flow distributions --params '{{")
    assert "reproduce: tsi parity" in readiness.text(r)


def test_live_needs_no_fallbacks_and_a_parity_run_covering_new_schedules(sid, generated, monkeypatch):
    _settings(monkeypatch, DATA_SOURCE="etl", MIGRATION__ETL_FALLBACK="legacy")
    assert main(["parity", "--all"]) == 0
    newer = ingest_dir(generated["season"])["schedule_id"]
    r = readiness.status(local=True)
    assert r["phase"] == "live" and r["next_phase"] == "complete"
    assert [c["name"] for c in r["criteria"]][-1] == "fallbacks"
    parity_c = next(c for c in r["criteria"] if c["name"] == "parity")
    assert not parity_c["ok"] and f"predates schedule(s) {newer}" in parity_c["detail"]
