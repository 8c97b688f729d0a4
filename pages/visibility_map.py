"""Visibility Map (flows.md §3): how many blocks are visible over time — histogram and calendar."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import dash
import dash_bootstrap_components as dbc
import numpy as np
from dash import Input, Output, State, callback, dcc, html, no_update

from tsi.figures.common import empty_figure
from tsi.figures.visibility_map import calendar_figure, histogram_figure
from tsi.ui.alerts import NO_MATCH, empty_state, error_alert
from tsi.ui.outputs import HIDE, SHOW, unchanged
from tsi.ui.page import described, load_for_page, metric_card, page_title
from tsi.ui.visibility_map_controls import (
    bins_text, block_options, calendar_csv, facade_params, histogram_csv, unix_text,
)

dash.register_page(__name__, path="/visibility-map", name="Visibility Map", order=3)

TITLE = "Visibility Map"
NO_VISIBILITY = "This schedule has no visibility periods (upload a visibility file with it)."
GRAPH_CONFIG = {"displaylogo": False, "scrollZoom": True}
DARK_TEXT = {"color": "#212529"}  # Dash 4 inputs inherit the (light) text colour on their white background

CONTROLS = [
    Input("vis-priority", "value"), Input("vis-blocks", "value"), Input("vis-bin-mode", "value"),
    Input("vis-n-bins", "value"), Input("vis-width", "value"), Input("vis-width-unit", "value"),
    Input("vis-start", "value"), Input("vis-end", "value"),
]


def _state(controls):
    return [State(c.component_id, c.component_property) for c in controls]


# ------------------------------------------------------------------ layout

def layout(schedule=None, **_query):
    from tsi import data

    r, payload, problem = load_for_page(TITLE, schedule, data.visibility_map)
    if problem is not None:
        return problem
    sid = r.schedule_id
    rng = payload["range"]
    if rng["schedule_start_unix"] is None:
        return html.Div([page_title(TITLE, r.header), empty_state(NO_VISIBILITY)])

    prio = np.asarray(payload["blocks"]["priority"], dtype=float)
    prio = prio[~np.isnan(prio)]
    pmin = math.floor(float(prio.min()) * 10) / 10 if len(prio) else 0.0
    pmax = math.ceil(float(prio.max()) * 10) / 10 if len(prio) else 1.0
    if pmax <= pmin:
        pmax = pmin + 1.0
    defaults = {
        "schedule_id": sid,
        "start_unix": int(rng["schedule_start_unix"]), "end_unix": int(rng["schedule_end_unix"]),
        "start_text": unix_text(rng["schedule_start_unix"]), "end_text": unix_text(rng["schedule_end_unix"]),
        "priority": [pmin, pmax],
    }
    ids = payload["blocks"]["original_block_id"]
    controls = dbc.Card(dbc.CardBody(dbc.Row([
        dbc.Col([
            dbc.Label("Priority range", html_for="vis-priority"),
            html.Div(dcc.RangeSlider(id="vis-priority", min=pmin, max=pmax, step=0.1, value=[pmin, pmax],
                                     marks=None), style=DARK_TEXT),
            dbc.Label("Blocks", html_for="vis-blocks", className="mt-2"),
            html.Div(dcc.Dropdown(id="vis-blocks", options=block_options(ids, None, None), multi=True,
                                  searchable=True, placeholder="All blocks (type to search original ids)",
                                  closeOnSelect=False, debounce=True), style=DARK_TEXT),
        ], lg=4),
        dbc.Col([
            dbc.Label("Bins"),
            dbc.RadioItems(id="vis-bin-mode", inline=True, value="count",
                           options=[{"label": "Number of bins", "value": "count"},
                                    {"label": "Fixed width", "value": "width"}]),
            html.Div(dbc.InputGroup([
                dbc.InputGroupText(html.Label("Number of bins", htmlFor="vis-n-bins", className="mb-0")),
                dbc.Input(id="vis-n-bins", type="number", min=1, max=1000, step=1, value=50, debounce=True),
            ], size="sm"), id="vis-n-bins-row", className="mt-1"),
            html.Div(dbc.InputGroup([
                dbc.InputGroupText(html.Label("Width", htmlFor="vis-width", className="mb-0")),
                dbc.Input(id="vis-width", type="number", min=0, step="any", value=1, debounce=True),
                dbc.Select(id="vis-width-unit", value="hours",
                           options=[{"label": u, "value": u} for u in ("minutes", "hours", "days")]),
            ], size="sm"), id="vis-width-row", className="mt-1", style=HIDE),
        ], lg=3),
        dbc.Col([
            dbc.Label("Time range (UTC)"),
            dbc.InputGroup([dbc.InputGroupText(html.Label("From", htmlFor="vis-start", className="mb-0")),
                            dbc.Input(id="vis-start", value=defaults["start_text"], debounce=True,
                                      placeholder="YYYY-MM-DD HH:MM")], size="sm"),
            dbc.InputGroup([dbc.InputGroupText(html.Label("To", htmlFor="vis-end", className="mb-0")),
                            dbc.Input(id="vis-end", value=defaults["end_text"], debounce=True,
                                      placeholder="YYYY-MM-DD HH:MM")], size="sm", className="mt-1"),
        ], lg=3),
        dbc.Col([
            dbc.Label("Calendar metric"),
            dbc.RadioItems(id="vis-calendar-metric", value="visible_blocks",
                           options=[{"label": "visible blocks", "value": "visible_blocks"},
                                    {"label": "block-hours", "value": "visible_block_hours"}]),
            dbc.Switch(id="vis-shade-dark", label="Shade dark periods", value=True, className="mt-2"),
        ], lg=2),
    ], className="g-3")), className="mb-3")

    message, metrics, hist, cal = _render(payload, True, "visible_blocks")
    return html.Div([
        page_title(TITLE, r.header, "Number of blocks whose visibility periods overlap each time bin"),
        dcc.Store(id="vis-store", data=defaults),
        controls,
        html.Div(message, id="vis-message"),
        html.Div(metrics, id="vis-metrics"),
        described(dcc.Loading(dcc.Graph(id="vis-histogram", figure=hist, config=GRAPH_CONFIG), type="default"),
                  "vis-metrics"),
        html.Div([
            dbc.Button("Download histogram CSV", id="vis-download-histogram-btn", color="secondary", size="sm",
                       className="me-2"),
            dbc.Button("Download calendar CSV", id="vis-download-calendar-btn", color="secondary", size="sm"),
            dcc.Download(id="vis-download-histogram"), dcc.Download(id="vis-download-calendar"),
        ], className="my-2"),
        html.H2("Calendar", className="h5 mt-3"),
        described(dcc.Loading(dcc.Graph(id="vis-calendar", figure=cal, config={"displaylogo": False}),
                              type="default"), "vis-metrics"),
    ])


def _metrics(payload: dict):
    s, rng = payload["summary"], payload["range"]
    cards = [
        ("Total blocks", f"{s['total_blocks']:,}", "vis-metric-total"),
        ("Selected", f"{s['selected_blocks']:,}", "vis-metric-selected"),
        ("Selected with visibility", f"{s['selected_with_visibility']:,}", "vis-metric-with-visibility"),
        ("Bins", bins_text(rng), "vis-metric-bins"),
        ("Peak visible in a bin", f"{s['max_count']:,}", "vis-metric-peak"),
    ]
    detail = {"vis-metric-selected": (f"{s['unknown_block_ids']:,} unknown ids ignored"
                                      if s.get("unknown_block_ids") else None),
              "vis-metric-peak": f"mean {s['mean_count']:,.1f}"}
    return dbc.Row([dbc.Col(metric_card(label, value, detail.get(cid), id=cid), xs=6, md=4, xl=True)
                    for label, value, cid in cards], className="g-2 mb-3")


class ViewOutputs(NamedTuple):
    """What the controls' callback writes: a message, the metric cards and both figures."""
    message: Any
    metrics: Any
    histogram: Any
    calendar: Any


