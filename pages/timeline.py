"""Schedule Timeline (flows.md §4): scheduled blocks by month and day, night/day bands, details table."""

from __future__ import annotations

from typing import Any, NamedTuple

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from tsi.figures.timeline import timeline_figure
from tsi.ui.alerts import empty_state, error_alert
from tsi.ui.outputs import unchanged
from tsi.ui.page import described, load_for_page, metric_card, page_title
from tsi.ui.tables import grid_options
from tsi.ui.timeline_table import (
    COLUMNS, dark_facts, filter_mask, metrics, month_options, rows_csv, showing_text, table_rows,
)

dash.register_page(__name__, path="/timeline", name="Timeline", order=4)

TITLE = "Timeline"
NOTHING_SCHEDULED = "No block of this schedule is scheduled."
GRAPH_CONFIG = {"displaylogo": False, "scrollZoom": True}


def _dark_card(payload: dict):
    f = dark_facts(payload)
    return dbc.Card(dbc.CardBody([
        html.H2("Dark periods", className="h6 mb-2"),
        dbc.Row([
            dbc.Col([html.Span("Count ", className="text-muted"), html.Span(f["count"], id="tl-dark-count")]),
            dbc.Col([html.Span("Hours ", className="text-muted"), html.Span(f["hours"], id="tl-dark-hours")]),
            dbc.Col([html.Span("Range ", className="text-muted"), html.Span(f["range"], id="tl-dark-range")],
                    md=6),
        ]),
    ]), className="mb-3", id="tl-dark")


def _grid(rows: list[dict]):
    return dag.AgGrid(
        id="tl-table", rowData=rows, columnDefs=COLUMNS,
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "flex": 1, "minWidth": 110},
        dashGridOptions=grid_options(pagination=True, paginationPageSize=50, animateRows=False),
        style={"height": "480px", "width": "100%"},
    )


def layout(schedule=None, **_query):
    from tsi import data

    r, payload, problem = load_for_page(TITLE, schedule, data.timeline)
    if problem is not None:
        return problem
    sid = r.schedule_id
    head = page_title(TITLE, r.header, "Scheduled blocks by month (rows) and day of month (UTC)")
    if payload["summary"]["scheduled_count"] == 0:
        return html.Div([head, empty_state(NOTHING_SCHEDULED), _dark_card(payload)])

    rows = table_rows(payload)
    cards = dbc.Row([dbc.Col(metric_card(label, value, detail, id=f"tl-metric-{key}"), xs=6, md=4, xl=True)
                     for label, value, key, detail in metrics(payload)], className="g-2 mb-3", id="tl-metrics")
    filters = dbc.Row([
        dbc.Col(dbc.InputGroup([dbc.InputGroupText(html.Label("Search", htmlFor="tl-search", className="mb-0")),
                                dbc.Input(id="tl-search", placeholder="original id", debounce=True,
                                          type="search")]), md=4),
        dbc.Col([dbc.Label("Month", html_for="tl-month", className="visually-hidden"),
                 dcc.Dropdown(id="tl-month", options=month_options(payload), placeholder="All months",
                              clearable=True)], md=3),
        dbc.Col(dbc.InputGroup([dbc.InputGroupText(html.Label("Min. priority", htmlFor="tl-min-priority", className="mb-0")),
                                dbc.Input(id="tl-min-priority", type="number", step="any", debounce=True)]), md=3),
        dbc.Col(dbc.Button("Download CSV", id="tl-download-btn", color="secondary"), md=2,
                className="text-md-end"),
    ], className="g-2 mb-2 align-items-center")
    return html.Div([
        head,
        dcc.Store(id="tl-store", data={"schedule_id": sid}),
        described(dcc.Loading(dcc.Graph(id="tl-graph", figure=timeline_figure(payload), config=GRAPH_CONFIG),
                              type="default"), "tl-metrics", "tl-dark"),
        cards,
        _dark_card(payload),
        html.H2("Scheduled blocks", className="h5"),
        filters,
        html.Div(showing_text(len(rows), len(rows)), id="tl-showing", className="text-muted small mb-1"),
        dcc.Loading(_grid(rows), type="default"),
        dcc.Download(id="tl-download"),
    ])


def _filtered_rows(store, search, month, min_priority):
    from tsi import data

    payload = data.timeline(int(store["schedule_id"]))
    rows = table_rows(payload)
    mask = filter_mask(payload, search, month, min_priority)
    return [row for row, keep in zip(rows, mask.tolist()) if keep], len(rows)


FILTERS = [Input("tl-search", "value"), Input("tl-month", "value"), Input("tl-min-priority", "value")]


class TableOutputs(NamedTuple):
    rows: Any
    showing: Any


TABLE_OUTPUTS = TableOutputs(rows=Output("tl-table", "rowData"), showing=Output("tl-showing", "children"))


@callback(output=TABLE_OUTPUTS, inputs=FILTERS, state=[State("tl-store", "data")], prevent_initial_call=True)
def filter_table(search, month, min_priority, store):
    if not store:
        return unchanged(TABLE_OUTPUTS)
    try:
        rows, total = _filtered_rows(store, search, month, min_priority)
    except Exception as e:  # noqa: BLE001 - shown as a message
        return TableOutputs(rows=[], showing=error_alert(e))
    return TableOutputs(rows=rows, showing=showing_text(len(rows), total))


@callback(Output("tl-download", "data"), Input("tl-download-btn", "n_clicks"),
          *[State(f.component_id, f.component_property) for f in FILTERS],
          State("tl-store", "data"), prevent_initial_call=True)
def download(_n, search, month, min_priority, store):
    try:
        rows, _total = _filtered_rows(store, search, month, min_priority)
    except Exception:  # noqa: BLE001 - nothing to download
        return no_update
    return dcc.send_string(rows_csv(rows), f"timeline_{store['schedule_id']}.csv")

