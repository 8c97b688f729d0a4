"""Pages as users meet them (`tsi bench --browser`): drawn in headless Chromium against the app served by gunicorn
on loopback, on each data path.

For every page and path:

* ``median_ms`` (the budget row), ``first_ms``, ``visits_ms`` — wall time from a full navigation to every figure
  drawn, VISITS times in a row (the first visit also loads the page's own scripts);
* ``navigate_ms`` — the same page reached from another page through the navigation bar (Dash's client-side
  routing: no new document, the layout and callbacks only);
* ``bytes`` — what crossed the wire for one full visit (the browser's Resource Timing ``transferSize`` of the
  document and every request: compressed sizes, 0 for what came from its cache);
* ``server_ms`` / ``callbacks`` — the server's share: the summed time gunicorn spent on the page's
  ``/_dash-update-component`` requests (Python, figure building, serialisation, compression) of one visit, from
  its access log, and how many there were. The rest of ``median_ms`` is the browser's.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

PAGES = ["/sky-map", "/distributions", "/visibility-map", "/timeline", "/insights", "/trends", "/validation",
         "/compare"]
SOURCES = ("legacy", "etl")
VISITS = 3

# Drawn = nothing loading, every figure has its SVG (pages without figures: their table is there).
DRAWN = ("const g = document.querySelectorAll('.js-plotly-plot');"
         "const busy = document.querySelector('[data-dash-is-loading=\"true\"]');"
         "const grids = document.querySelectorAll('.ag-root-wrapper');"
         "if (busy) return false;"
         "if (g.length === 0) return grids.length > 0;"
         "return Array.from(g).every(x => x.querySelector('.main-svg'));")
# WebGL draws in a frame after the SVG exists: wait for two more frames.
NEXT_FRAMES = ("const done = arguments[arguments.length - 1];"
               "requestAnimationFrame(() => requestAnimationFrame(() => done(true)));")
TRANSFERRED = ("const n = performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'));"
               "return n.reduce((s, e) => s + (e.transferSize || 0), 0);")


class _Server:
    """gunicorn on a free loopback port for one data path, its access log giving each request's time."""

    def __init__(self, db_path: str, source: str) -> None:
        import socket
        import subprocess
        import sys

        from tsi.config import project_root

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = Path(tempfile.mkstemp(prefix="tsi-bench-access-", suffix=".log")[1])
        env = {k: v for k, v in os.environ.items() if not k.startswith("TSI_")}
        env.update(TSI_DATABASE__SQLITE_PATH=db_path, TSI_LOG_LEVEL="WARNING", TSI_DATA_SOURCE=source,
                   TSI_ENV=os.environ.get("TSI_ENV", "development"))
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.proc = subprocess.Popen(
            [gunicorn, "app:server", "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "4",
             "--timeout", "300", "--access-logfile", str(self.log), "--access-logformat", "%(U)s %(D)s %(B)s"],
            cwd=project_root(), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_ready(self) -> None:
        import urllib.request

        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2)
                return
            except Exception:  # noqa: BLE001 - server still starting
                if time.time() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("the app did not start for the browser timing")
                time.sleep(0.3)

    def log_size(self) -> int:
        return self.log.stat().st_size

    def callbacks_since(self, offset: int) -> list[float]:
        """Milliseconds of each callback request logged after ``offset``."""
        with self.log.open("rb") as f:
            f.seek(offset)
            lines = f.read().decode(errors="replace").splitlines()
        out = []
        for line in lines:
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "/_dash-update-component" and parts[1].isdigit():
                out.append(int(parts[1]) / 1000.0)
        return out

    def worker_peak_mb(self) -> float | None:
        """The peak resident memory of the worker (the one child of gunicorn's master), from /proc."""
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
            peaks = []
            for pid in children:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
            return round(max(peaks), 1) if peaks else None
        except OSError:
            return None

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.unlink(missing_ok=True)


def _driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options

    options = Options()
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(arg)
    return webdriver.Chrome(options=options)


def _wait_drawn(driver, t0: float, timeout: float) -> None:
    time.sleep(0.05)  # let the navigation start (a client-side one leaves the old page drawn for a moment)
    while not driver.execute_script(DRAWN):
        if time.perf_counter() - t0 > timeout:
            break
        time.sleep(0.02)
    driver.execute_async_script(NEXT_FRAMES)


def _query(path: str, schedule_id: int) -> str:
    return f"?schedule={schedule_id}" + (f"&with={schedule_id}" if path == "/compare" else "")


def _measure_pages(driver, server: _Server, schedule_id: int, pages: list[str], timeout: float) -> dict:
    base = server.base
    # One untimed visit first: the browser's one-time parse of Dash and Plotly bundles is not a page's cost.
    driver.get(base + f"/distributions?schedule={schedule_id}")
    _wait_drawn(driver, time.perf_counter(), timeout)
    out = {}
    for path in pages:
        runs, server_ms, callbacks, transferred = [], [], [], None
        for _ in range(VISITS):
            offset = server.log_size()
            t = time.perf_counter()
            driver.get(base + path + _query(path, schedule_id))
            _wait_drawn(driver, t, timeout)
            runs.append(round((time.perf_counter() - t) * 1e3, 1))
            time.sleep(0.1)  # the access log line is written after the response
            cb = server.callbacks_since(offset)
            server_ms.append(round(sum(cb), 1))
            callbacks.append(len(cb))
            if transferred is None:
                transferred = int(driver.execute_script(TRANSFERRED))
        # From another page through the navigation bar (client-side routing).
        other = "/distributions" if path != "/distributions" else "/sky-map"
        # the navigation bar keeps `?schedule=` (and `with=` for Compare) from the page it is on
        driver.get(base + other + _query("/compare" if path == "/compare" else other, schedule_id))
        _wait_drawn(driver, time.perf_counter(), timeout)
        link = driver.find_elements("css selector", f"#nav-{path.strip('/')}")
        navigate = None
        if link:
            t = time.perf_counter()
            driver.execute_script("arguments[0].click();", link[0])
            _wait_drawn(driver, t, timeout)
            navigate = round((time.perf_counter() - t) * 1e3, 1)
        out[path] = {"first_ms": runs[0], "median_ms": statistics.median(runs), "visits_ms": runs,
                     "navigate_ms": navigate, "bytes": transferred, "server_ms": statistics.median(server_ms),
                     "callbacks": max(callbacks)}
    return out


def browser_timing(db_path: str, schedule_id: int, pages: list[str] | None = None, timeout: float = 30.0,
                   sources: tuple[str, ...] = SOURCES, memory: dict | None = None) -> dict:
    """``{source: {page: {...}}}`` (see the module's docstring); ``memory`` receives each source's worker peak
    resident memory in MB (one worker served every page)."""
    result = {}
    for source in sources:
        server = _Server(db_path, source)
        driver = None
        try:
            server.wait_ready()
            driver = _driver()
            result[source] = _measure_pages(driver, server, schedule_id, pages or PAGES, timeout)
            if memory is not None:
                memory[source] = server.worker_peak_mb()
        finally:
            if driver is not None:
                driver.quit()
            server.stop()
    return result
