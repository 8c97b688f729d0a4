"""Hand-made schedule documents for tests (F1 and F2), written as JSON files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def f1_block(bid: Any, priority: float = 5.0, ra: float = 100.0, dec: float = 20.0, requested: float = 1800,
             min_obs: float = 1200, min_alt: float = 40.0, max_alt: float = 90.0, min_az: float = 0.0,
             max_az: float = 360.0, scheduled: tuple[float, float] | None = None,
             fixed: tuple[float, float] | None = None, name: str | None = None) -> dict:
    tc: dict[str, Any] = {"minObservationTimeInSec": min_obs, "requestedDurationSec": requested,
                          "fixedStartTime": [], "fixedStopTime": []}
    if fixed:
        tc["fixedStartTime"] = [{"format": "MJD", "scale": "UTC", "value": fixed[0]}]
        tc["fixedStopTime"] = [{"format": "MJD", "scale": "UTC", "value": fixed[1]}]
    b: dict[str, Any] = {
        "schedulingBlockId": bid,
        "priority": priority,
        "target": {"position_": {"coord": {"celestial": {"raInDeg": ra, "decInDeg": dec}}}},
        "schedulingBlockConfiguration_": {"constraints_": {
            "elevationConstraint_": {"minElevationAngleInDeg": min_alt, "maxElevationAngleInDeg": max_alt},
            "azimuthConstraint_": {"minAzimuthAngleInDeg": min_az, "maxAzimuthAngleInDeg": max_az},
            "timeConstraint_": tc}},
    }
    if name:
        b["target"]["name"] = name
    if scheduled:
        b["scheduled_period"] = {"startTime": {"format": "MJD", "scale": "UTC", "value": scheduled[0]},
                                 "stopTime": {"format": "MJD", "scale": "UTC", "value": scheduled[1]}}
    return b


def period_a(start: float, stop: float) -> dict:
    return {"startTime": {"format": "MJD", "scale": "UTC", "value": start},
            "stopTime": {"format": "MJD", "scale": "UTC", "value": stop}}


def write_f1(d: Path, blocks: list[dict], visibility: dict[str, list[tuple[float, float]]] | None = None,
             dark: list[tuple[float, float]] | None = None, stem: str = "schedule") -> tuple[Path, Path | None, Path | None]:
    d.mkdir(parents=True, exist_ok=True)
    s = d / f"{stem}.json"
    s.write_text(json.dumps({"SchedulingBlock": blocks}))
    v = dk = None
    if visibility is not None:
        v = d / f"{stem}_possible_periods.json"
        v.write_text(json.dumps({"SchedulingBlock": {k: [period_a(a, b) for a, b in ps]
                                                     for k, ps in visibility.items()}}))
    if dark is not None:
        dk = d / f"{stem}_dark_periods.json"
        dk.write_text(json.dumps({"dark_periods": [{"start_mjd": a, "end_mjd": b} for a, b in dark]}))
    return s, v, dk


def write_json(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return path


def ingest_dir(d: Path, name: str | None = None) -> dict:
    """Ingest a generated directory (F1 triple or F2 single file)."""
    from tsi import data

    if (d / "possible_periods.json").exists():
        return data.ingest(d / "schedule.json", d / "possible_periods.json", d / "dark_periods.json", name=name)
    return data.ingest(d / "schedule.json", name=name)


_SQL_CHILD = """
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
out = [con.execute(sql, params).fetchall() for sql, params in json.loads(sys.argv[2])]
con.commit()
con.close()
print(json.dumps(out))
"""


def sql_elsewhere(db, *statements: str | tuple[str, tuple]) -> list[list]:
    """Run SQL statements on the SQLite file from another process, in one transaction; rows of each.

    Never open the database with Python's sqlite3 in the test process while tsi's pool has it open: that is a
    second copy of SQLite in one process, and closing its connection drops the process's POSIX locks and may
    delete the WAL files under the pool's open connections ("disk I/O error"; sqlite.org/howtocorrupt.html).
    """
    batch = [(s, []) if isinstance(s, str) else (s[0], list(s[1])) for s in statements]
    r = subprocess.run([sys.executable, "-c", _SQL_CHILD, str(db), json.dumps(batch)],
                       check=True, capture_output=True, text=True)
    return json.loads(r.stdout)


def alter_analytics_priority(db, schedule_id: int, delta: float = 100.0) -> None:
    """Change one analytics row behind TSI's back (its analytics stay 'fresh'): the ETL path now differs."""
    sql_elsewhere(db, ("update analytics_schedule_blocks_analytics set priority = priority + ? where id = "
                       "(select min(id) from analytics_schedule_blocks_analytics where schedule_id = ?)",
                       (delta, schedule_id)))
