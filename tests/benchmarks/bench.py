"""`tsi bench`: measure ingest + ETL and every flow on both paths against the budgets of architecture.md §8,
with two references measured in the same run on the same database:

* the limit — a raw scan (in Rust) of the analytics columns the ETL path reads for the flow's default request;
* the peer — what a user would otherwise do: a pandas notebook (`pandas.read_sql` over the normalized tables,
  `json.loads` of the visibility, numpy/pandas statistics) computing the sky-map, distributions and insights
  figures (peer.py).

Presets generate a schedule into a temporary SQLite database, so the configured database is untouched. The
references use bindings that only a development build of `tsi._core` has (cargo feature `testing`).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from .browser import PAGES, VISITS, browser_timing
from .peer import pandas_notebook, samples_elsewhere
from .presets import BUDGETS, FLOWS, PRESETS
from .report import checks, format_table
from .timing import Timing, settle_writeback, time_calls, time_pair

SHADOW_ENV = "TSI_MIGRATION__SHADOW_RATE"

__all__ = ["BUDGETS", "FLOWS", "PAGES", "PRESETS", "VISITS", "browser_timing", "checks", "format_table",
           "pandas_notebook", "run"]


def _trends_without_model(sid, source=None, use_cache=True, **kw):
    """The trends flow; cold calls skip the scikit-learn fit, which is measured on its own (architecture.md §8)."""
    from tsi import data
    from tsi.data import params

    return data.run_flow("trends", sid, params.canonical_trends(**kw), source=source, use_cache=use_cache,
                         model=use_cache)


def _params(flow: str, sid: int) -> dict:
    return {"other_schedule_id": sid} if flow == "compare" else {}


def _time_misses(fn: Callable[[], Any], repeat: int) -> Timing:
    """A cache miss as a user meets it: the cache emptied (not timed), then the flow through the cache."""
    from tsi.data import cache

    t = Timing()
    for _ in range(repeat):
        cache.reset()
        s = time.perf_counter()
        fn()
        t.samples_ms.append((time.perf_counter() - s) * 1e3)
    return t


def ingest_elsewhere(db_path: str, files: tuple[Path, Path, Path]) -> tuple[dict, float]:
    """`tsi ingest` in its own process, as an operator runs it, with the per-file limit raised for files of
    gigabytes; returns its result and its peak resident memory (MB, from the kernel's accounting)."""
    import json
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("TSI_")}
    env.update(TSI_DATABASE__SQLITE_PATH=db_path, TSI_UPLOAD__MAX_BYTES=str(8 << 30), TSI_LOG_LEVEL="WARNING",
               TSI_ENV=os.environ.get("TSI_ENV", "development"))
    tsi = str(Path(sys.executable).parent / "tsi")
    proc = subprocess.Popen([tsi, "ingest", str(files[0]), "--visibility", str(files[1]), "--dark", str(files[2])],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"tsi ingest failed: {err.decode(errors='replace')[-2000:]}")
    import resource

    # The largest of this process's waited-for children so far: the ingest is the first big one of a run.
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return json.loads(out), round(peak_kb / 1024, 1)


def _shadow_outcomes() -> dict[str, int]:
    from tsi import metrics

    out: dict[str, int] = {}
    for flow in FLOWS:
        for result in metrics.SHADOW_RESULTS:
            out[result] = out.get(result, 0) + int(metrics.sample("tsi_shadow_comparisons_total",
                                                                  {"flow": flow, "result": result}))
    return out


