"""Data Source (flows.md §10): facts, analytics freshness, recompute, and the legacy/ETL parity check."""

from __future__ import annotations

import uuid
from typing import Any, NamedTuple

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from tsi.auth import protect_output
from tsi.data.cache import KEY_PREFIX
from tsi.ui.alerts import error_alert
from tsi.ui.migration_cockpit import cockpit_body, cockpit_card
from tsi.ui.data_source_view import (AUDIT_COLUMNS, PARITY_COLUMNS, STATE_COLORS, STATUS_COLUMNS, facts, flow_summary,
                                     audit_rows, iso_utc_text, parity_rows, status_rows)
from tsi.ui.outputs import unchanged
from tsi.ui.page import page_title, resolve_schedule
from tsi.ui.tables import grid_options

dash.register_page(__name__, path="/data-source", name="Data Source", order=9)

REPORT_KEY = f"{KEY_PREFIX}parity-report:"
REPORT_TIMEOUT = 3600


def layout(schedule=None, **_query):
    from tsi import auth

    r = resolve_schedule(schedule)
    sid = r.schedule_id if not r.problem else None
    admin = auth.has_role("admin")  # settings facts and the audit log are the admins' (operations.md §2)
    parts = [page_title("Data Source", r.header if not r.problem else None),
             dcc.Store(id="ds-store", data={"schedule": sid}),
             dcc.Store(id="ds-parity-token"),
             dcc.Download(id="ds-parity-download"),
             _facts_card() if admin else None,
             _cockpit() if auth.has_role("editor") else None,  # the operators' view of the migration
             _schedules_card()]
    if r.problem:
        parts.append(html.Div(r.problem, id="ds-schedule-problem"))
    else:
        parts.append(_schedule_section(sid, r.header, auth.has_role("editor")))
    if admin:
        parts.append(_audit_card())
    return html.Div([p for p in parts if p is not None])


def _audit_card():
    import dash_ag_grid as dag

    from tsi.auth import audit

    try:
        rows = audit_rows(audit.entries(limit=500))
    except Exception as e:  # noqa: BLE001 - shown to the user as a message
        return error_alert(e)
    table = dag.AgGrid(
        id="ds-audit", rowData=rows, columnDefs=AUDIT_COLUMNS,
        defaultColDef={"sortable": True, "filter": True, "resizable": True},
        dashGridOptions=grid_options(domLayout="autoHeight", pagination=True, paginationPageSize=20),
        style={"width": "100%"})
    return dbc.Card([dbc.CardHeader("Audit log (admins; newest first, last 500 — `tsi audit` for all)"),
                     dbc.CardBody(table)], className="mb-3", id="ds-audit-card")


# ------------------------------------------------------------------ the migration cockpit

def _cockpit_content():
    from tsi.migration import readiness

    try:
        return cockpit_body(readiness.status(local=True))
    except Exception as e:  # noqa: BLE001 - shown to the user as a message
        return error_alert(e)


def _cockpit():
    return cockpit_card(_cockpit_content())


protect_output("ds-cockpit-body", "editor", "watch the migration cockpit")


@callback(Output("ds-cockpit-body", "children"), Input("ds-cockpit-refresh", "n_intervals"),
          prevent_initial_call=True)
def refresh_cockpit(_n):
    return _cockpit_content()


# ------------------------------------------------------------------ facts and the schedule table

def _facts_card():
    from tsi import data
    from tsi.config import get_settings

    try:
        etl_version = data.build_info()["etl_version"]
        rows = facts(get_settings(), data.data_source(), etl_version)
    except Exception as e:  # noqa: BLE001 - shown to the user as a message
        return error_alert(e)
    items = [dbc.Col([
        html.Div(label, className="text-muted small"),
        html.Div(value, id=f"ds-fact-{key}", className="fs-5 fw-bold text-break"),
        html.Div(note, className="text-muted small"),
    ], md=3) for key, label, value, note in rows]
    return dbc.Card([dbc.CardHeader("Facts"), dbc.CardBody(dbc.Row(items, className="g-3"))],
                    className="mb-3", id="ds-facts")


def _status_data() -> list[dict]:
    from tsi import data

    return status_rows(data.etl_status())


def _schedules_card():
    import dash_ag_grid as dag

    try:
        rows = _status_data()
    except Exception as e:  # noqa: BLE001 - shown to the user as a message
        return error_alert(e)
    table = dag.AgGrid(
        id="ds-schedules", rowData=rows, columnDefs=STATUS_COLUMNS,
        defaultColDef={"sortable": True, "filter": True, "resizable": True},
        dashGridOptions=grid_options(domLayout="autoHeight", pagination=True, paginationPageSize=20),
        style={"width": "100%"})
    return dbc.Card([dbc.CardHeader("Schedules and their analytics"), dbc.CardBody(table)], className="mb-3")


