"""User-facing messages for errors and empty states (flows.md §11). Names and ids are rendered as text."""

from __future__ import annotations

import logging

import dash_bootstrap_components as dbc
from dash import html

from tsi.errors import AnalyticsMissingError, DatabaseError, ScheduleNotFoundError

log = logging.getLogger("tsi.ui")

NO_BLOCKS = "This schedule has no blocks."
NO_MATCH = "No blocks match the filters."


def error_message(exc: Exception) -> str:
    """The sentence a user sees for an exception (no stack traces, no secrets)."""
    from tsi.secrets import mask_secrets

    if isinstance(exc, ScheduleNotFoundError):
        return f"Schedule {exc.schedule_id} does not exist (it may have been deleted)."
    if isinstance(exc, AnalyticsMissingError):
        state = "out of date" if exc.reason == "stale" else "missing"
        return (f"Analytics for schedule {exc.schedule_id} are {state} (data source etl). Recompute them on the "
                f"Data Source page or run `tsi etl backfill {exc.schedule_id}`.")
    if isinstance(exc, DatabaseError):
        return f"Database error: {mask_secrets(str(exc))} (details in the server log)."
    if isinstance(exc, ValueError):
        return mask_secrets(str(exc))
    return "Unexpected error (details in the server log)."


def error_alert(exc: Exception) -> dbc.Alert:
    if not isinstance(exc, (ScheduleNotFoundError, AnalyticsMissingError, ValueError)):
        log.exception("page error", exc_info=exc)
    color = "warning" if isinstance(exc, (AnalyticsMissingError, ValueError)) else "danger"
    return dbc.Alert(error_message(exc), color=color, className="tsi-error")


def empty_state(text: str, *children) -> dbc.Alert:
    return dbc.Alert([html.Span(text), *children], color="secondary", className="tsi-empty")


def choose_schedule() -> dbc.Alert:
    return dbc.Alert("Choose a schedule", color="info", className="tsi-choose")