def _render(payload: dict, shade_dark: bool, metric: str) -> ViewOutputs:
    """Message, metrics and figures for one payload."""
    metrics = _metrics(payload)
    if payload["summary"]["selected_blocks"] == 0:
        return ViewOutputs(message=empty_state(NO_MATCH), metrics=metrics, histogram=empty_figure(NO_MATCH),
                           calendar=empty_figure(NO_MATCH))
    return ViewOutputs(message=None, metrics=metrics, histogram=histogram_figure(payload, shade_dark),
                       calendar=calendar_figure(payload, metric))


def _payload(store: dict, values: list):
    from tsi import data

    priority, blocks, mode, n_bins, width, unit, start, end = values
    params = facade_params(mode, n_bins, width, unit, start, end, store, priority, blocks)
    return data.visibility_map(int(store["schedule_id"]), **params)


# ------------------------------------------------------------------ callbacks

class BinInputsOutputs(NamedTuple):
    n_bins_style: Any
    width_style: Any


BIN_INPUTS_OUTPUTS = BinInputsOutputs(n_bins_style=Output("vis-n-bins-row", "style"),
                                      width_style=Output("vis-width-row", "style"))


@callback(output=BIN_INPUTS_OUTPUTS, inputs=[Input("vis-bin-mode", "value")])
def show_bin_inputs(mode):
    by_width = mode == "width"
    return BinInputsOutputs(n_bins_style=HIDE if by_width else SHOW, width_style=SHOW if by_width else HIDE)