# ------------------------------------------------------------------ the schedule of the URL

def _schedule_section(sid: int, header: dict, editor: bool = True):
    name = header["name"]
    modal = dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle("Recompute analytics")),
        dbc.ModalBody(f"Recompute the analytics of '{name}' (id {sid})? Its analytics tables are rebuilt from the "
                      "stored schedule; pages show the new results afterwards."),
        dbc.ModalFooter([
            dbc.Button("Cancel", id="ds-confirm-no", color="secondary", outline=True),
            dbc.Button("Recompute", id="ds-confirm-yes", color="warning"),
        ]),
    ], id="ds-confirm", is_open=False, centered=True)
    return dbc.Card([
        dbc.CardHeader(f"Schedule {name} (id {sid})"),
        dbc.CardBody([
            dcc.Loading(html.Div(_detail(sid), id="ds-detail")),
            dbc.Row([
                # A courtesy for viewers: the facade refuses their recompute or parity run anyway.
                dbc.Col(dbc.Button("Recompute analytics", id="ds-recompute", color="warning", outline=True),
                        width="auto", style=None if editor else {"display": "none"}),
                dbc.Col(dbc.Button("Run parity check", id="ds-parity-run", color="primary"), width="auto",
                        style=None if editor else {"display": "none"}),
                dbc.Col(dbc.Button("Download parity report (JSON)", id="ds-parity-download-btn", color="light",
                                   outline=True, disabled=True), width="auto",
                        style=None if editor else {"display": "none"}),
                None if editor else dbc.Col(html.Span("Recomputing and the parity check need the editor role.",
                                                      className="text-muted", id="ds-viewer-note")),
            ], className="g-2 my-3"),
            modal,
            dcc.Loading(html.Div(id="ds-recompute-result")),
            html.Div("Runs every flow's parameter sets on both paths with the cache bypassed (usually a few seconds;"
                     " use `tsi parity` for very large schedules).", className="small text-muted mb-2"),
            dcc.Loading(html.Div(id="ds-parity-results"), type="default"),
        ]),
    ], className="mb-3", id="ds-schedule")


def _detail(sid: int):
    from tsi import data

    try:
        rows = data.etl_status(sid)
    except Exception as e:  # noqa: BLE001 - shown to the user as a message
        return error_alert(e)
    if not rows:
        return html.Div("No analytics information for this schedule.", className="text-muted")
    s = rows[0]
    state = s["state"]
    facts_row = dbc.Row([
        dbc.Col([html.Div("Analytics", className="text-muted small"),
                 dbc.Badge(state, color=STATE_COLORS.get(state, "secondary"), id="ds-detail-state",
                           className="fs-6")], width="auto"),
        dbc.Col([html.Div("ETL version", className="text-muted small"),
                 html.Div(f"{'–' if s.get('etl_version') is None else s['etl_version']} "
                          f"(this build: {s.get('current_etl_version')})", id="ds-detail-version")], width="auto"),
        dbc.Col([html.Div("Computed at (UTC)", className="text-muted small"),
                 html.Div(iso_utc_text(s.get("updated_at")) or "–")], width="auto"),
        dbc.Col([html.Div("ETL duration", className="text-muted small"),
                 html.Div("–" if s.get("etl_duration_ms") is None else f"{int(s['etl_duration_ms']):,} ms",
                          id="ds-detail-duration")], width="auto"),
        dbc.Col([html.Div("Checksum match", className="text-muted small"),
                 html.Div({True: "yes", False: "no"}.get(s.get("checksum_match"), "–"))], width="auto"),
    ], className="g-4 mb-3")
    counts = s.get("row_counts") or {}
    table = dbc.Table([
        html.Thead(html.Tr([html.Th("Analytics table"), html.Th("Rows", className="text-end")])),
        html.Tbody([html.Tr([html.Td(k), html.Td(f"{int(v):,}", className="text-end")]) for k, v in counts.items()]),
    ], size="sm", className="mb-0", id="ds-row-counts", style={"maxWidth": "520px"})
    return html.Div([facts_row, table])


@callback(Output("ds-confirm", "is_open"),
          Input("ds-recompute", "n_clicks"), Input("ds-confirm-no", "n_clicks"), Input("ds-confirm-yes", "n_clicks"),
          prevent_initial_call=True)
def toggle_confirm(_open, _no, _yes):
    return ctx.triggered_id == "ds-recompute"


protect_output("ds-recompute-result", "editor", "recompute analytics")


