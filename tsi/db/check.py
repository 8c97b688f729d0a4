"""`tsi db check`: can the configured database be used?"""

from __future__ import annotations

import sqlite3

from tsi.config import get_settings, sqlite_path
from tsi.secrets import mask_secrets, masked_target


def check() -> dict:
    s = get_settings()
    backend = str(s.DATABASE.BACKEND)
    out = {"backend": backend, "target": masked_target(s), "driver": None, "connected": False,
           "server_version": None, "schema_version": None, "pending": [], "read_committed_snapshot": None}
    if backend != "sqlite":
        out["error"] = "SQL Server backend is not available in this release"
        return out
    out["driver"] = f"sqlite3 (Python {sqlite3.version})"
    try:
        from tsi.db.migrate import pending

        out["pending"] = pending()
        con = sqlite3.connect(str(sqlite_path(s)))
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
