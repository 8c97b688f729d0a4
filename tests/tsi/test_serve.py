"""`tsi run`: the development server keeps its promise that nothing leaves the machine."""

from __future__ import annotations

import json
import re

import pytest

from servers import TSI, ROOT, free_port, wait_until

requests = pytest.importorskip("requests")


def test_dev_server_never_asks_an_outside_host_for_dash_updates(tsi_db):
    import os
    import subprocess

    port = free_port()
    env = {**os.environ, "TSI_ENV": "testing", "TSI_DATABASE__SQLITE_PATH": str(tsi_db)}
    proc = subprocess.Popen([TSI, "run", "--dev", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        page = wait_until(lambda: requests.get(f"http://127.0.0.1:{port}/", timeout=5), 60, "tsi run --dev")
        config = json.loads(re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>',
                                      page.text, re.S).group(1))
        assert config["ui"] is True  # the dev tools are on...
        assert config["disable_version_check"] is True  # ...without their call to an outside host
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
