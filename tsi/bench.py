"""`tsi bench`: measure ingest + ETL and every flow on both paths against the budgets of architecture.md §8,
with two references measured in the same run on the same database:

* the limit — a raw scan (in Rust) of the analytics columns the ETL path reads for the flow's default request;
* the peer — what a user would otherwise do: a pandas notebook (`pandas.read_sql` over the normalized tables,
  `json.loads` of the visibility, numpy/pandas statistics) computing the sky-map, distributions and insights
  figures.

Presets generate a schedule into a temporary SQLite database, so the configured database is untouched.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

PRESETS = {
    # ~100 windows per block over a year, ~300 dark periods: the size of a real season.
    "real": {"n_blocks": 2647, "days": 365.0, "seed": 2647},
    "large": {"n_blocks": 25000, "days": 30.0, "seed": 25000},
    # For the smoke test only.
    "tiny": {"n_blocks": 120, "days": 5.0, "seed": 3},
}

FLOWS = ["sky_map", "distributions", "visibility_map", "timeline", "insights", "trends", "compare", "validation"]

# Budgets in milliseconds, per preset (architecture.md §8).
BUDGETS = {
    "ingest": {"real": 3000.0, "large": 20000.0},
    "etl": {"real": 15.0, "large": 60.0},
    "legacy": {"real": 100.0},
    "cached": {"real": 1.0, "large": 1.0, "tiny": 1.0},
    "trends_model": {"real": 150.0},
    "page": {"large": 2000.0},
    "scan_ratio": 2.0,      # ETL flow ≤ 2 × the raw scan of its columns
    "peer_ratio": 0.1,      # ours ≤ 0.1 × the pandas notebook
}


def _trends_without_model(sid, source=None, use_cache=True, **kw):
    """The trends flow; cold calls skip the scikit-learn fit, which is measured on its own (architecture.md §8)."""
    from tsi import data
    from tsi.data import params

    return data.run_flow("trends", sid, params.canonical_trends(**kw), source=source, use_cache=use_cache,
                         model=use_cache)


def _params(flow: str, sid: int) -> dict:
    return {"other_schedule_id": sid} if flow == "compare" else {}


@dataclass
class Timing:
    samples_ms: list[float] = field(default_factory=list)

    @property
    def min(self) -> float:
        return min(self.samples_ms)

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        s = sorted(self.samples_ms)
        return s[min(len(s) - 1, math.ceil(0.95 * len(s)) - 1)]

    def as_dict(self) -> dict:
        return {"min_ms": round(self.min, 3), "median_ms": round(self.median, 3), "p95_ms": round(self.p95, 3),
                "n": len(self.samples_ms)}


def _time_pair(fn: Callable[[], Any], ref: Callable[[], Any], repeat: int) -> tuple[Timing, Timing, Any]:
    """Time `fn` and `ref` alternately, `repeat` times each; returns both timings and fn's last result."""
    a, b = Timing(), Timing()
    out = None
    for _ in range(repeat):
        s = time.perf_counter()
        out = fn()
        a.samples_ms.append((time.perf_counter() - s) * 1e3)
        s = time.perf_counter()
        ref()
        b.samples_ms.append((time.perf_counter() - s) * 1e3)
    return a, b, out


def settle_writeback() -> None:
    """Write dirty pages out before timing (POSIX `sync`; a no-op where it does not exist)."""
    if hasattr(os, "sync"):
        os.sync()


def _time(fn: Callable[[], Any], repeat: int) -> tuple[Timing, Any]:
    t = Timing()
    out = None
    for _ in range(repeat):
        s = time.perf_counter()
        out = fn()
        t.samples_ms.append((time.perf_counter() - s) * 1e3)
    return t, out


# ------------------------------------------------------------------ the pandas peer

