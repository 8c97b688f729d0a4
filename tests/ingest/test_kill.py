"""A process killed during ingest leaves a consistent database: no partial schedule, no orphan rows."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _consistent(db: Path) -> dict:
    con = sqlite3.connect(db)
    try:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
        schedules = [r[0] for r in con.execute("select schedule_id from schedules")]
        for sid in schedules:
            assert con.execute("select count(*) from analytics_schedule_summary_analytics where schedule_id=?",
                               (sid,)).fetchone()[0] == 1, "a stored schedule always has its analytics"
        orphans = con.execute("select count(*) from scheduling_blocks b where not exists "
                              "(select 1 from schedule_scheduling_blocks m where m.scheduling_block_id = b.scheduling_block_id)"
                              ).fetchone()[0]
        assert orphans == 0
        stray = con.execute("select count(*) from analytics_schedule_blocks_analytics a where not exists "
                            "(select 1 from schedules s where s.schedule_id = a.schedule_id)").fetchone()[0]
        assert stray == 0
        return {"schedules": len(schedules)}
    finally:
        con.close()


def test_sigkill_during_ingest_leaves_no_partial_schedule(tmp_path):
    from tsi import _core

    src = tmp_path / "big"
    _core.generate(str(src), 3000, seed=4, days=90.0)
    db = tmp_path / "kill.sqlite3"
    env = dict(os.environ, TSI_ENV="testing", TSI_DATABASE__SQLITE_PATH=str(db))
    code = ("from tsi import data; data.list_schedules(use_cache=False); print('ready', flush=True); "
            f"data.ingest({str(src / 'schedule.json')!r}, {str(src / 'possible_periods.json')!r}, "
            f"{str(src / 'dark_periods.json')!r})")
    killed_mid_ingest = 0
    for delay in (0.05, 0.15, 0.3):
        p = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE)
        assert p.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
            killed_mid_ingest += 1
        p.wait(timeout=60)
        state = _consistent(db)
        assert state["schedules"] in (0, 1)
    assert killed_mid_ingest >= 1, "the ingest finished before any kill; make the input bigger"
    # The database is still usable: a complete ingest succeeds afterwards.
    env_ok = subprocess.run([sys.executable, "-c", code.replace("print('ready', flush=True); ", "")],
                            cwd=ROOT, env=env, timeout=120)
    assert env_ok.returncode == 0
    assert _consistent(db)["schedules"] == 1
