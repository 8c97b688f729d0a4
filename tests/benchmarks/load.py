"""Many users at once (`tsi bench --users N`): N simulated people against `tsi run` (its default workers and
threads) on loopback, each doing one action after another with a pause of about a second, as a person does.

The mix (``actions``): the JSON API's flows with the parameter variations a user makes (projections, bin sizes,
top N, trend bins, the comparison with another run), the schedule list and header, and page visits as the
browser makes them — the document, then Dash's page-routing callback that builds the page's layout on the
server. Each simulated user is a thread with its own HTTP session (keep-alive), so the client side never
holds the server back at these rates.

Phases, on a fresh server: ``cold`` — the first pass, while the cache fills (the share of cache misses is
reported from the server's own metrics); ``warm`` — the same mix afterwards. Then ``ramp``: the warm mix with
more users (and no pause) until p95 crosses 500 ms, reporting the throughput where it does.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

P95_LIMIT_MS = 500.0


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(q * (len(s) - 1)))))
    return round(s[k], 2)


def actions(schedule_ids: list[int]) -> list[tuple[str, str, dict | None]]:
    """(method, path, JSON body) of every action a simulated user picks from."""
    out: list[tuple[str, str, dict | None]] = [("GET", "/api/schedules", None)]
    for sid in schedule_ids:
        other = next((o for o in schedule_ids if o != sid), sid)
        base = f"/api/schedules/{sid}"
        out.append(("GET", base, None))
        for proj in ("mollweide", "aitoff", "hammer", "cartesian"):
            out.append(("GET", f"{base}/sky-map?projection={proj}", None))
        for ex in ("false", "true"):
            out.append(("GET", f"{base}/distributions?exclude_impossible={ex}", None))
            out.append(("GET", f"{base}/insights?exclude_impossible={ex}", None))
            out.append(("GET", f"{base}/trends?exclude_impossible={ex}&n_bins=8", None))
        for bins in (900, 1800, 3600, 7200):
            out.append(("GET", f"{base}/visibility-map?bin_seconds={bins}", None))
        out.append(("GET", f"{base}/timeline", None))
        out.append(("GET", f"{base}/validation", None))
        out.append(("GET", f"{base}/compare?with={other}", None))
        for page in ("/sky-map", "/distributions", "/visibility-map", "/timeline", "/insights", "/trends",
                     "/validation"):
            search = f"?schedule={sid}"
            out.append(("GET", page + search, None))
            out.append(("POST", "/_dash-update-component", _route_body(page, search)))
    return out


def _route_body(pathname: str, search: str) -> dict:
    """Dash's page-routing callback as the browser sends it on a visit (its layout is built on the server)."""
    return {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": ["_pages_location.pathname"], "state": []}


class _Server:
    def __init__(self, db_path: str) -> None:
        import socket

        from tsi.config import project_root

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("TSI_")}
        env.update(TSI_DATABASE__SQLITE_PATH=db_path, TSI_LOG_LEVEL="WARNING",
                   TSI_ENV=os.environ.get("TSI_ENV", "development"))
        tsi = str(Path(sys.executable).parent / "tsi")
        self.proc = subprocess.Popen([tsi, "run", "--host", "127.0.0.1", "--port", str(self.port)],
                                     cwd=project_root(), env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        import requests

        deadline = time.time() + 60
        while True:
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.time() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("tsi run did not start for the load test")
            time.sleep(0.3)

    def cache_outcomes(self) -> dict[str, float]:
        """tsi_flow_seconds_count summed by cache outcome (hit, miss), from the server's /metrics."""
        import requests
        from prometheus_client.parser import text_string_to_metric_families

        out = {"hit": 0.0, "miss": 0.0}
        text = requests.get(self.base + "/metrics", timeout=30).text
        for fam in text_string_to_metric_families(text):
            for s in fam.samples:
                if s.name == "tsi_flow_seconds_count" and s.labels.get("cache") in out:
                    out[s.labels["cache"]] += s.value
        return out

    def stop(self) -> None:
        import signal

        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def _run_users(base: str, mix: list, users: int, seconds: float, think: float, seed: int) -> dict:
    """N users for ``seconds``: latencies (ms) of every answered action, errors, throughput."""
    import requests

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def user(k: int) -> None:
        rng = random.Random(seed * 1000 + k)
        session = requests.Session()
        session.headers["Origin"] = base  # the app's CSRF check: a same-origin browser request
        mine: list[float] = []
        bad: list[str] = []
        time.sleep(rng.uniform(0, think))  # people do not all click at the same instant
        while time.perf_counter() < stop_at:
            method, path, body = rng.choice(mix)
            t = time.perf_counter()
            try:
                r = session.request(method, base + path, json=body, timeout=60)
                ms = (time.perf_counter() - t) * 1e3
                if r.status_code >= 400:
                    bad.append(f"{r.status_code} {method} {path}")
                else:
                    mine.append(ms)
            except requests.RequestException as e:
                bad.append(f"{type(e).__name__} {method} {path}")
            if think:
                time.sleep(think * rng.uniform(0.5, 1.5))
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=user, args=(k,), daemon=True) for k in range(users)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    return {"users": users, "seconds": round(wall, 1), "requests": len(latencies), "errors": len(errors),
            "error_examples": sorted(set(errors))[:5],
            "throughput_rps": round(len(latencies) / wall, 1) if wall else None,
            "p50_ms": _percentile(latencies, 0.50), "p95_ms": _percentile(latencies, 0.95),
            "p99_ms": _percentile(latencies, 0.99),
            "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None}


def load_test(db_path: str, schedule_ids: list[int], users: int = 32, seconds: float = 30.0, think: float = 1.0,
              ramp: bool = True) -> dict[str, Any]:
    """The cold, warm and ramp phases (see the module's docstring) against a fresh `tsi run`."""
    mix = actions(schedule_ids)
    server = _Server(db_path)
    try:
        result: dict[str, Any] = {"mix": len(mix), "think_s": think}
        before = server.cache_outcomes()
        result["cold"] = _run_users(server.base, mix, users, seconds, think, seed=1)
        after = server.cache_outcomes()
        flows = (after["hit"] - before["hit"]) + (after["miss"] - before["miss"])
        result["cold"]["cache_miss_share"] = round((after["miss"] - before["miss"]) / flows, 3) if flows else None
        # Every action once more, so the warm phase finds every payload cached in every worker.
        _run_users(server.base, mix, 8, max(2.0, seconds / 3), 0.0, seed=2)
        before = server.cache_outcomes()
        result["warm"] = _run_users(server.base, mix, users, seconds, think, seed=3)
        after = server.cache_outcomes()
        flows = (after["hit"] - before["hit"]) + (after["miss"] - before["miss"])
        result["warm"]["cache_miss_share"] = round((after["miss"] - before["miss"]) / flows, 3) if flows else None
        if ramp:
            steps = []
            n = 4
            while n <= 256:
                step = _run_users(server.base, mix, n, max(2.0, seconds / 3), 0.0, seed=10 + n)
                steps.append(step)
                if step["p95_ms"] is not None and step["p95_ms"] > P95_LIMIT_MS:
                    break
                n *= 2
            crossed = next((s for s in steps if s["p95_ms"] is not None and s["p95_ms"] > P95_LIMIT_MS), None)
            result["ramp"] = {"steps": steps, "p95_limit_ms": P95_LIMIT_MS,
                              "crossed_at_users": None if crossed is None else crossed["users"],
                              "crossed_at_rps": None if crossed is None else crossed["throughput_rps"],
                              "best_rps_below_limit": max((s["throughput_rps"] for s in steps
                                                           if s["p95_ms"] is not None
                                                           and s["p95_ms"] <= P95_LIMIT_MS), default=None)}
        return result
    finally:
        server.stop()
