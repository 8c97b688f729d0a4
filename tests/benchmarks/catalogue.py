"""A large catalogue (`tsi bench --preset catalogue`): many stored schedules of a few hundred blocks each, and
what a user meets with them — the schedule list of the API, the Home page's table and the schedule selector.

* ``api_list_ms`` — ``GET /api/schedules`` on a warm server (median and p95 of 20);
* ``home_ms`` — Home drawn in headless Chromium until its table shows rows (median of three visits);
* ``selector_ms`` — from a click on the schedule selector to its options shown.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from .browser import _driver, _Server

VISITS = 3


def fill_catalogue(root: Path, n: int, blocks: int, days: float) -> dict:
    """Generate and store ``n`` schedules in the configured database (in this process)."""
    from tsi import data

    t = time.perf_counter()
    for i in range(n):
        out = root / f"s{i}"
        data.core().generate(str(out), blocks, seed=1000 + i, days=days, name=f"Catalogue run {i + 1}")
        data.ingest(out / "schedule.json", out / "possible_periods.json", out / "dark_periods.json")
        for f in out.iterdir():
            f.unlink()
        out.rmdir()
    return {"schedules": n, "blocks_each": blocks, "fill_ms": round((time.perf_counter() - t) * 1e3, 1)}


def catalogue_timing(db_path: str, timeout: float = 30.0) -> dict:
    import requests

    server = _Server(db_path, "etl")
    driver = None
    try:
        server.wait_ready()
        s = requests.Session()
        s.get(server.base + "/api/schedules", timeout=30)  # warm: the list is cached per catalogue generation
        samples = []
        for _ in range(20):
            t = time.perf_counter()
            r = s.get(server.base + "/api/schedules", timeout=30)
            samples.append((time.perf_counter() - t) * 1e3)
            assert r.status_code == 200
        n = len(r.json())
        samples.sort()
        out = {"listed": n, "api_list_ms": {"median_ms": round(statistics.median(samples), 2),
                                            "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 2),
                                            "bytes": len(r.content)}}
        driver = _driver()
        home = []
        for _ in range(VISITS):
            t = time.perf_counter()
            driver.get(server.base + "/")
            while not driver.find_elements("css selector", "#home-grid .ag-row"):
                if time.perf_counter() - t > timeout:
                    break
                time.sleep(0.02)
            home.append(round((time.perf_counter() - t) * 1e3, 1))
        out["home_ms"] = {"median_ms": statistics.median(home), "visits_ms": home}
        selector = []
        for _ in range(VISITS):
            driver.get(server.base + "/")
            t0 = time.perf_counter()
            while not driver.find_elements("css selector", "#schedule-selector"):
                if time.perf_counter() - t0 > timeout:
                    break
                time.sleep(0.02)
            time.sleep(0.5)  # the options arrive with the page's first callbacks
            box = driver.find_element("css selector", "#schedule-selector")
            t = time.perf_counter()
            box.click()
            # Dash's dropdown draws its options in a popover outside the component
            while not driver.find_elements("css selector", "[role='option']"):
                if time.perf_counter() - t > timeout:
                    break
                time.sleep(0.01)
            driver.execute_async_script("const done = arguments[arguments.length - 1];"
                                        "requestAnimationFrame(() => requestAnimationFrame(() => done(true)));")
            selector.append(round((time.perf_counter() - t) * 1e3, 1))
        out["selector_ms"] = {"median_ms": statistics.median(selector), "visits_ms": selector}
        return out
    finally:
        if driver is not None:
            driver.quit()
        server.stop()
