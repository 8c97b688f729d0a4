"""Compare (flows.md §7): the schedule of the URL against another one (`?schedule=<a>&with=<b>`)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import numpy as np
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from tsi.figures import compare as figs
from tsi.ui.alerts import empty_state, error_alert
from tsi.ui.compare_summary import CHANGE_COLUMNS, compare_search, id_set_notice, parse_with, summary_rows
from tsi.ui.page import described, fallback_banner, page_title, resolve_schedule
from tsi.ui.tables import grid, to_csv

dash.register_page(__name__, path="/compare", name="Compare", order=7)

CHOOSE_TEXT = "Choose a schedule to compare with."
MAX_IDS_LISTED = 2000


def layout(schedule=None, **query):
    r = resolve_schedule(schedule)
    if r.problem:
        return html.Div([page_title("Compare"), r.problem])
    sid = r.schedule_id
    other, other_problem = parse_with(query.get("with"))
    options = _options(sid)
    # Only a listed id goes into the dropdown: Dash 4 clears unknown values, which would rewrite the URL.
    shown = other if any(o["value"] == other for o in options) else None
    return html.Div([
        page_title("Compare", r.header),
        dcc.Store(id="cmp-store", data={"schedule": sid, "with": other, "shown": shown}),
        dcc.Download(id="cmp-download"),
        _controls(options, shown, other),
        html.Div(_body(sid, other, other_problem), id="cmp-body"),
    ])


# ------------------------------------------------------------------ controls

def _options(sid: int) -> list[dict]:
    from tsi import data

    try:
        rows = data.list_schedules()
    except Exception:  # noqa: BLE001 - the body shows the database error when it matters
        rows = []
    return [{"label": f"{r['name']} ({r['schedule_id']})", "value": r["schedule_id"]}
            for r in rows if r["schedule_id"] != sid]


def _controls(options: list[dict], value: int | None, other: int | None):
    return dbc.Row([
        dbc.Col([
            dbc.Label("Compare with", html_for="cmp-with", className="small text-muted mb-1"),
            dcc.Dropdown(id="cmp-with", options=options, value=value, placeholder="Choose a schedule",
                         className="tsi-schedule-selector"),
        ], md=5),
        dbc.Col(dbc.Button("⇄ Swap", id="cmp-swap", color="light", outline=True, disabled=other is None,
                           title="Exchange the current and the comparison schedule"), md="auto",
                className="d-flex align-items-end"),
        dbc.Col(dbc.Button("Download changes (CSV)", id="cmp-download-btn", color="light", outline=True,
                           disabled=other is None), md="auto", className="d-flex align-items-end ms-auto"),
    ], className="mb-3 g-2")


@callback(Output("url", "search", allow_duplicate=True),
          Input("cmp-with", "value"), Input("cmp-swap", "n_clicks"),
          State("cmp-store", "data"), State("url", "search"), prevent_initial_call=True)
def navigate(value, n_clicks, store, search):
    """The comparison lives in the URL: choosing or swapping rewrites `?schedule=&with=` (the page re-renders).

    Dash fires this callback when the page is inserted (its output `url.search` is already in the layout, so
    `prevent_initial_call` does not apply); the store holds the dropdown's initial value to recognise that.
    """
    if not store:
        return no_update
    if ctx.triggered_id == "cmp-swap" and n_clicks:
        if store.get("with") is None:
            return no_update
        return compare_search(search, store["with"], store["schedule"])
    if ctx.triggered_id != "cmp-with" or value == store.get("shown"):
        return no_update
    return compare_search(search, store["schedule"], value)


@callback(Output("cmp-download", "data"), Input("cmp-download-btn", "n_clicks"), State("cmp-store", "data"),
          prevent_initial_call=True)
def download_changes(_n, store):
    from tsi import data

    if not store or store.get("with") is None:
        return no_update
    try:
        p = data.compare(store["schedule"], other_schedule_id=store["with"])
    except Exception:  # noqa: BLE001 - the page already shows the error
        return no_update
    return dcc.send_string(to_csv(p["changes"], CHANGE_COLUMNS),
                           f"changes-{store['schedule']}-vs-{store['with']}.csv")


# ------------------------------------------------------------------ body

def _body(sid: int, other: int | None, other_problem: str | None):
    from tsi import data

    if other_problem:
        return dbc.Alert(other_problem, color="warning", className="tsi-error")
    if other is None:
        return empty_state(CHOOSE_TEXT)
    try:
        p = data.compare(sid, other_schedule_id=other)
    except Exception as e:  # noqa: BLE001 - shown to the user as a message
        return error_alert(e)
    summary = p["summary"]
    no_common = int(summary["common_count"]) == 0
    parts = [_other_fallback_banner(sid, other), _names(p, sid, other), _id_notice(p)]
    if not no_common:
        parts += [_summary_table(p), _changes_lists(p)]
    parts.append(dbc.Row([
        dbc.Col(_graph("cmp-priority-hist", figs.scheduled_priority_histogram(p)), lg=6),
        dbc.Col(_graph("cmp-status-bars", figs.status_bars(p)), lg=6),
    ], className="g-3 mb-3"))
    row2 = [dbc.Col(_graph("cmp-durations", figs.scheduled_duration_boxes(p)), lg=6)]
    if not no_common:
        row2.insert(0, dbc.Col(_graph("cmp-changed-hist", figs.changed_priority_histogram(p)), lg=6))
    parts.append(dbc.Row(row2, className="g-3 mb-3"))
    return html.Div(parts)


def _other_fallback_banner(sid: int, other: int):
    """The fallback banner for the other schedule when the title (this schedule's header) shows none: the
    comparison falls back to the legacy path when either schedule's analytics are not fresh."""
    from tsi import data

    try:
        if data.fallback_reason(data.schedule_header(sid)) is not None:
            return None
        return fallback_banner(data.schedule_header(other))
    except Exception:  # noqa: BLE001 - the banner never breaks the page
        return None


def _graph(id_: str, figure: dict):
    return described(dcc.Loading(dcc.Graph(id=id_, figure=figure, config={"displaylogo": False}), type="default"),
                     "cmp-summary")


def _names(p: dict, sid: int, other: int):
    n = p["names"]
    return html.Div([
        html.Span("Current: ", className="text-muted"),
        html.Span(f"{n['current_name']} (id {sid})", id="cmp-current-name", className="fw-bold"),
        html.Span("  ·  Comparison: ", className="text-muted ms-2"),
        html.Span(f"{n['comparison_name']} (id {other})", id="cmp-comparison-name", className="fw-bold"),
    ], className="mb-3")


def _id_list(title: str, ids: list[str], id_: str):
    shown = ids[:MAX_IDS_LISTED]
    more = f" … and {len(ids) - len(shown):,} more" if len(ids) > len(shown) else ""
    return html.Details([
        html.Summary(f"{title} ({len(ids):,})"),
        html.Div(", ".join(shown) + more, className="small text-break tsi-id-list",
                 style={"maxHeight": "10rem", "overflowY": "auto"}),
    ], id=id_, className="mb-1")


def _id_notice(p: dict):
    text = id_set_notice(p["summary"])
    if text is None:
        return None
    color = "warning" if int(p["summary"]["common_count"]) == 0 else "info"
    return dbc.Alert([
        html.Div(text, id="cmp-notice-text", className="mb-2"),
        _id_list("Only in the current schedule", list(p["only_in_current"]), "cmp-only-current"),
        _id_list("Only in the comparison", list(p["only_in_comparison"]), "cmp-only-comparison"),
    ], color=color, id="cmp-notice")


def _summary_table(p: dict):
    rows = summary_rows(p["current_stats"], p["comparison_stats"])
    cls = {"better": "text-success tsi-better", "worse": "text-danger tsi-worse", "": ""}
    body = [html.Tr([
        html.Td(r.metric),
        html.Td(r.current, className="text-end"),
        html.Td(r.comparison, className="text-end"),
        html.Td(r.change, className=("text-end fw-bold " + cls[r.verdict]).strip()),
    ], id=f"cmp-row-{r.key}") for r in rows]
    head = html.Thead(html.Tr([html.Th("Metric"), html.Th("Current", className="text-end"),
                               html.Th("Comparison", className="text-end"),
                               html.Th("Change %", className="text-end")]))
    return dbc.Card([
        dbc.CardHeader("Summary"),
        dbc.CardBody([
            dbc.Table([head, html.Tbody(body)], id="cmp-summary", size="sm", hover=True, className="mb-1"),
            html.Div("Green: improvement (more scheduled, higher priority totals, fewer and shorter gaps); "
                     "red: worse. Statistics over scheduled blocks unless stated.", className="small text-muted"),
        ]),
    ], className="mb-3")


def _changes_subset(changes: dict, kind: str) -> dict:
    mask = np.asarray(changes["change"], dtype=object) == kind
    idx = np.flatnonzero(mask)
    return {c: ([changes[c][i] for i in idx] if isinstance(changes[c], list) else np.asarray(changes[c])[idx])
            for c in CHANGE_COLUMNS}


def _changes_lists(p: dict):
    from tsi.config import get_settings

    limit = int(get_settings().UI.MAX_TABLE_ROWS)
    fmt = {"function": "params.value == null ? '–' : d3.format(',.2f')(params.value)"}
    cols = [{"field": "original_block_id", "headerName": "Original id", "flex": 1},
            {"field": "priority_current", "headerName": "Priority (current)", "type": "numericColumn",
             "valueFormatter": fmt, "flex": 1},
            {"field": "priority_comparison", "headerName": "Priority (comparison)", "type": "numericColumn",
             "valueFormatter": fmt, "flex": 1}]
    s = p["summary"]
    cards = []
    for kind, label, count, id_ in (("newly_scheduled", "Newly scheduled", s["newly_scheduled"], "cmp-newly-scheduled"),
                                    ("newly_unscheduled", "Newly unscheduled", s["newly_unscheduled"],
                                     "cmp-newly-unscheduled")):
        sub = _changes_subset(p["changes"], kind)
        body = grid(id_, sub, cols, limit=limit, height=260) if int(count) else html.Div(
            "None.", className="text-muted")
        color = "text-success" if kind == "newly_scheduled" else "text-danger"
        cards.append(dbc.Col(dbc.Card([
            dbc.CardHeader(html.Span(f"{label}: {int(count):,}", className=color, id=f"{id_}-count")),
            dbc.CardBody(body),
        ]), lg=6))
    return dbc.Row(cards, className="g-3 mb-3")
