"""Helpers every page uses: resolve the schedule of the URL into a header or a message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import dash_bootstrap_components as dbc
from dash import html

from tsi.ui.alerts import choose_schedule, error_alert
from tsi.ui.urls import parse_schedule_id


@dataclass
class Resolved:
    schedule_id: int | None
    header: dict | None
    problem: Any  # a component to show instead of the page, or None


def resolve_schedule(value: object) -> Resolved:
    from tsi import data

    sid, err = parse_schedule_id(value)
    if err:
        return Resolved(None, None, dbc.Alert(err, color="warning", className="tsi-error"))
    if sid is None:
        return Resolved(None, None, choose_schedule())
    try:
        return Resolved(sid, data.schedule_header(sid), None)
    except Exception as e:  # noqa: BLE001 - shown to the user as a message
        return Resolved(sid, None, error_alert(e))


def fallback_banner(header: dict | None):
    """The warning shown when this schedule's flows are served from the legacy path instead of ETL
    (``MIGRATION.ETL_FALLBACK = "legacy"``, operations.md §4), or None. Every page's title carries it."""
    if not header:
        return None
    from tsi import data

    try:
        reason = data.fallback_reason(header)
    except Exception:  # noqa: BLE001 - the banner never breaks a page
        return None
    if reason is None:
        return None
    return dbc.Alert(f"served from the legacy path: analytics {reason}", id="tsi-fallback-banner",
                     color="warning", className="mt-2 mb-0")


def page_title(title: str, header: dict | None = None, subtitle: str | None = None):
    name = f"{header['name']} (id {header['schedule_id']})" if header else None
    return html.Div([
        html.H1(title, className="h2 mb-0"),  # the page's one h1, at the size of Bootstrap's h2
        html.Div(name, className="text-muted tsi-schedule-name") if name else None,
        html.Div(subtitle, className="text-muted small") if subtitle else None,
        fallback_banner(header),
    ], className="mb-3")


def described(graph, *ids: str, **kwargs):
    """A graph whose text alternative (assets/a11y.js) also points at the numbers the page prints beside it
    (the elements with these ids, as aria-describedby)."""
    return html.Div(graph, className="tsi-figure", **{"data-tsi-describedby": " ".join(ids)}, **kwargs)


def metric_card(label: str, value: str, detail: str | None = None, id: str | None = None):
    body = [html.Div(label, className="text-muted small"), html.Div(value, className="fs-4 fw-bold")]
    if detail:
        body.append(html.Div(detail, className="text-muted small"))
    kwargs = {"id": id} if id else {}
    return dbc.Card(dbc.CardBody(body), className="tsi-metric h-100", **kwargs)


def load_for_page(title: str, schedule: object, fetch: Callable[[int], Any]) -> tuple[Resolved, Any, Any]:
    """Resolve the URL's schedule and fetch the page's payload through `fetch(schedule_id)`.

    Returns (resolved, payload, None), or (resolved, None, component) where the component is the page title
    with the message to show instead (no schedule, invalid id, unknown schedule, missing analytics, …).
    """
    r = resolve_schedule(schedule)
    if r.problem is not None:
        return r, None, html.Div([page_title(title), r.problem])
    try:
        return r, fetch(r.schedule_id), None
    except Exception as e:  # noqa: BLE001 - shown to the user as a message
        return r, None, html.Div([page_title(title, r.header), error_alert(e)])