def run(preset: str | None = "real", schedule_id: int | None = None, repeat: int = 20,
        flows: list[str] | None = None, browser: bool = False, shadow_rate: float | None = None,
        users: int | None = None, load_seconds: float = 30.0) -> dict:
    """Measure ingest and every flow. ``shadow_rate`` runs with ``MIGRATION.SHADOW_RATE`` set (the cached and
    miss timings then carry the shadow comparison's cost, operations.md §4)."""
    from tsi import data
    from tsi.config import get_settings, reset_settings

    flows = flows or FLOWS
    unknown = [f for f in flows if f not in FLOWS]
    if unknown:
        raise ValueError(f"unknown flow(s): {', '.join(unknown)}")
    result: dict[str, Any] = {"preset": preset, "repeat": repeat, "machine": {"cpus": os.cpu_count()}}
    tmp = None
    old_env = os.environ.get("TSI_DATABASE__SQLITE_PATH")
    old_shadow = os.environ.get(SHADOW_ENV)
    outcomes_before = _shadow_outcomes()  # the counters are the process's: report this run's share
    if shadow_rate is not None:
        os.environ[SHADOW_ENV] = str(float(shadow_rate))
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
            if preset == "catalogue":
                from .catalogue import catalogue_timing, fill_catalogue

                result["catalogue"] = fill_catalogue(out, spec["schedules"], spec["n_blocks"], spec["days"])
                result["catalogue"].update(catalogue_timing(db_path))
                result["flows"] = []
                result["budgets"] = checks(result, preset)
                return result
            t = time.perf_counter()
            gen = data.core().generate(str(out), spec["n_blocks"], seed=spec["seed"], days=spec["days"])
            result["generate_ms"] = round((time.perf_counter() - t) * 1e3, 1)
            sizes = {Path(f).name: Path(f).stat().st_size for f in gen["files"]}
            files = (out / "schedule.json", out / "possible_periods.json", out / "dark_periods.json")
            peak_mb = None
            t = time.perf_counter()
            if spec.get("ingest_process"):
                r, peak_mb = ingest_elsewhere(db_path, files)
                data.reset()
            else:
                r = data.ingest(*files)
            ingest_ms = (time.perf_counter() - t) * 1e3
            schedule_id = r["schedule_id"]
            status = data.etl_status(schedule_id)[0]
            result["ingest"] = {"blocks": r["blocks"], "scheduled": r["scheduled"], "file_bytes": sizes,
                                "ingest_and_etl_ms": round(ingest_ms, 1),
                                "etl_ms": status["etl_duration_ms"], "peak_rss_mb": peak_mb,
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
        if users:  # many users at once: the load test only (load.py)
            from .load import load_test

            result["load"] = load_test(db_path, [schedule_id], users=users, seconds=load_seconds)
            result["flows"] = []
            result["budgets"] = checks(result, preset)
            return result
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
            row["legacy"] = time_calls(legacy_once, repeat)[0].as_dict()
            if header["analytics_state"] == "fresh":
                etl_once()
                scan_once()
                # The flow and its scan alternate, so a slow spell of the machine (these are shared VMs) falls on
                # both sides of the ratio instead of on one batch.
                timing, scan, payload = time_pair(etl_once, scan_once, repeat)
                row["etl"] = timing.as_dict()
                row["payload_bytes"] = len(dumps(payload))
            else:
                row["etl"] = None
                scan, _ = time_calls(scan_once, repeat)
            # cached: fill, then time hits
            fn(schedule_id, **p)
            hit, _ = time_calls(lambda: fn(schedule_id, **p), max(repeat, 50))
            row["cached"] = hit.as_dict()
            row["miss"] = _time_misses(lambda: fn(schedule_id, **p), repeat).as_dict()
            if flow == "compare":  # reads the blocks of both schedules
                scan.samples_ms = [2 * s for s in scan.samples_ms]
            row["raw_scan"] = scan.as_dict()
            if row.get("etl"):
                row["etl_over_scan"] = round(row["etl"]["median_ms"] / scan.median, 2)
                row["etl_speedup"] = round(row["legacy"]["median_ms"] / row["etl"]["median_ms"], 2)
            rows.append(row)
        result["flows"] = rows
        from tsi.migration import shadow

        shadow.drain(120)
        after = _shadow_outcomes()
        result["shadow"] = {"rate": float(get_settings().MIGRATION.SHADOW_RATE),
                            "outcomes": {k: after[k] - outcomes_before.get(k, 0) for k in after}}
        if "trends" in flows:
            from tsi.analysis.trends_model import fit_trends_model

            t = data.trends(schedule_id, source="legacy", use_cache=False)
            b = t["blocks"]
            model, _ = time_calls(lambda: fit_trends_model(b["priority"], b["total_visibility_hours"],
                                                           b["requested_hours"], b["scheduled"]),
                                  max(3, repeat // 4))
            result["trends_model"] = model.as_dict()
        peer = Timing(samples_ms=samples_elsewhere(db_path, schedule_id, max(3, repeat // 4)))
        ours = sum(next(r for r in rows if r["flow"] == f)["etl"]["median_ms"]
                   for f in ("sky_map", "distributions", "insights") if any(r["flow"] == f and r.get("etl") for r in rows))
        ours_legacy = sum(next(r for r in rows if r["flow"] == f)["legacy"]["median_ms"]
                          for f in ("sky_map", "distributions", "insights") if any(r["flow"] == f for r in rows))
        result["pandas_peer"] = {"notebook": peer.as_dict(), "ours_etl_ms": round(ours, 3),
                                 "ours_legacy_ms": round(ours_legacy, 3),
                                 "ratio_etl": round(ours / peer.median, 4) if ours else None,
                                 "ratio_legacy": round(ours_legacy / peer.median, 4) if ours_legacy else None}
        if browser:
            memory: dict[str, float] = {}
            result["browser"] = browser_timing(db_path, schedule_id, memory=memory)
            result["worker_peak_mb"] = memory
        result["budgets"] = checks(result, preset)
        return result
    finally:
        flow_log.setLevel(old_level)
        if old_env is None:
            os.environ.pop("TSI_DATABASE__SQLITE_PATH", None)
        else:
            os.environ["TSI_DATABASE__SQLITE_PATH"] = old_env
        if old_shadow is None:
            os.environ.pop(SHADOW_ENV, None)
        else:
            os.environ[SHADOW_ENV] = old_shadow
        reset_settings()
        data.reset()
        if tmp is not None:
            tmp.cleanup()
