"""Pages drawn in headless Chromium against the app served by gunicorn on loopback (`tsi bench --browser`)."""

from __future__ import annotations

import os
import shutil
import statistics
import time
from pathlib import Path

PAGES = ["/sky-map", "/distributions", "/visibility-map", "/timeline", "/insights", "/trends", "/validation",
         "/compare"]

VISITS = 3


def browser_timing(db_path: str, schedule_id: int, pages: list[str] | None = None, timeout: float = 30.0) -> dict:
    """Wall time from navigation to every figure of the page drawn, in headless Chromium against the app served
    by gunicorn on loopback: each page visited VISITS times in a row (the first visit loads the page's own
    scripts); the budget row takes the median, since software WebGL in headless Chromium varies by ±0.5 s
    from one visit to the next."""
    import socket
    import subprocess
    import sys
    import urllib.request

    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options

    from tsi.config import project_root

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, TSI_DATABASE__SQLITE_PATH=db_path, TSI_LOG_LEVEL="WARNING")
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen([gunicorn, "app:server", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                               "--threads", "4", "--timeout", "300"], cwd=project_root(), env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    options = Options()
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(arg)
    driver = None
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except Exception:  # noqa: BLE001 - server still starting
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("the app did not start for the browser timing")
                time.sleep(0.3)
        driver = webdriver.Chrome(options=options)
        # Drawn = nothing loading, every figure has its SVG (pages without figures: their table is there), and two
        # animation frames have passed since (WebGL draws in a frame after the SVG exists).
        drawn = ("const g = document.querySelectorAll('.js-plotly-plot');"
                 "const busy = document.querySelector('[data-dash-is-loading=\"true\"]');"
                 "const grids = document.querySelectorAll('.ag-root-wrapper');"
                 "if (busy) return false;"
                 "if (g.length === 0) return grids.length > 0;"
                 "return Array.from(g).every(x => x.querySelector('.main-svg'));")
        next_frames = ("const done = arguments[arguments.length - 1];"
                       "requestAnimationFrame(() => requestAnimationFrame(() => done(true)));")
        # One untimed visit first: the browser's one-time parse of Dash and Plotly bundles is not a page's cost.
        driver.get(base + f"/distributions?schedule={schedule_id}")
        t = time.perf_counter()
        while not driver.execute_script(drawn) and time.perf_counter() - t < timeout:
            time.sleep(0.05)
        out = {}
        for path in pages or PAGES:
            q = f"?schedule={schedule_id}" + (f"&with={schedule_id}" if path == "/compare" else "")
            runs = []
            for _ in range(VISITS):
                t = time.perf_counter()
                driver.get(base + path + q)
                while not driver.execute_script(drawn):
                    if time.perf_counter() - t > timeout:
                        break
                    time.sleep(0.02)
                # The SVG exists before WebGL has drawn into its canvas: wait until the browser has produced two
                # more frames, so the points' drawing is counted too.
                driver.execute_async_script(next_frames)
                runs.append(round((time.perf_counter() - t) * 1e3, 1))
            out[path] = {"first_ms": runs[0], "median_ms": statistics.median(runs), "visits_ms": runs}
        return out
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        server.wait(timeout=10)
