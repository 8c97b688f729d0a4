"""Exception hierarchy of TSI (architecture.md §5).

Python owns these classes; the Rust core looks them up once per process and raises them, constructing them
positionally with exactly the signatures below, so the signatures are part of the Rust/Python contract:

* ``ScheduleFormatError(message, errors)``
* ``ScheduleNotFoundError(schedule_id, message=None)``
* ``AnalyticsMissingError(schedule_id, reason, message=None)``
* ``DatabaseError(message, sqlstate=None)``
* ``ConfigError(message, problems=None)``

Messages are meant for the UI and never contain secrets.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "TsiError",
    "ScheduleFormatError",
    "ScheduleNotFoundError",
    "AnalyticsMissingError",
    "DatabaseError",
    "AccessDeniedError",
    "ConfigError",
]


class TsiError(Exception):
    """Base class of every TSI error (also used for a Rust panic: "internal error, see log")."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:  # always the message, even when extra positional args were passed
        return self.message


class ScheduleFormatError(TsiError, ValueError):
    """Bad input files. ``errors`` is a list of dicts with keys ``file``, ``path``, ``expected``, ``got``."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors: list[dict[str, Any]] = [dict(e) for e in (errors or [])]

    def __reduce__(self):
        return (type(self), (self.message, self.errors))


class ScheduleNotFoundError(TsiError, LookupError):
    """Unknown schedule id."""

    def __init__(self, schedule_id: int, message: str | None = None) -> None:
        if message is None:
            message = f"Schedule {schedule_id} does not exist (it may have been deleted)."
        super().__init__(message)
        self.schedule_id = schedule_id

    def __reduce__(self):
        return (type(self), (self.schedule_id, self.message))


class AnalyticsMissingError(TsiError):
    """ETL path used while the schedule's analytics are missing or stale (``reason`` e.g. "missing", "stale")."""

    def __init__(self, schedule_id: int, reason: str, message: str | None = None) -> None:
        if message is None:
            state = "out of date" if reason == "stale" else "missing"
            message = (
                f"Analytics for schedule {schedule_id} are {state} (data source etl). "
                f"Recompute them on the Data Source page or run `tsi etl backfill {schedule_id}`."
            )
        super().__init__(message)
        self.schedule_id = schedule_id
        self.reason = reason

    def __reduce__(self):
        return (type(self), (self.schedule_id, self.reason, self.message))


class DatabaseError(TsiError):
    """Connection, SQL, constraint, pool timeout or unreadable stored data; ``sqlstate`` when known."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate

    def __reduce__(self):
        return (type(self), (self.message, self.sqlstate))


class ConfigError(TsiError):
    """Invalid settings, backend not compiled in, pending SQL Server migrations; ``problems`` lists them."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        # Without an explicit list (e.g. raised by the Rust core) the message is the single problem.
        self.problems: list[str] = list(problems) if problems is not None else [message]

    def __reduce__(self):
        return (type(self), (self.message, self.problems))


class AccessDeniedError(TsiError):
    """The request may not do this (operations.md §2): ``status`` 401 (not signed in) or 403 (role, CSRF)."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = int(status)

    def __reduce__(self):
        return (type(self), (self.message, self.status))
