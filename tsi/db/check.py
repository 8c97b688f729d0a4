"""`tsi db check`: can the configured database be used? A diagnostic: it reports, it never raises."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tsi.config import get_settings, sqlite_path
from tsi.db.targets import driver_name, mask, masked_target
from tsi.secrets import mask_secrets


def check(settings: Any = None) -> dict:
    """``{backend, target (masked), driver, connected, server_version, schema_version, pending,
    read_committed_snapshot}``, plus ``error`` (masked) when something failed: then the check did not
    complete and :func:`usable` is false whatever else was filled in."""
    out: dict[str, Any] = {"backend": None, "target": None, "driver": None, "connected": False,
                           "server_version": None, "schema_version": None, "pending": [],
                           "read_committed_snapshot": None}
    try:
        s = settings if settings is not None else get_settings()
        backend = str(s.DATABASE.BACKEND)
        out["backend"] = backend
        out["target"] = masked_target(s)
    except Exception as e:  # invalid settings: report them
        out["error"] = mask_secrets(str(e))
        return out
    if backend == "mssql":
        _check_mssql(s, out)
        return out
    out["driver"] = f"sqlite3 (Python {sqlite3.version})"
    try:
        from tsi.db.migrate import pending

        out["pending"] = pending(s)
        # Read-only: this process also holds tsi's own SQLite (bundled in tsi._core) on the file, and a second
        # SQLite copy that could write would checkpoint and delete the WAL under it when closing.
        con = sqlite3.connect(Path(sqlite_path(s)).resolve().as_uri() + "?mode=ro", uri=True)
        try:
            out["server_version"] = "SQLite " + con.execute("select sqlite_version()").fetchone()[0]
            row = con.execute("select max(version) from tsi_schema_migrations").fetchone()
            out["schema_version"] = row[0]
        finally:
            con.close()
        out["connected"] = True
    except Exception as e:  # report, never raise: this is the diagnostic command
        out["error"] = mask_secrets(str(e))
    return out


def usable(report: dict) -> bool:
    """The database can be used as it is: connected, checked to the end, nothing pending."""
    return bool(report.get("connected")) and "error" not in report and not report.get("pending")


def _check_mssql(s: Any, out: dict[str, Any]) -> None:
    from tsi.db import migrate
    from tsi.db.tsql import migrations

    conn = None
    try:
        out["driver"] = driver_name(s)
        conn = migrate.connect_mssql(s)
        out["connected"] = True
        try:
            import pyodbc

            out["driver"] = (f"{out['driver']} ({conn.getinfo(pyodbc.SQL_DRIVER_NAME)} "
                             f"{conn.getinfo(pyodbc.SQL_DRIVER_VER)})")
        except Exception:
            pass
        rows = migrate.fetch_all(conn, "SELECT @@VERSION")
        version = rows[0][0] if rows else None
        out["server_version"] = str(version).strip().splitlines()[0].strip() if version else None
        done = migrate.applied_versions(conn, migrate.MSSQL)
        out["schema_version"] = max(done) if done else None
        scripts = migrations("mssql")
        out["pending"] = [m.version for m in scripts if m.version not in set(done)]
        newer = migrate.newer_schema_message(done, scripts)
        if newer:
            out["error"] = newer
        rows = migrate.fetch_all(conn, "SELECT is_read_committed_snapshot_on FROM sys.databases WHERE name = DB_NAME()")
        out["read_committed_snapshot"] = None if not rows or rows[0][0] is None else bool(rows[0][0])
    except Exception as e:  # report, never raise
        out["error"] = mask(str(e), s)
    finally:
        if conn is not None:
            migrate._close(conn)
