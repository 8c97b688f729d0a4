"""Insights (flows.md §5): metrics, priority analysis, automated insights, correlations, top lists, conflicts,
Markdown/HTML reports."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, NamedTuple

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from tsi.analysis.insights_text import insight_texts
from tsi.analysis.report import html_report, markdown_report, report_filename
from tsi.figures.insights import correlation_heatmap, priority_figure
from tsi.ui.alerts import error_alert
from tsi.ui.insights_tables import (CONFLICT_COLUMNS, TOP_COLUMNS, conflict_message, conflict_table,
                                    metric_texts)
from tsi.ui.outputs import only
from tsi.ui.page import described, load_for_page, metric_card, page_title
from tsi.ui.tables import grid, rows_of

dash.register_page(__name__, path="/insights", name="Insights", order=5)

TITLE = "Insights"


def _load(sid: int, exclude: bool) -> dict:
    from tsi import data

    return data.insights(sid, exclude_impossible=bool(exclude))


# ------------------------------------------------------------------ sections

def metrics_row(m: dict):
    t = metric_texts(m)
    cards = [
        ("Scheduling rate", "rate", "ins-metric-rate"),
        ("Mean priority", "priority", "ins-metric-priority"),
        ("Total visibility", "visibility", "ins-metric-visibility"),
        ("Conflicts", "conflicts", "ins-metric-conflicts"),
    ]
    return dbc.Row([dbc.Col(metric_card(label, t[key][0], t[key][1], id=cid), md=3, sm=6, className="mb-2")
                    for label, key, cid in cards])


def priority_table(m: dict):
    def v(key):
        x = m.get(key)
        return "n/a" if x is None or x != x else f"{x:.2f}"

    return dbc.Table([
        html.Thead(html.Tr([html.Th(""), html.Th("Mean"), html.Th("Median")])),
        html.Tbody([
            html.Tr([html.Td("Scheduled"), html.Td(v("priority_scheduled_mean")),
                     html.Td(v("priority_scheduled_median"))]),
            html.Tr([html.Td("Unscheduled"), html.Td(v("priority_unscheduled_mean")),
                     html.Td(v("priority_unscheduled_median"))]),
        ]),
    ], bordered=False, size="sm", className="tsi-priority-table", id="ins-priority-table")


def bullets(payload: dict, exclude: bool):
    return html.Ul([html.Li(t) for t in insight_texts(payload, exclude)], className="mb-0")


def conflicts_section(payload: dict):
    m = payload["metrics"]
    count = int(m.get("conflict_count", 0))
    listed = len(payload["conflicts"]["block_id_1"])
    text, colour = conflict_message(count, bool(payload.get("conflicts_truncated")), listed)
    parts = [dbc.Alert(text, color=colour, id="ins-conflict-alert", className="mb-2")]
    if listed:
        parts.append(grid("ins-conflicts-grid", conflict_table(payload["conflicts"]), CONFLICT_COLUMNS, height=380))
    return parts


def _card(title: str, body, **kw):
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body)], className="mb-3", **kw)


def layout(schedule=None, **_query):
    r, payload, problem = load_for_page(TITLE, schedule, lambda sid: _load(sid, False))
    if problem is not None:
        return problem
    sid = r.schedule_id
    m = payload["metrics"]

    controls = dbc.Row([
        dbc.Col(dbc.Switch(id="ins-exclude", label="Exclude impossible blocks", value=False), width="auto"),
        dbc.Col([
            dbc.Button("Download Markdown report", id="ins-dl-md-btn", color="secondary", size="sm",
                       className="me-2"),
            dbc.Button("Download HTML report", id="ins-dl-html-btn", color="secondary", size="sm"),
            dcc.Download(id="ins-dl-md"), dcc.Download(id="ins-dl-html"),
        ], width="auto", className="ms-auto"),
    ], className="align-items-center mb-3")

    return html.Div([
        page_title(TITLE, r.header, "Scheduling rate, priority bias, correlations and conflicts."),
        dcc.Store(id="ins-store", data={"schedule_id": sid}),
        controls,
        html.Div(id="ins-error"),
        dcc.Loading(html.Div(metrics_row(m), id="ins-metrics", className="mb-2")),
        dbc.Row([
            dbc.Col(_card("Priority analysis", dcc.Loading([
                html.Div(priority_table(m), id="ins-priority"),
                described(dcc.Graph(id="ins-priority-graph", figure=priority_figure(m),
                                    config={"displaylogo": False}), "ins-priority"),
            ])), lg=6),
            dbc.Col(_card("Automated insights", dcc.Loading(html.Div(bullets(payload, False), id="ins-bullets"))),
                    lg=6),
        ]),
        _card("Correlations", dcc.Loading(dcc.Graph(id="ins-corr", figure=correlation_heatmap(payload["correlations"]),
                                                    config={"displaylogo": False}))),
        # two tables side by side, each under its heading: dbc.Tabs 2.0 writes "…-tab-null" ids and
        # aria-controls to missing panels (docs/decisions.md, Accessibility)
        _card("Top blocks", dbc.Row([
            dbc.Col([html.H2("By priority", className="h6", id="ins-top-priority-title"),
                     dcc.Loading(grid("ins-top-priority", payload["top_priority"], TOP_COLUMNS, height=360))],
                    xl=6),
            dbc.Col([html.H2("By visibility", className="h6", id="ins-top-visibility-title"),
                     dcc.Loading(grid("ins-top-visibility", payload["top_visibility"], TOP_COLUMNS, height=360))],
                    xl=6),
        ], className="g-3", id="ins-top-tabs")),
        _card("Scheduling conflicts", dcc.Loading(html.Div(conflicts_section(payload), id="ins-conflicts"))),
    ])


# ------------------------------------------------------------------ callbacks

class AnalysisOutputs(NamedTuple):
    metrics: Any
    priority_table: Any
    priority_figure: Any
    bullets: Any
    correlations: Any
    top_priority: Any
    top_visibility: Any
    error: Any


ANALYSIS_OUTPUTS = AnalysisOutputs(
    metrics=Output("ins-metrics", "children"), priority_table=Output("ins-priority", "children"),
    priority_figure=Output("ins-priority-graph", "figure"), bullets=Output("ins-bullets", "children"),
    correlations=Output("ins-corr", "figure"), top_priority=Output("ins-top-priority", "rowData"),
    top_visibility=Output("ins-top-visibility", "rowData"), error=Output("ins-error", "children"),
)


@callback(output=ANALYSIS_OUTPUTS, inputs=[Input("ins-exclude", "value")], state=[State("ins-store", "data")],
          prevent_initial_call=True)
def update_analysis(exclude, store):
    """The switch changes metrics, correlations and top lists (never conflicts, flows.md §5)."""
    try:
        payload = _load(int(store["schedule_id"]), bool(exclude))
    except Exception as e:  # noqa: BLE001 - shown as a message
        return only(ANALYSIS_OUTPUTS, error=error_alert(e))
    m = payload["metrics"]
    fields = [c["field"] for c in TOP_COLUMNS]
    return AnalysisOutputs(
        metrics=metrics_row(m), priority_table=priority_table(m), priority_figure=priority_figure(m),
        bullets=bullets(payload, bool(exclude)), correlations=correlation_heatmap(payload["correlations"]),
        top_priority=rows_of(payload["top_priority"], fields),
        top_visibility=rows_of(payload["top_visibility"], fields), error=None)


def _report(store, exclude, kind: str):
    from tsi import data

    sid = int(store["schedule_id"])
    header = data.schedule_header(sid)
    payload = _load(sid, bool(exclude))
    build = markdown_report if kind == "md" else html_report
    text = build(header, payload, source=data.data_source(), exclude_impossible=bool(exclude),
                 generated_at=datetime.now(timezone.utc))
    return dcc.send_string(text, report_filename(header, kind))


class ReportOutputs(NamedTuple):
    download: Any
    error: Any


REPORT_STATE = [State("ins-store", "data"), State("ins-exclude", "value")]
MD_OUTPUTS = ReportOutputs(download=Output("ins-dl-md", "data"),
                           error=Output("ins-error", "children", allow_duplicate=True))
HTML_OUTPUTS = ReportOutputs(download=Output("ins-dl-html", "data"),
                             error=Output("ins-error", "children", allow_duplicate=True))


def _report_outputs(spec: ReportOutputs, store, exclude, kind: str) -> ReportOutputs:
    try:
        return only(spec, download=_report(store, exclude, kind))
    except Exception as e:  # noqa: BLE001 - shown as a message
        return only(spec, error=error_alert(e))


@callback(output=MD_OUTPUTS, inputs=[Input("ins-dl-md-btn", "n_clicks")], state=REPORT_STATE,
          prevent_initial_call=True)
def download_markdown(_n, store, exclude):
    return _report_outputs(MD_OUTPUTS, store, exclude, "md")


@callback(output=HTML_OUTPUTS, inputs=[Input("ins-dl-html-btn", "n_clicks")], state=REPORT_STATE,
          prevent_initial_call=True)
def download_html(_n, store, exclude):
    return _report_outputs(HTML_OUTPUTS, store, exclude, "html")
