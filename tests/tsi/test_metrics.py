"""Metrics (operations.md §4) in one process: what the facade, ingest and the cache record, the exposition of
`GET /metrics`, its access rule and settings, and the `tsi run` plumbing of the multi-process mode."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from builders import ingest_dir, write_json

from tsi import data, metrics
from tsi.config import load_settings, reset_settings
from tsi.errors import ConfigError, ScheduleFormatError, ScheduleNotFoundError

SPEC = {  # operations.md §4: name → (type, labels)
    "tsi_flow_seconds": ("histogram", {"flow", "source", "cache"}),
    "tsi_flow_errors": ("counter", {"flow", "source", "kind"}),
    "tsi_etl_fallback": ("counter", {"flow", "reason"}),
    "tsi_shadow_comparisons": ("counter", {"flow", "result"}),
    "tsi_ingest_seconds": ("histogram", set()),
    "tsi_ingest": ("counter", {"result"}),
    "tsi_cache_errors": ("counter", set()),
}


def flow_count(flow: str, source: str, cache: str) -> float:
    return metrics.sample("tsi_flow_seconds_count", {"flow": flow, "source": source, "cache": cache})


@pytest.fixture
def sid(tsi_db, generated):
    return ingest_dir(generated["night"])["schedule_id"]


@pytest.fixture
def client(tsi_db):
    import app as app_module

    return app_module.app.server.test_client()


def test_the_metrics_have_the_names_types_and_labels_of_the_spec():
    from prometheus_client.parser import text_string_to_metric_families

    for name, (kind, labels) in SPEC.items():
        m = getattr(metrics, next(k for k in dir(metrics) if getattr(getattr(metrics, k), "_name", None) == name))
        assert m._type == kind, name
        assert set(m._labelnames) == labels, name
    families = {f.name: f for f in text_string_to_metric_families(metrics.exposition().decode())}
    assert families["tsi_analytics_schedules"].type == "gauge"
    assert {s.labels["state"] for s in families["tsi_analytics_schedules"].samples} == {"fresh", "stale", "missing"}
    assert {s.labels["reason"] for s in families["tsi_etl_fallback"].samples} == {"missing", "stale"}
    assert {s.labels["result"] for s in families["tsi_ingest"].samples} == {"created", "duplicate", "rejected"}
    assert not [s for f in families.values() for s in f.samples if s.name.endswith("_created")]


def test_the_facade_records_hits_misses_and_bypasses_on_both_paths(sid):
    for source in ("legacy", "etl"):
        before = {c: flow_count("sky_map", source, c) for c in ("hit", "miss", "bypass")}
        data.sky_map(sid, source=source)                   # miss
        data.sky_map(sid, source=source)                   # hit
        data.sky_map(sid, source=source)                   # hit
        data.sky_map(sid, source=source, use_cache=False)  # bypass
        after = {c: flow_count("sky_map", source, c) for c in ("hit", "miss", "bypass")}
        assert {c: after[c] - before[c] for c in after} == {"hit": 2, "miss": 1, "bypass": 1}, source
    # The time is observed too (a histogram: the sum grows, the +Inf bucket equals the count).
    labels = {"flow": "sky_map", "source": "legacy", "cache": "miss"}
    assert metrics.sample("tsi_flow_seconds_sum", labels) > 0
    assert metrics.sample("tsi_flow_seconds_bucket", {**labels, "le": "+Inf"}) == flow_count("sky_map", "legacy", "miss")


def test_flow_errors_are_counted_by_exception_class_and_unknown_flows_are_not(sid):
    labels = {"flow": "timeline", "source": "etl", "kind": "ScheduleNotFoundError"}
    before = metrics.sample("tsi_flow_errors_total", labels)
    with pytest.raises(ScheduleNotFoundError):
        data.timeline(sid + 1000, source="etl")
    assert metrics.sample("tsi_flow_errors_total", labels) == before + 1
    with pytest.raises(ValueError):
        data.run_flow("no_such_flow", sid, {}, source="legacy")
    assert "no_such_flow" not in metrics.exposition().decode()


def test_ingest_records_created_duplicate_and_rejected(tsi_db, generated, tmp_path):
    def counts():
        return ({r: metrics.sample("tsi_ingest_total", {"result": r}) for r in metrics.INGEST_RESULTS},
                metrics.sample("tsi_ingest_seconds_count"))

    (c0, n0) = counts()
    ingest_dir(generated["night"])
    ingest_dir(generated["night"])
    bad = write_json(tmp_path / "bad.json", {"not": "a schedule"})
    with pytest.raises(ScheduleFormatError):
        data.ingest(bad)
    (c1, n1) = counts()
    assert {r: c1[r] - c0[r] for r in c1} == {"created": 1, "duplicate": 1, "rejected": 1}
    assert n1 - n0 == 3
    families = metrics.exposition().decode()
    assert 'tsi_analytics_schedules{state="fresh"} 1.0' in families


def test_cache_errors_are_counted_where_the_cache_counts_them(monkeypatch):
    from tsi.data import cache

    class Broken:
        def get(self, key):
            raise ConnectionError("down")

    guarded = cache._Guarded(Broken(), "RedisCache")
    before = metrics.sample("tsi_cache_errors_total")
    assert guarded.call("get", "k") is None
    assert guarded.errors == 1
    assert metrics.sample("tsi_cache_errors_total") == before + 1


def test_get_metrics_serves_the_text_format_to_loopback(client, sid):
    data.distributions(sid, source="legacy")
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert 'tsi_flow_seconds_count{cache="miss",flow="distributions",source="legacy"}' in r.get_data(as_text=True)


def test_get_metrics_is_404_when_disabled(client, monkeypatch):
    monkeypatch.setenv("TSI_METRICS__ENABLED", "false")
    reset_settings()
    r = client.get("/metrics")
    assert r.status_code == 404 and r.get_json()["error"] == "not_found"


def test_get_metrics_from_another_address_needs_an_admin(client, monkeypatch):
    from tsi import auth

    monkeypatch.setenv("TSI_METRICS__ALLOW", '["10.9.0.0/16"]')
    reset_settings()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 200
    # AUTH.MODE none (testing) makes every visitor an admin; a viewer from elsewhere is refused.
    monkeypatch.setattr(auth, "ANONYMOUS", auth.User("anonymous", "viewer", "none"))
    r = client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert r.status_code == 403 and r.get_json()["error"] == "forbidden"
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 200
    assert client.get("/metrics").status_code == 200  # loopback
    monkeypatch.setattr(auth, "ANONYMOUS", auth.User("anonymous", "admin", "none"))
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 200


@pytest.mark.parametrize("address, allow, loopback, expected", [
    ("127.0.0.1", [], True, True),
    ("127.8.9.10", [], True, True),
    ("::1", [], True, True),
    ("::ffff:127.0.0.1", [], True, True),
    ("127.0.0.1", [], False, False),
    ("::1", [], False, False),
    ("127.0.0.1", ["127.0.0.0/8"], False, True),
    ("10.1.2.3", ["10.1.2.0/24"], True, True),
    ("10.1.3.3", ["10.1.2.0/24"], True, False),
    ("::ffff:10.1.2.3", ["10.1.2.0/24"], True, True),
    ("2001:db8::5", ["2001:db8::/32"], True, True),
    ("2001:db8::5", ["10.0.0.0/8"], True, False),
    ("10.1.2.3", "10.1.2.3", True, True),
    ("10.1.2.3", ["not a cidr", "10.0.0.0/8"], True, True),
    (None, ["0.0.0.0/0"], True, False),
    ("", [], True, False),
    ("garbage", ["0.0.0.0/0"], True, False),
])
def test_who_may_read_metrics_without_signing_in(address, allow, loopback, expected):
    assert metrics.client_allowed(address, allow, loopback) is expected


def test_metrics_settings_are_validated():
    s = load_settings("testing")
    assert s.METRICS.ENABLED is True and s.METRICS.ALLOW_LOOPBACK is True and list(s.METRICS.ALLOW) == []
    assert list(load_settings("testing", METRICS__ALLOW="10.0.0.0/8").METRICS.ALLOW) == ["10.0.0.0/8"]
    assert load_settings("testing", METRICS__ENABLED="off").METRICS.ENABLED is False
    for bad, words in ((dict(METRICS__ALLOW=["10.0.0.0/8", "nope"]), "METRICS.ALLOW must list CIDRs"),
                       (dict(METRICS__ALLOW=7), "METRICS.ALLOW must be a list"),
                       (dict(METRICS__ENABLED="sometimes"), "METRICS.ENABLED must be true or false"),
                       (dict(METRICS__ALLOW_LOOPBACK="x"), "METRICS.ALLOW_LOOPBACK must be true or false")):
        with pytest.raises(ConfigError) as e:
            load_settings("testing", **bad)
        assert words in str(e.value)


def test_metrics_allow_from_the_environment(monkeypatch):
    monkeypatch.setenv("TSI_METRICS__ALLOW", '["192.0.2.0/24", "2001:db8::/32"]')
    assert list(load_settings("testing").METRICS.ALLOW) == ["192.0.2.0/24", "2001:db8::/32"]


# ------------------------------------------------------------------------------------------ tsi run plumbing


def test_tsi_run_hands_gunicorn_a_fresh_multiprocess_dir_and_the_hooks(tsi_db, monkeypatch):
    from tsi import serve

    seen = {}

    def fake_execve(path, args, env):
        seen["args"] = args
        seen["dir"] = env[serve.MULTIPROC_ENV]
        raise SystemExit(0)

    monkeypatch.chdir(os.getcwd())  # serve() moves to the project root; restored afterwards
    monkeypatch.delenv(serve.MULTIPROC_ENV, raising=False)
    monkeypatch.setattr(os, "execve", fake_execve)
    with pytest.raises(SystemExit):
        serve.serve(workers=2, port=18999)
    assert serve.MULTIPROC_ENV not in os.environ  # only gunicorn's environment has it
    args = seen["args"]
    assert args[args.index("--config") + 1] == "python:tsi.gunicorn_conf"
    d = seen["dir"]
    try:
        assert os.path.isdir(d) and os.listdir(d) == [serve.OWNER_MARK]
        # gunicorn's on_exit removes a directory that tsi run made, and only such a one.
        from tsi import gunicorn_conf

        monkeypatch.setenv(serve.MULTIPROC_ENV, d)
        gunicorn_conf.on_exit(None)
        assert not os.path.exists(d)
    finally:
        import shutil

        shutil.rmtree(d, ignore_errors=True)


def test_an_operators_multiprocess_dir_is_emptied_of_old_values_and_kept(tmp_path, monkeypatch):
    from tsi import gunicorn_conf, serve

    d = tmp_path / "prom"
    d.mkdir()
    (d / "counter_123.db").write_bytes(b"old")
    (d / "keep.txt").write_text("not ours")
    monkeypatch.setenv(serve.MULTIPROC_ENV, str(d))
    assert serve.metrics_dir() == d
    assert sorted(p.name for p in d.iterdir()) == ["keep.txt"]
    gunicorn_conf.on_exit(None)
    assert d.is_dir()


def test_child_exit_marks_the_worker_dead(monkeypatch, tmp_path):
    from prometheus_client import multiprocess

    from tsi import gunicorn_conf

    dead = []
    monkeypatch.setattr(multiprocess, "mark_process_dead", lambda pid: dead.append(pid))
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    gunicorn_conf.child_exit(None, type("W", (), {"pid": 41})())
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    gunicorn_conf.child_exit(None, type("W", (), {"pid": 42})())
    assert dead == [42]


def test_two_processes_add_up_in_multiprocess_mode(tmp_path):
    """The library mode `tsi run` sets up, without gunicorn: two processes count, a third one scrapes."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = ("from tsi import metrics\n"
             "for _ in range(3): metrics.flow_served('timeline', 'etl', 'hit', 0.01)\n"
             "metrics.ingest_done('created', 0.5)\n")
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True, timeout=60)
    scrape = ("from tsi import metrics\n"
              "print(metrics.sample('tsi_flow_seconds_count', {'flow': 'timeline', 'source': 'etl', 'cache': 'hit'}),"
              " metrics.sample('tsi_ingest_total', {'result': 'created'}))\n")
    out = subprocess.run([sys.executable, "-c", scrape], env=env, check=True, timeout=60, capture_output=True,
                         text=True).stdout.split()
    assert out == ["6.0", "2.0"]
