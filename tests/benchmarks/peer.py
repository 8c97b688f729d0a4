"""The peer: what a scheduling scientist would otherwise write — a pandas notebook (`pandas.read_sql` over the
normalized tables, `json.loads` of the visibility, numpy/pandas statistics) computing the sky-map,
distributions and insights numbers. It runs in a child process, as a user's notebook would.

Run as a script (`peer.py DB SCHEDULE_ID REPEAT`) it prints the JSON list of its own timings in milliseconds; it
imports nothing from tsi or from the other benchmark modules."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np


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


def samples_here(db_path: str, schedule_id: int, repeat: int) -> list[float]:
    """Run the notebook `repeat` times in this process; milliseconds per run."""
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        pandas_notebook(db_path, schedule_id)
        out.append((time.perf_counter() - t) * 1e3)
    return out


def samples_elsewhere(db_path: str, schedule_id: int, repeat: int) -> list[float]:
    """Time the notebook in a child process, as a user's notebook would run: its Python `sqlite3` is a second
    copy of SQLite, and closing its connection in this process would drop the POSIX locks (and possibly the WAL
    files) of tsi's pooled connections to the same file (sqlite.org/howtocorrupt.html). Timed inside the child,
    which runs this file as a script (runpy leaves sys.path alone, so the benchmark's own modules shadow
    nothing there)."""
    launch = "import runpy, sys; sys.argv.pop(0); runpy.run_path(sys.argv[0], run_name='__main__')"
    r = subprocess.run([sys.executable, "-c", launch, __file__, db_path, str(schedule_id), str(repeat)],
                       check=True, capture_output=True, text=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(samples_here(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))
