"""Distributions: priority, visibility, requested time and elevation range of the blocks (flows.md §2)."""

from __future__ import annotations

from typing import Any, NamedTuple

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from tsi.figures.common import empty_figure
from tsi.figures.distributions import all_figures
from tsi.ui.alerts import NO_BLOCKS, empty_state, error_alert
from tsi.ui.distributions_view import empty_message, metric_texts, stats_csv, stats_rows, stats_table
from tsi.ui.outputs import HIDE, SHOW, only, unchanged
from tsi.ui.page import described, metric_card, page_title, resolve_schedule

dash.register_page(__name__, path="/distributions", name="Distributions", order=2)

GRAPHS = ["priority", "visibility", "requested", "elevation", "status", "violin"]
GRAPH_CONFIG = {"displaylogo": False, "responsive": True}


def graph(key: str, figure: dict, height: int):
    return described(dcc.Loading(dcc.Graph(id=f"dist-{key}", figure=figure, config=GRAPH_CONFIG,
                                           style={"height": f"{height}px"}), type="circle", delay_show=150),
                     "dist-metrics")


def metrics_row(counts: dict, exclude: bool):
    return dbc.Row([dbc.Col(metric_card(label, value, detail, id=f"dist-metric-{i}"), xs=6, md=3, className="mb-2")
                    for i, (label, value, detail) in enumerate(metric_texts(counts, exclude))], className="g-2")


def render(sid: int, exclude: bool) -> dict:
    """Everything the switch drives: figures by key, metrics, table, body/empty visibility, message, error."""
    from tsi import data

    out = {"figures": {k: empty_figure("") for k in GRAPHS}, "metrics": None, "table": None, "body_style": HIDE,
           "empty": None, "empty_style": HIDE, "message": None, "error": None}
    try:
        payload = data.distributions(sid, exclude_impossible=bool(exclude))
    except Exception as e:  # noqa: BLE001 - shown to the user as a message
        out["error"] = error_alert(e)
        return out
    counts = payload["counts"]
    out["metrics"] = metrics_row(counts, bool(exclude))
    message = empty_message(counts, bool(exclude))
    if message:
        out.update(message=message, empty=empty_state(message), empty_style=SHOW)
        return out
    out.update(figures=all_figures(payload), table=stats_table(stats_rows(payload)), body_style=SHOW)
    return out


def layout(schedule=None, **_query):
    resolved = resolve_schedule(schedule)
    if resolved.problem is not None:
        return html.Div([page_title("Distributions"), resolved.problem])
    sid, header = resolved.schedule_id, resolved.header
    title = page_title("Distributions", header, "How priority, visibility, requested time and elevation range "
                                                 "are distributed over the blocks.")
    r = render(sid, False)
    if r["error"] is not None:
        return html.Div([title, r["error"]])
    if r["message"] == NO_BLOCKS:
        return html.Div([title, empty_state(NO_BLOCKS)])
    figs = r["figures"]
    return html.Div([
        title,
        dcc.Store(id="dist-state", data={"schedule_id": sid}),
        dbc.Switch(id="dist-exclude", label="Exclude impossible blocks", value=False, className="mb-3"),
        html.Div(id="dist-error"),
        html.Div(r["metrics"], id="dist-metrics", className="mb-2"),
        html.Div(r["empty"], id="dist-empty", style=r["empty_style"]),
        html.Div([
            dbc.Card(dbc.CardBody(graph("priority", figs["priority"], 420)), className="mb-3"),
            dbc.Row([dbc.Col(dbc.Card(dbc.CardBody(graph(k, figs[k], 340))), lg=4, className="mb-3")
                     for k in ("visibility", "requested", "elevation")], className="g-3"),
            dbc.Row([dbc.Col(dbc.Card(dbc.CardBody(graph(k, figs[k], 380))), lg=6, className="mb-3")
                     for k in ("status", "violin")], className="g-3"),
            dbc.Card(dbc.CardBody([
                html.Div([html.H2("Statistics", className="h5 d-inline-block mb-0"),
                          dbc.Button("Download CSV", id="dist-download-button", size="sm", color="light",
                                     outline=True, className="float-end")], className="mb-2 clearfix"),
                dcc.Loading(html.Div(r["table"], id="dist-table"), type="circle", delay_show=150),
                html.Div("Counts are blocks; mean, median, std (population), min, max and sum to two decimals.",
                         className="text-muted small"),
                dcc.Download(id="dist-download"),
            ]), className="mb-3"),
        ], id="dist-body", style=r["body_style"]),
    ])


class UpdateOutputs(NamedTuple):
    """What the switch's callback writes; `figures` by graph key."""
    figures: Any
    metrics: Any
    table: Any
    body_style: Any
    empty: Any
    empty_style: Any
    error: Any


UPDATE_OUTPUTS = UpdateOutputs(
    figures={k: Output(f"dist-{k}", "figure") for k in GRAPHS},
    metrics=Output("dist-metrics", "children"), table=Output("dist-table", "children"),
    body_style=Output("dist-body", "style"), empty=Output("dist-empty", "children"),
    empty_style=Output("dist-empty", "style"), error=Output("dist-error", "children"),
)


@callback(output=UPDATE_OUTPUTS, inputs=[Input("dist-exclude", "value")], state=[State("dist-state", "data")],
          prevent_initial_call=True)
def update(exclude, state):
    if not state:
        return unchanged(UPDATE_OUTPUTS)
    r = render(state["schedule_id"], bool(exclude))
    if r["error"] is not None:
        return only(UPDATE_OUTPUTS, metrics=None, table=None, body_style=HIDE, empty=None, empty_style=HIDE,
                    error=r["error"])
    return UpdateOutputs(figures=r["figures"], metrics=r["metrics"], table=r["table"], body_style=r["body_style"],
                         empty=r["empty"], empty_style=r["empty_style"], error=None)


@callback(Output("dist-download", "data"), Input("dist-download-button", "n_clicks"),
          State("dist-exclude", "value"), State("dist-state", "data"), prevent_initial_call=True)
def download(n_clicks, exclude, state):
    if not n_clicks or not state:
        return no_update
    from tsi import data

    sid = state["schedule_id"]
    try:
        payload = data.distributions(sid, exclude_impossible=bool(exclude))
    except Exception:  # noqa: BLE001 - the page already shows the error
        return no_update
    suffix = "_possible" if exclude else ""
    return dcc.send_string(stats_csv(stats_rows(payload)), filename=f"distributions_schedule_{sid}{suffix}.csv",
                           type="text/csv")
