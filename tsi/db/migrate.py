"""`tsi db upgrade`. SQLite migrations are applied by the native store (also automatically on start-up)."""

from __future__ import annotations

from tsi.config import get_settings, sqlite_path
from tsi.errors import ConfigError


def upgrade() -> list[int]:
    s = get_settings()
    backend = str(s.DATABASE.BACKEND)
    if backend == "sqlite":
        from tsi import _core

        return list(_core.db_upgrade(str(sqlite_path(s))))
    raise ConfigError("SQL Server migrations (tsi/db/migrations/mssql) are not available in this release; "
                      "use DATABASE.BACKEND = 'sqlite'")


def pending() -> list[int]:
    s = get_settings()
    if str(s.DATABASE.BACKEND) == "sqlite":
        from tsi import _core

        return list(_core.db_pending(str(sqlite_path(s))))
    raise ConfigError("SQL Server backend is not available in this release")