@callback(Output("vis-blocks", "options"), Input("vis-blocks", "search_value"), State("vis-blocks", "value"),
          State("vis-store", "data"), prevent_initial_call=True)
def search_blocks(search, selected, store):
    from tsi import data

    if not store:
        return no_update
    try:
        payload = data.visibility_map(int(store["schedule_id"]))
    except Exception:  # noqa: BLE001 - the main callback shows the error
        return no_update
    return block_options(payload["blocks"]["original_block_id"], search, selected)


VIEW_OUTPUTS = ViewOutputs(message=Output("vis-message", "children"), metrics=Output("vis-metrics", "children"),
                           histogram=Output("vis-histogram", "figure"), calendar=Output("vis-calendar", "figure"))


@callback(State("vis-store", "data"), *CONTROLS, Input("vis-calendar-metric", "value"),
          Input("vis-shade-dark", "value"), output=VIEW_OUTPUTS, prevent_initial_call=True)
def update(store, *args):
    values, (metric, shade) = list(args[:8]), args[8:]
    if not store:
        return unchanged(VIEW_OUTPUTS)
    try:
        payload = _payload(store, values)
    except Exception as e:  # noqa: BLE001 - shown as a message
        blank = empty_figure("")
        return ViewOutputs(message=error_alert(e), metrics=None, histogram=blank, calendar=blank)
    return _render(payload, bool(shade), metric or "visible_blocks")


@callback(Output("vis-download-histogram", "data"), Input("vis-download-histogram-btn", "n_clicks"),
          State("vis-store", "data"), *_state(CONTROLS), prevent_initial_call=True)
def download_histogram(_n, store, *values):
    try:
        payload = _payload(store, list(values))
    except Exception:  # noqa: BLE001 - the figure area already shows the message
        return no_update
    return dcc.send_string(histogram_csv(payload), f"visibility_histogram_{store['schedule_id']}.csv")


@callback(Output("vis-download-calendar", "data"), Input("vis-download-calendar-btn", "n_clicks"),
          State("vis-store", "data"), *_state(CONTROLS), prevent_initial_call=True)
def download_calendar(_n, store, *values):
    try:
        payload = _payload(store, list(values))
    except Exception:  # noqa: BLE001 - the figure area already shows the message
        return no_update
    return dcc.send_string(calendar_csv(payload), f"visibility_calendar_{store['schedule_id']}.csv")