def pandas_notebook(db_path: str, schedule_id: int) -> dict:
    """What a scheduling scientist would write: read_sql + json + pandas for sky map, distributions, insights."""
    import sqlite3

    import pandas as pd

    con = sqlite3.connect(db_path)
    try:
        df = pd.read_sql(
            "SELECT b.scheduling_block_id, b.original_block_id, t.ra_deg, t.dec_deg, b.priority, "
            "b.requested_duration_sec, ac.min_alt_deg, ac.max_alt_deg, m.start_time_mjd, m.stop_time_mjd, "
            "b.visibility_periods_json FROM schedule_scheduling_blocks m "
            "JOIN scheduling_blocks b ON b.scheduling_block_id = m.scheduling_block_id "
            "JOIN targets t ON t.target_id = b.target_id "
            "LEFT JOIN constraints c ON c.constraints_id = b.constraints_id "
            "LEFT JOIN altitude_constraints ac ON ac.altitude_constraints_id = c.altitude_constraints_id "
            "WHERE m.schedule_id = ? ORDER BY b.scheduling_block_id", con, params=(schedule_id,))
    finally:
        con.close()

    def total_hours(text):
        if not isinstance(text, str) or not text:  # NULL arrives as NaN
            return 0.0
        ps = sorted((p["start"], p["stop"]) for p in json.loads(text))
        total, cur_s, cur_e = 0.0, None, None
        for s, e in ps:
            if cur_e is not None and s <= cur_e:
                cur_e = max(cur_e, e)
            else:
                if cur_e is not None:
                    total += (cur_e - cur_s) * 24
                cur_s, cur_e = s, e
        if cur_e is not None:
            total += (cur_e - cur_s) * 24
        return total

    df["total_visibility_hours"] = df["visibility_periods_json"].map(total_hours)
    df["requested_hours"] = df["requested_duration_sec"] / 3600
    df["elevation_range_deg"] = df["max_alt_deg"].fillna(90) - df["min_alt_deg"].fillna(0)
    df["scheduled"] = df["start_time_mjd"].notna() & (df["start_time_mjd"] - 51910.5).abs().gt(1e-6)
    lo, hi = df["priority"].min(), df["priority"].max()
    x = (df["priority"] - lo) / (hi - lo) if hi > lo else df["priority"] * 0
    df["priority_bin"] = np.select([x < 0.25, x < 0.5, x < 0.75], [1, 2, 3], 4)
    # sky map: Mollweide
    lam = np.radians(((df["ra_deg"] - 180 + 180) % 360) - 180)
    phi = np.radians(df["dec_deg"].to_numpy())
    theta = phi.copy()
    for _ in range(50):
        d = -(2 * theta + np.sin(2 * theta) - np.pi * np.sin(phi)) / (2 + 2 * np.cos(2 * theta) + 1e-300)
        theta += d
        if np.all(np.abs(d) < 1e-12):
            break
    df["x"] = -(2 * np.sqrt(2) / np.pi) * lam * np.cos(theta)
    df["y"] = np.sqrt(2) * np.sin(theta)
    cols = ["priority", "total_visibility_hours", "requested_hours", "elevation_range_deg"]
    stats = df[cols].agg(["count", "mean", "median", "std", "min", "max", "sum"])
    corr = df[cols].corr(method="spearman")
    sched = df[df["scheduled"]].sort_values("start_time_mjd")
    starts, stops = sched["start_time_mjd"].to_numpy(), sched["stop_time_mjd"].to_numpy()
    conflicts = int(sum(((starts[i + 1:] < stops[i]).sum()) for i in range(len(starts))))
    return {"stats": stats, "corr": corr, "rate": float(df["scheduled"].mean()), "conflicts": conflicts,
            "bins": df["priority_bin"].value_counts().to_dict()}


# ------------------------------------------------------------------ the run

def time_pandas_notebook_elsewhere(db_path: str, schedule_id: int, repeat: int) -> Timing:
    """Time the notebook in a child process, as a user's notebook would run: its Python `sqlite3` is a second
    copy of SQLite, and closing its connection in this process would drop the POSIX locks (and possibly the WAL
    files) of tsi's pooled connections to the same file (sqlite.org/howtocorrupt.html). Timed inside the child."""
    import subprocess
    import sys

    code = ("import json, sys, time; from tsi.bench import pandas_notebook\n"
            "out = []\n"
            "for _ in range(int(sys.argv[3])):\n"
            "    t = time.perf_counter(); pandas_notebook(sys.argv[1], int(sys.argv[2]))\n"
            "    out.append((time.perf_counter() - t) * 1e3)\n"
            "print(json.dumps(out))\n")
    r = subprocess.run([sys.executable, "-c", code, db_path, str(schedule_id), str(repeat)],
                       check=True, capture_output=True, text=True)
    return Timing(samples_ms=json.loads(r.stdout.strip().splitlines()[-1]))


def _ok(value: float | None, budget: float | None) -> str:
    if budget is None or value is None:
        return " "
    return "✓" if value <= budget else "✗"


