"""`tsi db upgrade` and the pending-migration check (data-model.md §7).

* SQLite: the migrations are applied by the native store (also automatically on start-up).
* SQL Server: the T-SQL scripts of ``tsi/db/migrations/mssql`` are applied here through pyodbc, only by
  ``tsi db upgrade``. Each script runs in its own transaction: all of its ``GO`` batches, then its row in
  ``dbo.tsi_schema_migrations``, then COMMIT; any error rolls the script back and raises a
  :class:`~tsi.errors.DatabaseError` naming the script and the batch. The app refuses to start while scripts
  are pending (:func:`require_current`).

The runner itself (:func:`apply_pending`, :func:`pending_versions`) takes an open DB-API connection, the list of
scripts and a :class:`Dialect`, so its ledger/transaction/rollback mechanics can be exercised through any ODBC
driver (the tests use SQLite's) with stand-in scripts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Sequence

from tsi.config import get_settings, sqlite_path
from tsi.db.targets import driver_name, mask, masked_target, mssql_connection_string
from tsi.db.tsql import Migration, migrations, split_batches
from tsi.errors import ConfigError, DatabaseError

__all__ = [
    "Dialect",
    "MSSQL",
    "upgrade",
    "pending",
    "require_current",
    "connect_mssql",
    "apply_pending",
    "pending_versions",
    "applied_versions",
    "ensure_ledger",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dialect:
    """The SQL the runner needs besides the scripts themselves."""

    name: str
    ledger: str  # qualified name of the ledger table
    create_ledger: str  # idempotent DDL for the ledger
    ledger_exists: str  # one row, one column: non-NULL when the ledger exists
    now: str  # expression for applied_at
    session_setup: tuple[str, ...] = ()  # run once per connection, outside the migration transactions
    lock: str | None = None  # first batch of each migration transaction: serializes concurrent upgrades


MSSQL = Dialect(
    name="mssql",
    ledger="dbo.tsi_schema_migrations",
    create_ledger=(
        "IF OBJECT_ID(N'dbo.tsi_schema_migrations', N'U') IS NULL\n"
        "    CREATE TABLE dbo.tsi_schema_migrations (\n"
        "        version       INT NOT NULL CONSTRAINT PK_tsi_schema_migrations PRIMARY KEY,\n"
        "        name          NVARCHAR(200) NULL,\n"
        "        script_sha256 NVARCHAR(64) NULL,\n"
        "        applied_at    DATETIMEOFFSET(3) NULL\n"
        "            CONSTRAINT DF_tsi_schema_migrations_applied_at DEFAULT SYSUTCDATETIME()\n"
        "    );"
    ),
    ledger_exists="SELECT OBJECT_ID(N'dbo.tsi_schema_migrations', N'U')",
    now="TODATETIMEOFFSET(SYSUTCDATETIME(), '+00:00')",
    # The SET options SQL Server requires to create (and later write to) tables with filtered indexes — ODBC
    # drivers normally set them already; ARITHABORT is set explicitly. XACT_ABORT: any run-time error aborts
    # and rolls back the whole transaction, never only the failing statement.
    session_setup=(
        "SET ANSI_NULLS, ANSI_PADDING, ANSI_WARNINGS, ARITHABORT, CONCAT_NULL_YIELDS_NULL, QUOTED_IDENTIFIER ON; "
        "SET NUMERIC_ROUNDABORT OFF; SET XACT_ABORT ON;",
    ),
    # An application lock owned by the transaction: concurrent `tsi db upgrade` runs apply each script once.
    # With autocommit off the drivers use implicit transactions, which EXEC does not open: the SELECT from a
    # table does, so the lock is owned by the script's transaction.
    lock=(
        "DECLARE @rc INT, @n INT;\n"
        "SELECT @n = COUNT(*) FROM dbo.tsi_schema_migrations;\n"
        "IF @@TRANCOUNT = 0\n"
        "    RAISERROR(N'No transaction is open: the migration connection must not use autocommit.', 16, 1);\n"
        "ELSE\n"
        "BEGIN\n"
        "    EXEC @rc = sp_getapplock @Resource = N'tsi_schema_migrations', @LockMode = N'Exclusive',\n"
        "         @LockOwner = N'Transaction', @LockTimeout = 60000;\n"
        "    IF @rc < 0\n"
        "        RAISERROR(N'Another tsi db upgrade holds the migration lock (waited 60 s).', 16, 1);\n"
        "END"
    ),
)


# --------------------------------------------------------------------------------------------- public API


def upgrade(settings: Any = None) -> list[int]:
    """Apply the pending migrations of the configured database; return the versions applied."""
    s = settings if settings is not None else get_settings()
    backend = str(s.DATABASE.BACKEND)
    if backend == "sqlite":
        from tsi import _core

        return list(_core.db_upgrade(str(sqlite_path(s))))
    conn = connect_mssql(s)
    try:
        return apply_pending(conn, migrations("mssql"), MSSQL, settings=s)
    finally:
        _close(conn)


def pending(settings: Any = None) -> list[int]:
    """Versions of the migration scripts not yet recorded in the ledger of the configured database."""
    s = settings if settings is not None else get_settings()
    if str(s.DATABASE.BACKEND) == "sqlite":
        from tsi import _core

        return list(_core.db_pending(str(sqlite_path(s))))
    conn = connect_mssql(s)
    try:
        return pending_versions(conn, migrations("mssql"), MSSQL, settings=s)
    finally:
        _close(conn)


def require_current(settings: Any = None) -> None:
    """Refuse to start on SQL Server while migrations are pending (``tsi run``).

    Raises :class:`ConfigError` naming the pending versions and the command to run, or
    :class:`DatabaseError` when the database cannot be reached. SQLite needs nothing: the native store applies
    its migrations when it opens.
    """
    s = settings if settings is not None else get_settings()
    if str(s.DATABASE.BACKEND) != "mssql":
        return
    todo = pending(s)
    if todo:
        versions = ", ".join(str(v) for v in todo)
        message = f"Database schema is not up to date (pending migrations: {versions}). Run `tsi db upgrade`."
        raise ConfigError(message, [message])


# --------------------------------------------------------------------------------------------- connection


def _pyodbc():
    try:
        import pyodbc
    except ImportError as e:  # pragma: no cover - depends on the installation
        raise ConfigError(
            "DATABASE.BACKEND 'mssql' needs the Python package pyodbc (pip install pyodbc) and unixODBC",
            ["pyodbc is not installed"],
        ) from e
    return pyodbc


def _sqlstate(error: BaseException) -> str | None:
    args = getattr(error, "args", ())
    if args and isinstance(args[0], str) and len(args[0]) == 5 and args[0].isalnum():
        return args[0]
    return None


def _error_text(error: BaseException) -> str:
    args = getattr(error, "args", ())
    if len(args) >= 2 and isinstance(args[1], str):
        return args[1]
    return str(error)


def connect_mssql(settings: Any = None, *, autocommit: bool = False):
    """A pyodbc connection to the configured SQL Server.

    The login timeout is ``DATABASE.MSSQL.LOGIN_TIMEOUT``. Any failure becomes a :class:`DatabaseError` with a
    masked message (target ``server:port/database``, driver, the driver's own message) and its SQLSTATE.
    """
    s = settings if settings is not None else get_settings()
    pyodbc = _pyodbc()
    connection_string = mssql_connection_string(s)
    timeout = int(s.DATABASE.MSSQL.get("LOGIN_TIMEOUT") or 0)
    try:
        conn = pyodbc.connect(connection_string, autocommit=autocommit, timeout=timeout)
    except pyodbc.Error as e:
        driver = driver_name(s)
        hint = ""
        if "can't open lib" in str(e).lower() or "data source name not found" in str(e).lower():
            hint = " Is the ODBC driver installed (odbcinst -q -d)?"
        raise DatabaseError(
            mask(
                f"Cannot connect to SQL Server {masked_target(s)} with driver '{driver}': {_error_text(e)}.{hint}",
                s,
            ),
            _sqlstate(e),
        ) from None
    try:
        for statement in MSSQL.session_setup:
            _run(conn.cursor(), statement)
    except pyodbc.Error as e:
        _close(conn)
        raise DatabaseError(mask(f"Cannot set up the session: {_error_text(e)}", s), _sqlstate(e)) from None
    return conn


def _close(conn: Any) -> None:
    try:
        conn.rollback()
    except Exception:
        pass
    try:
        conn.close()
    except Exception:
        pass


# --------------------------------------------------------------------------------------------- runner


def _run(cursor: Any, sql: str, *params: Any) -> None:
    """Execute and consume every result set, so an error raised by a later statement of a batch surfaces."""
    cursor.execute(sql, *params)
    while True:
        try:
            more = cursor.nextset()
        except Exception as e:  # some drivers raise instead of returning False at the end
            if "No results" in str(e) or "not supported" in str(e).lower():
                break
            raise
        if not more:
            break


def ensure_ledger(conn: Any, dialect: Dialect) -> None:
    """Create the ledger table when missing (its own small transaction)."""
    try:
        _run(conn.cursor(), dialect.create_ledger)
        conn.commit()
    except Exception:
        try:
            conn.rollback()
        except Exception:
            pass
        raise


def fetch_all(conn: Any, sql: str, *params: Any) -> list:
    """Every row of a query, with the cursor closed before returning. FreeTDS allows one active statement per
    connection: a result left unread makes the next statement fail with "Invalid cursor state"."""
    cursor = conn.cursor()
    try:
        return cursor.execute(sql, *params).fetchall()
    finally:
        cursor.close()


def _ledger_exists(conn: Any, dialect: Dialect) -> bool:
    rows = fetch_all(conn, dialect.ledger_exists)
    return bool(rows) and rows[0][0] is not None


def applied_versions(conn: Any, dialect: Dialect) -> list[int]:
    """Versions recorded in the ledger (empty when there is no ledger yet)."""
    if not _ledger_exists(conn, dialect):
        return []
    return [int(r[0]) for r in fetch_all(conn, f"SELECT version FROM {dialect.ledger} ORDER BY version")]


def newer_schema_message(applied: Sequence[int], scripts: Sequence[Migration]) -> str | None:
    """The refusal for a database migrated by a newer build (operations.md §3), or None."""
    newest = max(applied, default=0)
    ours = max((m.version for m in scripts), default=0)
    return f"schema {newest} is newer than this build's {ours}; upgrade TSI" if newest > ours else None


def pending_versions(conn: Any, scripts: Sequence[Migration], dialect: Dialect, *, settings: Any = None) -> list[int]:
    """Versions of ``scripts`` that the ledger does not record. Never writes."""
    try:
        done = set(applied_versions(conn, dialect))
    except Exception as e:
        raise DatabaseError(mask(f"Cannot read {dialect.ledger}: {_error_text(e)}", settings), _sqlstate(e)) from None
    _refuse_newer(done, scripts)
    return [m.version for m in scripts if m.version not in done]


def _refuse_newer(done: Any, scripts: Sequence[Migration]) -> None:
    message = newer_schema_message(sorted(done), scripts)
    if message:
        raise DatabaseError(message)


def apply_pending(conn: Any, scripts: Sequence[Migration], dialect: Dialect, *, settings: Any = None) -> list[int]:
    """Apply the scripts the ledger does not record, in version order, each in its own transaction.

    Per script: (lock), re-check the ledger, every batch, the ledger row, COMMIT. On any error the script's
    transaction is rolled back and a :class:`DatabaseError` names the script and the batch; scripts committed
    before it stay applied. Returns the versions applied by this call.
    """
    try:
        ensure_ledger(conn, dialect)
        done = set(applied_versions(conn, dialect))
    except Exception as e:
        raise DatabaseError(
            mask(f"Cannot create or read {dialect.ledger}: {_error_text(e)}", settings), _sqlstate(e)
        ) from None
    _refuse_newer(done, scripts)

    applied: list[int] = []
    for m in sorted(scripts, key=lambda m: m.version):
        if m.version in done:
            continue
        batches = split_batches(m.sql)
        step = "start"
        cursor = conn.cursor()
        try:
            if dialect.lock:
                step = "migration lock"
                _run(cursor, dialect.lock)
                # Another upgrade may have applied it while we waited for the lock.
                if cursor.execute(f"SELECT 1 FROM {dialect.ledger} WHERE version = ?", m.version).fetchall():
                    conn.rollback()
                    continue
            for number, batch in enumerate(batches, 1):
                step = f"batch {number} of {len(batches)}"
                _run(cursor, batch)
            step = f"ledger row in {dialect.ledger}"
            _run(
                cursor,
                f"INSERT INTO {dialect.ledger} (version, name, script_sha256, applied_at) "
                f"VALUES (?, ?, ?, {dialect.now})",
                m.version,
                m.name,
                m.sha256,
            )
            step = "commit"
            conn.commit()
        except Exception as e:
            try:
                conn.rollback()
            except Exception:
                pass
            raise DatabaseError(
                mask(f"Migration {m.name} failed at {step} (rolled back): {_error_text(e)}", settings),
                _sqlstate(e),
            ) from None
        log.info("Applied migration %s (%d batches)", m.name, len(batches))
        applied.append(m.version)
        done.add(m.version)
    return applied
