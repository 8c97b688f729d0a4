"""Validation (flows.md §8): issue counts per criticality, filterable issues table, CSV download."""

from __future__ import annotations

from typing import Any, NamedTuple

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from tsi.ui.alerts import empty_state, error_alert
from tsi.ui.page import metric_card, page_title, resolve_schedule
from tsi.ui.tables import grid, rows_of, to_csv
from tsi.ui.validation_view import (CATEGORIES, CRITICALITIES, CRITICALITY_COLORS, CSV_COLUMNS, GRID_COLUMNS,
                                    blocks_with_issues_text, empty_text, filter_mask, issue_count, showing_text,
                                    view_table)

dash.register_page(__name__, path="/validation", name="Validation", order=8)

NO_MATCH_TEXT = "No issues match the filters."


def _max_rows() -> int:
    from tsi.config import get_settings

    return int(get_settings().UI.MAX_TABLE_ROWS)


def layout(schedule=None, **_query):
    from tsi import data

    r = resolve_schedule(schedule)
    if r.problem:
        return html.Div([page_title("Validation"), r.problem])
    sid = r.schedule_id
    title = page_title("Validation", r.header)
    try:
        p = data.validation(sid)
    except Exception as e:  # noqa: BLE001 - shown to the user as a message
        return html.Div([title, error_alert(e)])
    summary, issues = p["summary"], p["issues"]
    parts = [title, dcc.Store(id="val-store", data={"schedule": sid}), dcc.Download(id="val-download"),
             _cards(summary)]
    if issue_count(issues) == 0:
        parts.append(empty_state(empty_text(summary)))
    else:
        parts += [_filters(issues), _table(issues)]
    return html.Div(parts)


def _cards(summary: dict):
    cols = []
    for c in CRITICALITIES:
        n = int(summary[c.lower()])
        card = metric_card(c, f"{n:,}", "issues", id=f"val-card-{c.lower()}")
        if n:
            card.className += f" border-{CRITICALITY_COLORS[c]}"
        cols.append(dbc.Col(card, xs=6, md=True))
    cols.append(dbc.Col(metric_card("Blocks with issues", blocks_with_issues_text(summary), "of blocks checked",
                                    id="val-card-blocks"), xs=12, md=True))
    return dbc.Row(cols, className="g-3 mb-3")


def _filters(issues: dict):
    counts = {c: 0 for c in CRITICALITIES}
    for c in issues["criticality"]:
        counts[c] = counts.get(c, 0) + 1
    present = sorted(set(issues["category"]))
    categories = [c for c in CATEGORIES if c in present] + [c for c in present if c not in CATEGORIES]
    chips = dbc.Checklist(
        id="val-criticality",
        options=[{"label": f"{c} ({counts.get(c, 0):,})", "value": c} for c in CRITICALITIES],
        value=list(CRITICALITIES), inline=True,
        input_class_name="btn-check",
        label_class_name="btn btn-sm btn-outline-info rounded-pill me-1",
        label_checked_class_name="active",
        class_name="tsi-chips",
    )
    return dbc.Row([
        dbc.Col([html.Div("Criticality", id="val-criticality-label", className="small text-muted mb-1"),
                 html.Div(chips, role="group", **{"aria-labelledby": "val-criticality-label"})], md="auto"),
        dbc.Col([html.Label("Category", htmlFor="val-category", className="small text-muted mb-1"),
                 dcc.Dropdown(id="val-category", options=[{"label": c, "value": c} for c in categories],
                              placeholder="All categories", clearable=True, className="tsi-schedule-selector")],
                md=3),
        dbc.Col([html.Label("Search", htmlFor="val-search", className="small text-muted mb-1"),
                 dbc.Input(id="val-search", type="search", debounce=True,
                           placeholder="Id, rule, field, value or message")], md=3),
        dbc.Col(dbc.Button("Download CSV", id="val-download-btn", color="light", outline=True),
                md="auto", className="d-flex align-items-end ms-auto"),
    ], className="g-3 mb-3 align-items-end")


def _table(issues: dict):
    total = issue_count(issues)
    limit = _max_rows()
    view = view_table(issues)
    return html.Div([
        html.Div(_showing(total, total, limit), id="val-showing", className="small text-muted mb-2"),
        html.Div(id="val-no-match"),
        dcc.Loading(grid("val-issues", view, GRID_COLUMNS, limit=limit, height=560)),
    ])


def _showing(shown: int, total: int, limit: int) -> str:
    text = showing_text(shown, total)
    if shown > limit:
        text += f" (the table lists the first {limit:,}; download the CSV for all)"
    return text


FILTERS = [Input("val-criticality", "value"), Input("val-category", "value"), Input("val-search", "value")]


class IssuesOutputs(NamedTuple):
    rows: Any
    showing: Any
    note: Any


ISSUES_OUTPUTS = IssuesOutputs(rows=Output("val-issues", "rowData"), showing=Output("val-showing", "children"),
                               note=Output("val-no-match", "children"))


@callback(output=ISSUES_OUTPUTS, inputs=FILTERS, state=[State("val-store", "data")], prevent_initial_call=True)
def apply_filters(criticalities, category, text, store):
    from tsi import data

    try:
        issues = data.validation(store["schedule"])["issues"]
    except Exception as e:  # noqa: BLE001 - shown to the user as a message
        return IssuesOutputs(rows=[], showing="", note=error_alert(e))
    crit = list(CRITICALITIES) if criticalities is None else criticalities
    mask = filter_mask(issues, crit, category, text)
    view = view_table(issues, mask)
    shown = int(mask.sum())
    limit = _max_rows()
    rows = rows_of(view, [c["field"] for c in GRID_COLUMNS], limit)
    note = empty_state(NO_MATCH_TEXT) if shown == 0 else None
    return IssuesOutputs(rows=rows, showing=_showing(shown, issue_count(issues), limit), note=note)


@callback(Output("val-download", "data"), Input("val-download-btn", "n_clicks"),
          *[State(f.component_id, f.component_property) for f in FILTERS],
          State("val-store", "data"), prevent_initial_call=True)
def download_issues(_n, criticalities, category, text, store):
    from tsi import data

    try:
        issues = data.validation(store["schedule"])["issues"]
    except Exception:  # noqa: BLE001 - the page already shows the error
        return no_update
    crit = list(CRITICALITIES) if criticalities is None else criticalities
    view = view_table(issues, filter_mask(issues, crit, category, text))
    return dcc.send_string(to_csv(view, CSV_COLUMNS), f"validation-{store['schedule']}.csv")