class RecomputeOutputs(NamedTuple):
    message: Any
    detail: Any
    schedules: Any


RECOMPUTE_OUTPUTS = RecomputeOutputs(message=Output("ds-recompute-result", "children"),
                                     detail=Output("ds-detail", "children"),
                                     schedules=Output("ds-schedules", "rowData"))


@callback(output=RECOMPUTE_OUTPUTS, inputs=[Input("ds-confirm-yes", "n_clicks")], state=[State("ds-store", "data")],
          prevent_initial_call=True)
def recompute(_n, store):
    """Backfill the schedule with force; the facade drops its header and list cache entries."""
    from tsi import data

    sid = (store or {}).get("schedule")
    if sid is None:
        return unchanged(RECOMPUTE_OUTPUTS)
    try:
        res = data.etl_backfill(sid, force=True)
    except Exception as e:  # noqa: BLE001 - shown to the user as a message
        return RecomputeOutputs(message=error_alert(e), detail=_detail(sid), schedules=no_update)
    msg = dbc.Alert(f"Recomputed the analytics of schedule {sid} in {int(res.get('milliseconds', 0)):,} ms "
                    f"(before: {res.get('state_before')}, now: {res.get('state')}).", color="success",
                    id="ds-recompute-ok", dismissable=True)
    try:
        rows = _status_data()
    except Exception:  # noqa: BLE001 - the table keeps its old rows
        rows = no_update
    return RecomputeOutputs(message=msg, detail=_detail(sid), schedules=rows)


# ------------------------------------------------------------------ parity

def _report_for(sid: int) -> dict:
    from tsi import parity

    return parity.run([sid]).as_dict()


protect_output("ds-parity-results", "editor", "run the parity check")


class ParityOutputs(NamedTuple):
    results: Any
    token: Any
    download_disabled: Any


PARITY_OUTPUTS = ParityOutputs(results=Output("ds-parity-results", "children"),
                               token=Output("ds-parity-token", "data"),
                               download_disabled=Output("ds-parity-download-btn", "disabled"))


@callback(output=PARITY_OUTPUTS, inputs=[Input("ds-parity-run", "n_clicks")], state=[State("ds-store", "data")],
          prevent_initial_call=True)
def run_parity(_n, store):
    import dash_ag_grid as dag

    from tsi.data import cache

    sid = (store or {}).get("schedule")
    if sid is None:
        return unchanged(PARITY_OUTPUTS)
    try:
        report = _report_for(sid)
    except Exception as e:  # noqa: BLE001 - shown to the user as a message
        return ParityOutputs(results=error_alert(e), token=None, download_disabled=True)
    token = f"{sid}:{uuid.uuid4().hex}"
    try:
        cache.set(REPORT_KEY + token, report, timeout=REPORT_TIMEOUT)
    except Exception:  # noqa: BLE001 - the download then reruns the check
        pass
    ok, total, text = flow_summary(report)
    badge = dbc.Badge(text, id="ds-parity-badge", color="success" if ok == total and total else "danger",
                      className="fs-6 me-2")
    sets = len(report["rows"])
    counts = ", ".join(f"{v} {k if k != 'stale' else 'skipped'}" for k, v in sorted(report["counts"].items()))
    table = dag.AgGrid(
        id="ds-parity-table", rowData=parity_rows(report), columnDefs=PARITY_COLUMNS,
        defaultColDef={"sortable": True, "filter": True, "resizable": True},
        dashGridOptions=grid_options(domLayout="autoHeight", tooltipShowDelay=300),
        getRowStyle={"styleConditions": [
            {"condition": "params.data.result === 'different' || params.data.result === 'error'",
             "style": {"color": "#ff6b6b"}}]},
        style={"width": "100%"})
    results = html.Div([
        html.Div([badge, html.Span(f"{sets} parameter sets: {counts}", className="text-muted small")],
                 className="mb-2"),
        table,
    ])
    return ParityOutputs(results=results, token=token, download_disabled=False)


@callback(Output("ds-parity-download", "data"), Input("ds-parity-download-btn", "n_clicks"),
          State("ds-parity-token", "data"), State("ds-store", "data"), prevent_initial_call=True)
def download_report(_n, token, store):
    from tsi.data import cache
    from tsi.jsonout import dumps

    sid = (store or {}).get("schedule")
    if sid is None:
        return no_update
    report = cache.get(REPORT_KEY + token) if token else None
    if report is None:
        try:
            report = _report_for(sid)
        except Exception:  # noqa: BLE001 - nothing to download
            return no_update
    return dcc.send_string(dumps(report, pretty=True), f"parity-{sid}.json")
