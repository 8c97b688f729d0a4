"""Shadow comparison on a real deployment (operations.md §4): `tsi run --workers 2` with
MIGRATION.SHADOW_RATE = 1. After an analytics row is altered behind TSI's back, users are still answered from the
legacy path as before, while the comparison (off their request) stores the mismatch in parity_events, counts it
in /metrics summed over the workers, and `tsi migration status` reports it (exit 1)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from builders import alter_analytics_priority
from servers import TsiServer, ingest_with, tsi_cli, wait_until

requests = pytest.importorskip("requests")


def _mismatches(text: str, flow: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    return sum(s.value for fam in text_string_to_metric_families(text) for s in fam.samples
               if s.name == "tsi_shadow_comparisons_total" and s.labels == {"flow": flow, "result": "mismatch"})


def test_a_mismatch_is_stored_counted_and_reported_while_users_are_served(tmp_path, generated):
    db = tmp_path / "tsi.sqlite3"
    env = {"TSI_ENV": "testing", "TSI_DATABASE__SQLITE_PATH": str(db), "TSI_LOG_LEVEL": "WARNING",
           "TSI_MIGRATION__SHADOW_RATE": "1", "TSI_MIGRATION__MIN_SHADOW": "1"}
    sid = ingest_with(env, {"night": generated["night"]})["night"]
    expected = json.loads(tsi_cli(env, "export", str(sid), "distributions", "--source", "legacy").stdout)
    alter_analytics_priority(db, sid)
    server = TsiServer(env, workers=2, log=tmp_path / "gunicorn.log").start()
    try:
        for query in ("", "?exclude_impossible=true"):
            for _ in range(6):
                r = requests.get(f"{server.url}/api/schedules/{sid}/distributions{query}", timeout=60)
                assert r.status_code == 200 and r.headers["X-TSI-Source"] == "legacy"
                if not query:
                    assert r.json() == expected  # the user's answer is the legacy path's, unchanged
        wait_until(lambda: _mismatches(requests.get(server.url + "/metrics", timeout=30).text, "distributions") >= 2,
                   60, "two shadow mismatches counted")
        text = requests.get(server.url + "/metrics", timeout=30).text
        promtool = shutil.which("promtool")
        assert promtool, "promtool is not installed (scripts/install-system-deps.sh)"
        check = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
        assert check.returncode == 0, check.stdout + check.stderr

        out = tsi_cli(env, "migration", "status", "--json", "--metrics-url", server.url + "/metrics")
        assert out.returncode == 1, out.stderr
        report = json.loads(out.stdout)
        assert report["phase"] == "shadow" and report["metrics"]["error"] is None
        shadow = report["shadow"]["by_flow"]["distributions"]
        assert shadow["mismatch"] >= 2 and shadow["match"] == 0
        assert any(r.startswith("shadow comparisons:") and "differed or failed" in r for r in report["reasons"])
        assert set(report["latency"]["distributions"]) == {"legacy", "etl"}  # served, and the shadow's other path
        problem = report["recent_problems"][0]
        assert problem["diff_path"].startswith("blocks.priority[") and problem["served_source"] == "legacy"
        # the stored parameters reproduce the difference
        again = tsi_cli(env, "parity", str(sid), "--flow", "distributions", "--params",
                        json.dumps(problem["params"]))
        assert again.returncode == 1 and "different" in again.stdout
    finally:
        server.stop()
