"""`GET /metrics` for real (operations.md §4): `tsi run --workers 2` (gunicorn, prometheus_client's multi-process
mode), the exposition checked by Debian's `promtool check metrics` and scraped by a real Prometheus started on
loopback by the test; and who may read it, with AUTH.MODE basic.

System packages: scripts/install-system-deps.sh (promtool and prometheus come with Debian's `prometheus`).
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from servers import ROOT, TSI, TsiServer, free_port, ingest_with, wait_until

requests = pytest.importorskip("requests")

INSTALL_HINT = "(Debian's prometheus package: scripts/install-system-deps.sh installs it)"
SOURCES = ("legacy", "etl")


def _exe(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        pytest.fail(f"{name} is not installed {INSTALL_HINT}")
    return exe


def flow_counts(text: str, flow: str = "sky_map") -> dict[str, float]:
    """tsi_flow_seconds_count per source for one flow, summed over the cache outcomes."""
    from prometheus_client.parser import text_string_to_metric_families

    out = dict.fromkeys(SOURCES, 0.0)
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "tsi_flow_seconds_count" and s.labels.get("flow") == flow:
                out[s.labels["source"]] += s.value
    return out


@pytest.fixture(scope="module")
def stack(tmp_path_factory, generated):
    root = tmp_path_factory.mktemp("metrics")
    env = {"TSI_ENV": "testing", "TSI_DATABASE__SQLITE_PATH": str(root / "tsi.sqlite3"), "TSI_LOG_LEVEL": "WARNING"}
    ids = ingest_with(env, {"night": generated["night"]})
    server = TsiServer(env, workers=2, log=root / "gunicorn.log").start()
    yield server, ids, root
    server.stop()


def _get_many(urls: list[str]) -> list[requests.Response]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda u: requests.get(u, timeout=60), urls))


def _workers(server: TsiServer, path: str) -> set[int]:
    return {pid for pid, _status, p in server.access_log() if p == path}


def test_flow_counts_add_up_over_the_workers_and_promtool_accepts_them(stack):
    server, ids, _root = stack
    sid = ids["night"]
    path = f"/api/schedules/{sid}/sky-map"
    before = flow_counts(requests.get(server.url + "/metrics", timeout=30).text)
    sent = dict.fromkeys(SOURCES, 0)
    for _round in range(20):  # until both workers have served the flow (the kernel may favour one)
        for source in SOURCES:
            answers = _get_many([f"{server.url}{path}?source={source}"] * 12)
            assert {r.status_code for r in answers} == {200}, answers[0].text[:300]
            assert {r.headers["X-TSI-Source"] for r in answers} == {source}
            sent[source] += len(answers)
        if len(_workers(server, path)) == 2:
            break
    assert len(_workers(server, path)) == 2, "one worker answered every request"

    # Every scrape, whichever worker answers it, shows the sums over both workers.
    scrapes = []
    for _round in range(20):
        scrapes += _get_many([server.url + "/metrics"] * 8)
        if len(_workers(server, "/metrics")) == 2:
            break
    assert len(_workers(server, "/metrics")) == 2, "one worker answered every scrape"
    for r in scrapes:
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        after = flow_counts(r.text)
        assert {s: after[s] - before[s] for s in SOURCES} == sent

    text = scrapes[-1].text
    assert 'tsi_analytics_schedules{state="fresh"} 1.0' in text
    check = subprocess.run([_exe("promtool"), "check", "metrics"], input=text, capture_output=True, text=True,
                           timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_real_prometheus_scrapes_the_sums(stack, tmp_path):
    server, ids, _root = stack
    sid = ids["night"]
    for source in SOURCES:  # at least one call on each path, whatever ran before
        assert requests.get(f"{server.url}/api/schedules/{sid}/sky-map?source={source}", timeout=60).ok
    expected = flow_counts(requests.get(server.url + "/metrics", timeout=30).text)
    assert all(expected[s] >= 1 for s in SOURCES)

    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
        "scrape_configs:\n"
        "  - job_name: tsi\n"
        "    metrics_path: /metrics\n"
        f"    static_configs:\n      - targets: ['127.0.0.1:{server.port}']\n")
    log = open(tmp_path / "prometheus.log", "wb")
    proc = subprocess.Popen([_exe("prometheus"), f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                             f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    api = f"http://127.0.0.1:{port}/api/v1/query"
    query = 'sum by (source) (tsi_flow_seconds_count{flow="sky_map"})'

    def answered():
        assert proc.poll() is None, "prometheus exited"
        body = requests.get(api, params={"query": query}, timeout=5).json()
        assert body["status"] == "success"
        got = {r["metric"]["source"]: float(r["value"][1]) for r in body["data"]["result"]}
        return got if got == expected else None

    try:
        got = wait_until(answered, 60, "a Prometheus scrape of /metrics", interval=0.5)
        assert set(got) == set(SOURCES)
        up = requests.get(api, params={"query": 'up{job="tsi"}'}, timeout=5).json()["data"]["result"]
        assert [r["value"][1] for r in up] == ["1"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
    assert _workers(server, "/metrics"), "Prometheus scraped the app itself"


def _basic(name: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


def test_only_allowed_addresses_and_admins_read_metrics(tmp_path):
    """AUTH.MODE basic, loopback not allowed and the scrapers' network elsewhere: this test's requests (from
    loopback) are refused unless an admin signs in; the other routes keep their own rules."""
    import os

    env = {"TSI_ENV": "testing", "TSI_DATABASE__SQLITE_PATH": str(tmp_path / "tsi.sqlite3"),
           "TSI_LOG_LEVEL": "WARNING", "TSI_AUTH__MODE": "basic", "TSI_METRICS__ALLOW_LOOPBACK": "false",
           "TSI_METRICS__ALLOW": '["192.0.2.0/24"]'}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TSI_")}
    for name, role, password in (("ada", "admin", "admin-pass-1"), ("vera", "viewer", "viewer-pass-1")):
        out = subprocess.run([TSI, "user", "add", name, "--role", role, "--password-stdin"], cwd=ROOT,
                             input=password + "\n", capture_output=True, text=True, timeout=60, env={**clean, **env})
        assert out.returncode == 0, out.stderr
    server = TsiServer(env, workers=2, log=tmp_path / "gunicorn.log").start()
    try:
        url = server.url + "/metrics"
        for headers in ({}, _basic("vera", "viewer-pass-1"), _basic("ada", "wrong")):
            r = requests.get(url, headers=headers, timeout=30)
            assert r.status_code == 403, (headers, r.status_code, r.text[:200])
            assert r.json()["error"] == "forbidden" and "tsi_" not in r.text
        r = requests.get(url, headers=_basic("ada", "admin-pass-1"), timeout=30)
        assert r.status_code == 200 and 'tsi_ingest_total{result="created"}' in r.text
        assert requests.get(server.url + "/api/schedules", timeout=30).status_code == 401  # still signed-in only
        assert requests.get(server.url + "/healthz", timeout=30).status_code == 200
    finally:
        server.stop()


def test_the_metrics_directory_is_made_for_the_run_and_removed_after(tmp_path):
    import os

    env = {"TSI_ENV": "testing", "TSI_DATABASE__SQLITE_PATH": str(tmp_path / "tsi.sqlite3"), "TSI_LOG_LEVEL": "INFO"}
    server = TsiServer(env, workers=2, log=tmp_path / "gunicorn.log").start()
    try:
        master = server.proc.pid
        environ = Path(f"/proc/{master}/environ").read_bytes().split(b"\0")
        d = next(e.split(b"=", 1)[1].decode() for e in environ if e.startswith(b"PROMETHEUS_MULTIPROC_DIR="))
        assert requests.get(server.url + "/metrics", timeout=30).status_code == 200
        files = {p.name for p in Path(d).iterdir()}
        assert ".tsi-run" in files and any(f.endswith(".db") for f in files)
    finally:
        server.stop()
    deadline = time.monotonic() + 10
    while os.path.exists(d) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not os.path.exists(d)
