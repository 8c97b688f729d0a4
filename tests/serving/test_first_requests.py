"""A freshly started `tsi run --workers 2` serves a browser's first burst of requests: every script the page
names loads on either worker (Dash's own set-up used to race the first requests of a threaded worker and
answer 500, plotly/dash#3971 — see tsi/ui/startup.py)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from servers import TsiServer

requests = pytest.importorskip("requests")


def page_scripts() -> list[str]:
    """The scripts the index names, rendered here so that no server worker is warmed by asking for them."""
    import app as app_module

    html = app_module.app.server.test_client().get("/").get_data(as_text=True)
    return re.findall(r'<script src="([^"]+)"', html)


def test_every_script_loads_in_a_fresh_servers_first_burst(tmp_path):
    env = {"TSI_ENV": "testing", "TSI_DATABASE__SQLITE_PATH": str(tmp_path / "tsi.sqlite3"),
           "TSI_LOG_LEVEL": "WARNING"}
    scripts = page_scripts()
    assert len(scripts) >= 8, scripts
    burst = scripts * 4
    for _ in range(3):  # fresh starts: the race is in the first requests of a worker that has served none
        server = TsiServer(env, workers=2, log=tmp_path / "gunicorn.log").start()
        try:
            with ThreadPoolExecutor(16) as pool:
                statuses = list(pool.map(lambda u: requests.get(server.url + u, timeout=30).status_code, burst))
            assert [(u, s) for u, s in zip(burst, statuses) if s != 200] == []
        finally:
            server.stop()