def run(preset: str | None = "real", schedule_id: int | None = None, repeat: int = 20,
        flows: list[str] | None = None, browser: bool = False) -> dict:
    from tsi import data
    from tsi.config import get_settings, reset_settings

    flows = flows or FLOWS
    unknown = [f for f in flows if f not in FLOWS]
    if unknown:
        raise ValueError(f"unknown flow(s): {', '.join(unknown)}")
    result: dict[str, Any] = {"preset": preset, "repeat": repeat, "machine": {"cpus": os.cpu_count()}}
    tmp = None
    old_env = os.environ.get("TSI_DATABASE__SQLITE_PATH")
    # The facade logs one DEBUG line per flow call: thousands here, each written inside the timed region.
    flow_log = logging.getLogger("tsi.data")
    old_level = flow_log.level
    if flow_log.getEffectiveLevel() < logging.INFO:
        flow_log.setLevel(logging.INFO)
    try:
        if schedule_id is None:
            spec = PRESETS[preset]
            tmp = tempfile.TemporaryDirectory(prefix="tsi-bench-")
            db_path = str(Path(tmp.name) / "bench.sqlite3")
            os.environ["TSI_DATABASE__SQLITE_PATH"] = db_path
            reset_settings()
            data.reset()
            out = Path(tmp.name) / "files"
            t = time.perf_counter()
            gen = data.core().generate(str(out), spec["n_blocks"], seed=spec["seed"], days=spec["days"])
            result["generate_ms"] = round((time.perf_counter() - t) * 1e3, 1)
            sizes = {Path(f).name: Path(f).stat().st_size for f in gen["files"]}
            t = time.perf_counter()
            r = data.ingest(out / "schedule.json", out / "possible_periods.json", out / "dark_periods.json")
            ingest_ms = (time.perf_counter() - t) * 1e3
            schedule_id = r["schedule_id"]
            status = data.etl_status(schedule_id)[0]
            result["ingest"] = {"blocks": r["blocks"], "scheduled": r["scheduled"], "file_bytes": sizes,
                                "ingest_and_etl_ms": round(ingest_ms, 1),
                                "etl_ms": status["etl_duration_ms"],
                                "budget_ms": BUDGETS["ingest"].get(preset)}
            # The ~90 MB of generated files and the database are still being written back to disk: flush them
            # now, or the kernel's writeback competes with the timings below for the 2 CPUs (seen as batches
            # of one flow running ~0.9 ms slower).
            shutil.rmtree(out, ignore_errors=True)
            settle_writeback()
        else:
            preset = None
            result["preset"] = None
            from tsi.config import sqlite_path

            db_path = str(sqlite_path(get_settings()))
        result["schedule_id"] = schedule_id
        header = data.schedule_header(schedule_id, use_cache=False)
        n_blocks = len(data.sky_map(schedule_id, use_cache=False)["blocks"]["block_id"])
        result["blocks"] = n_blocks
        rows = []
        from tsi import _core
        from tsi.jsonout import dumps

        for flow in flows:
            fn = _trends_without_model if flow == "trends" else data.FLOW_FUNCTIONS[flow]
            p = _params(flow, schedule_id)
            row: dict[str, Any] = {"flow": flow}
            # "The same columns": what the ETL path reads for this request, as the core declares it.
            reads = _core.etl_read_columns(flow)

            def scan_once():
                return [_core.raw_scan(schedule_id, table, cols) for table, cols in reads]

            def legacy_once():
                return fn(schedule_id, source="legacy", use_cache=False, **p)

            def etl_once():
                return fn(schedule_id, source="etl", use_cache=False, **p)

            legacy_once()  # warm the page cache of SQLite
            row["legacy"] = _time(legacy_once, repeat)[0].as_dict()
            if header["analytics_state"] == "fresh":
                etl_once()
                scan_once()
                # The flow and its scan alternate, so a slow spell of the machine (these are shared VMs) falls on
                # both sides of the ratio instead of on one batch.
                timing, scan, payload = _time_pair(etl_once, scan_once, repeat)
                row["etl"] = timing.as_dict()
                row["payload_bytes"] = len(dumps(payload))
            else:
                row["etl"] = None
                scan, _ = _time(scan_once, repeat)
            # cached: fill, then time hits
            fn(schedule_id, **p)
            hit, _ = _time(lambda: fn(schedule_id, **p), max(repeat, 50))
            row["cached"] = hit.as_dict()
            if flow == "compare":  # reads the blocks of both schedules
                scan.samples_ms = [2 * s for s in scan.samples_ms]
            row["raw_scan"] = scan.as_dict()
            if row.get("etl"):
                row["etl_over_scan"] = round(row["etl"]["median_ms"] / scan.median, 2)
                row["etl_speedup"] = round(row["legacy"]["median_ms"] / row["etl"]["median_ms"], 2)
            rows.append(row)
        result["flows"] = rows
        if "trends" in flows:
            from tsi.analysis.trends_model import fit_trends_model

            t = data.trends(schedule_id, source="legacy", use_cache=False)
            b = t["blocks"]
            model, _ = _time(lambda: fit_trends_model(b["priority"], b["total_visibility_hours"],
                                                      b["requested_hours"], b["scheduled"]), max(3, repeat // 4))
            result["trends_model"] = model.as_dict()
        peer = time_pandas_notebook_elsewhere(db_path, schedule_id, max(3, repeat // 4))
        ours = sum(next(r for r in rows if r["flow"] == f)["etl"]["median_ms"]
                   for f in ("sky_map", "distributions", "insights") if any(r["flow"] == f and r.get("etl") for r in rows))
        ours_legacy = sum(next(r for r in rows if r["flow"] == f)["legacy"]["median_ms"]
                          for f in ("sky_map", "distributions", "insights") if any(r["flow"] == f for r in rows))
        result["pandas_peer"] = {"notebook": peer.as_dict(), "ours_etl_ms": round(ours, 3),
                                 "ours_legacy_ms": round(ours_legacy, 3),
                                 "ratio_etl": round(ours / peer.median, 4) if ours else None,
                                 "ratio_legacy": round(ours_legacy / peer.median, 4) if ours_legacy else None}
        if browser:
            result["browser"] = browser_timing(db_path, schedule_id)
        result["budgets"] = checks(result, preset)
        return result
    finally:
        flow_log.setLevel(old_level)
        if old_env is None:
            os.environ.pop("TSI_DATABASE__SQLITE_PATH", None)
        else:
            os.environ["TSI_DATABASE__SQLITE_PATH"] = old_env
        reset_settings()
        data.reset()
        if tmp is not None:
            tmp.cleanup()


def checks(result: dict, preset: str | None) -> list[dict]:
    """Every budget row with the measured value and a pass mark."""
    out = []

    def add(name, value, budget, unit="ms"):
        out.append({"measure": name, "value": value, "budget": budget, "unit": unit,
                    "ok": None if budget is None or value is None else value <= budget})

    if "ingest" in result:
        add("ingest + ETL", result["ingest"]["ingest_and_etl_ms"], BUDGETS["ingest"].get(preset))
    for r in result["flows"]:
        if r.get("etl"):
            add(f"{r['flow']} etl cold (median)", r["etl"]["median_ms"], BUDGETS["etl"].get(preset))
            add(f"{r['flow']} etl / raw scan", r["etl_over_scan"], BUDGETS["scan_ratio"], "×")
        add(f"{r['flow']} legacy cold (median)", r["legacy"]["median_ms"], BUDGETS["legacy"].get(preset))
        add(f"{r['flow']} cached (p95)", r["cached"]["p95_ms"], BUDGETS["cached"].get(preset or "real"))
    if "trends_model" in result:
        add("trends model fit (median)", result["trends_model"]["median_ms"], BUDGETS["trends_model"].get(preset))
    for path, t in (result.get("browser") or {}).items():
        add(f"page {path} drawn (median of {VISITS})", t["median_ms"], BUDGETS["page"].get(preset))
    peer = result["pandas_peer"]
    add("ours (etl) / pandas notebook", peer["ratio_etl"], BUDGETS["peer_ratio"], "×")
    add("ours (legacy) / pandas notebook", peer["ratio_legacy"], None, "×")
    return out


def format_table(result: dict) -> str:
    lines = [f"tsi bench — preset {result['preset'] or '-'}, schedule {result['schedule_id']}, "
             f"{result['blocks']} blocks, {result['repeat']} repeats, {result['machine']['cpus']} CPUs"]
    if "ingest" in result:
        i = result["ingest"]
        lines.append(f"ingest + ETL: {i['ingest_and_etl_ms']:.0f} ms (ETL {i['etl_ms']} ms), "
                     f"files {sum(i['file_bytes'].values()) / 1e6:.1f} MB")
    lines.append("")
    lines.append(f"{'flow':<15} {'legacy med':>10} {'etl min':>8} {'etl med':>8} {'etl p95':>8} {'cached':>7} "
                 f"{'scan':>7} {'etl/scan':>8} {'speed-up':>8} {'bytes':>10}")
    for r in result["flows"]:
        e = r.get("etl") or {}
        lines.append(f"{r['flow']:<15} {r['legacy']['median_ms']:>10.2f} {e.get('min_ms', float('nan')):>8.2f} "
                     f"{e.get('median_ms', float('nan')):>8.2f} {e.get('p95_ms', float('nan')):>8.2f} "
                     f"{r['cached']['median_ms']:>7.3f} {r['raw_scan']['median_ms']:>7.2f} "
                     f"{r.get('etl_over_scan', float('nan')):>8.2f} {r.get('etl_speedup', float('nan')):>8.2f} "
                     f"{r.get('payload_bytes', 0):>10,}")
    lines.append("")
    lines.append(f"{'measure':<36} {'value':>10} {'budget':>10}  ")
    for c in result["budgets"]:
        v = "-" if c["value"] is None else f"{c['value']:.3f}" if c["unit"] == "×" else f"{c['value']:.2f}"
        b = "-" if c["budget"] is None else f"{c['budget']:g}"
        mark = {True: "✓", False: "✗", None: " "}[c["ok"]]
        lines.append(f"{c['measure']:<36} {v:>10} {b:>10} {c['unit']:<2} {mark}")
    return "\n".join(lines)


# ------------------------------------------------------------------ the browser

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
