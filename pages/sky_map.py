"""Sky Map: every block at its sky position (flows.md §1).

Projection and RA direction are parameters of the `sky_map` flow (computed in Rust, cached by the facade); the
colouring, status, priority and scheduled-window filters and the overlays run here on the cached payload.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import dash
import dash_bootstrap_components as dbc

from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from tsi.config import PROJECTIONS, get_settings
from tsi.figures.common import empty_figure
from tsi.figures.sky_map import OVERLAYS, compact, filter_mask, sky_figure
from tsi.ui.alerts import NO_BLOCKS, NO_MATCH, empty_state, error_alert
from tsi.ui.outputs import HIDE, SHOW, only, unchanged
from tsi.ui.page import page_title, resolve_schedule
from tsi.ui.sky_map_view import (TIME_FORMAT_HINT, filters_from_controls, priority_bounds, subset_csv,
                                 subset_summary, summary_texts, window_defaults)

dash.register_page(__name__, path="/sky-map", name="Sky Map", order=1)

PROJECTION_LABELS = {"cartesian": "Cartesian (RA/Dec)", "mollweide": "Mollweide", "aitoff": "Aitoff",
                     "hammer": "Hammer"}
OVERLAY_OPTIONS = [{"label": "Galactic plane", "value": "galactic"}, {"label": "Ecliptic", "value": "ecliptic"},
                   {"label": "Grid", "value": "grid"}]
STATUS_OPTIONS = [{"label": "All", "value": "all"}, {"label": "Scheduled", "value": "scheduled"},
                  {"label": "Unscheduled", "value": "unscheduled"}]
COLOR_OPTIONS = [{"label": "Priority bin", "value": "bin"}, {"label": "Status", "value": "status"}]
GRAPH_CONFIG = {"displaylogo": False, "scrollZoom": True, "responsive": True,
                "toImageButtonOptions": {"filename": "sky_map"}}


def default_projection() -> str:
    p = str(get_settings().UI.DEFAULT_PROJECTION).lower()
    return p if p in PROJECTIONS else "mollweide"


# ------------------------------------------------------------------ rendering (layout and callbacks)
#
# Every output of the map callback is plain JSON (figure dict, strings, styles, booleans): Dash then encodes the
# response with orjson directly, instead of walking a 25,000-point figure in Python next to a component.

N_METRICS = 5


def summary_cards():
    """Static cards whose value and detail texts the map callback fills in (same look as `metric_card`)."""
    cards = []
    for i in range(N_METRICS):
        body = dbc.CardBody([html.Div(id=f"sky-metric-{i}-label", className="text-muted small"),
                             html.Div("…", id=f"sky-metric-{i}-value", className="fs-4 fw-bold"),
                             html.Div(id=f"sky-metric-{i}-detail", className="text-muted small")])
        cards.append(dbc.Col(dbc.Card(body, id=f"sky-metric-{i}", className="tsi-metric h-100"), xs=6, md=4, xl=True,
                             className="mb-2"))
    return dbc.Row(cards, className="g-2")


def render(state: dict, projection, ra_left, color_by, status, priority, window_from, window_to, overlays) -> dict:
    """Everything the controls drive, as JSON-native values."""
    sid = state["schedule_id"]
    projection = projection if projection in PROJECTIONS else default_projection()
    ra_left = bool(ra_left)
    out = {"figure": empty_figure(""), "graph_style": HIDE, "empty_style": HIDE, "metrics": None,
           "error": None, "error_color": "danger", "bad_from": False, "bad_to": False}
    from tsi import data

    try:
        payload = data.sky_map(sid, projection=projection, ra_left=ra_left)
    except Exception as e:  # noqa: BLE001 - shown to the user as a message
        alert = error_alert(e)
        out.update(error=alert.children, error_color=alert.color)
        return out
    defaults = tuple(state.get("window") or ("", ""))
    filters, bad = filters_from_controls(payload["stats"], status, priority, window_from, window_to, defaults)
    mask = filter_mask(payload["blocks"], filters)
    out.update(metrics=summary_texts(subset_summary(payload, mask)), bad_from="from" in bad, bad_to="to" in bad)
    if not mask.any():
        out.update(figure=empty_figure(NO_MATCH), empty_style=SHOW)
        return out
    fig = sky_figure(payload, projection=projection, color_by=color_by or "bin", overlays=overlays or [],
                     mask=mask, uirevision=f"{sid}-{projection}-{ra_left}")
    out.update(figure=compact(fig), graph_style=SHOW)
    return out


def controls(stats: dict, projection: str, window: tuple[str, str]):
    bounds = priority_bounds(stats)
    nothing_scheduled = not stats.get("scheduled_count")

    def mark(v: float) -> str:
        return f"{v:g}"

    window_inputs = [
        dbc.Label("Scheduled window (UTC)", className="mb-1"),
        dbc.InputGroup([dbc.InputGroupText(html.Label("From", htmlFor="sky-window-from", className="mb-0")),
                        dbc.Input(id="sky-window-from", type="text", value=window[0], debounce=True,
                                  placeholder=TIME_FORMAT_HINT, disabled=nothing_scheduled)], size="sm",
                       className="mb-1"),
        dbc.InputGroup([dbc.InputGroupText(html.Label("To", htmlFor="sky-window-to", className="mb-0")),
                        dbc.Input(id="sky-window-to", type="text", value=window[1], debounce=True,
                                  placeholder=TIME_FORMAT_HINT, disabled=nothing_scheduled)], size="sm"),
        html.Div(f"Use {TIME_FORMAT_HINT}; keeps scheduled blocks starting in [from, to), never hides "
                 "unscheduled blocks.", className="text-muted small"),
    ]
    if nothing_scheduled:
        window_inputs.append(html.Div("Nothing is scheduled in this schedule, so the window filter is off.",
                                      id="sky-window-note", className="text-warning small"))
    return dbc.Card(dbc.CardBody([
        dbc.Label("Projection", html_for="sky-projection", className="mb-1"),
        dbc.Select(id="sky-projection", value=projection,
                   options=[{"label": PROJECTION_LABELS[p], "value": p} for p in PROJECTIONS], className="mb-2"),
        dbc.Switch(id="sky-ra-left", label="RA increases to the left", value=True, className="mb-3"),
        dbc.Label("Colour by", className="mb-1"),
        dbc.RadioItems(id="sky-color-by", options=COLOR_OPTIONS, value="bin", inline=True, className="mb-3"),
        html.Hr(className="my-2"),
        html.Div([html.Span("Filters", className="fw-bold"),
                  dbc.Button("Reset filters", id="sky-reset", size="sm", color="light", outline=True,
                             className="float-end")], className="mb-2 clearfix"),
        dbc.Label("Status", className="mb-1"),
        dbc.RadioItems(id="sky-status", options=STATUS_OPTIONS, value="all", inline=True, className="mb-3"),
        dbc.Label("Priority", className="mb-1"),
        dcc.RangeSlider(id="sky-priority", min=bounds.low, max=bounds.high, step=bounds.step,
                        value=[bounds.low, bounds.high], disabled=bounds.disabled, allowCross=False,
                        marks={bounds.low: mark(bounds.low), bounds.high: mark(bounds.high)},
                        tooltip={"placement": "bottom"}, className="mb-3"),
        html.Div(window_inputs, className="mb-3"),
        html.Hr(className="my-2"),
        dbc.Label("Overlays", className="mb-1"),
        dbc.Checklist(id="sky-overlays", options=OVERLAY_OPTIONS, value=list(OVERLAYS), className="mb-3"),
        dbc.Button("Download filtered blocks (CSV)", id="sky-download-button", size="sm", color="light",
                   outline=True, className="w-100"),
        dcc.Download(id="sky-download"),
    ]), className="tsi-controls")


def layout(schedule=None, **_query):
    resolved = resolve_schedule(schedule)
    if resolved.problem is not None:
        return html.Div([page_title("Sky Map"), resolved.problem])
    sid, header = resolved.schedule_id, resolved.header
    title = page_title("Sky Map", header, "Every block at its position on the sky; marker size = requested time.")
    projection = default_projection()
    from tsi import data

    try:
        payload = data.sky_map(sid, projection=projection, ra_left=True)
    except Exception as e:  # noqa: BLE001 - shown to the user as a message
        return html.Div([title, error_alert(e)])
    stats = payload["stats"]
    if not stats.get("total_count"):
        return html.Div([title, empty_state(NO_BLOCKS)])
    window = window_defaults(stats)
    bounds = priority_bounds(stats)
    state = {"schedule_id": sid, "priority": [bounds.low, bounds.high], "window": list(window)}
    return html.Div([
        title,
        dcc.Store(id="sky-state", data=state),
        dbc.Row([
            dbc.Col(controls(stats, projection, window), lg=3, className="mb-3"),
            dbc.Col([
                html.Div(summary_cards(), id="sky-summary", className="mb-2"),
                dbc.Alert(id="sky-error", is_open=False, color="danger", className="tsi-error"),
                # the figure comes from the map callback on load (a large figure in the layout is slow to encode)
                dcc.Loading(html.Div([
                    html.Div(dcc.Graph(id="sky-graph", config=GRAPH_CONFIG, style={"height": "640px"}),
                             id="sky-graph-wrap", className="tsi-figure",
                             **{"data-tsi-describedby": "sky-summary"}),
                    html.Div(empty_state(NO_MATCH, " ", dbc.Button("Reset filters", id="sky-reset-link",
                                                                   color="link", className="p-0 align-baseline")),
                             id="sky-empty", style=HIDE),
                ]), type="circle", delay_show=150),
            ], lg=9),
        ]),
    ])


# ------------------------------------------------------------------ callbacks

# WebGL draws the points at the screen's pixel ratio, where Plotly's default is always 2: on an ordinary screen
# that is 4x the pixels to shade, which a machine without a GPU (software WebGL) pays in full: 1.0 s -> 0.4 s
# for 25,000 markers in headless Chromium, measured. High-DPI screens keep a ratio of 2 (or their own).
clientside_callback(
    "function(_id) { const r = window.devicePixelRatio || 1;"
    f" return Object.assign({{}}, {json.dumps(GRAPH_CONFIG)}, {{plotGlPixelRatio: Math.min(4, Math.max(1, r))}}); }}",
    Output("sky-graph", "config"), Input("sky-graph", "id"),
)

CONTROLS = [Input("sky-projection", "value"), Input("sky-ra-left", "value"), Input("sky-color-by", "value"),
            Input("sky-status", "value"), Input("sky-priority", "value"), Input("sky-window-from", "value"),
            Input("sky-window-to", "value"), Input("sky-overlays", "value")]
CONTROL_STATES = [State(c.component_id, c.component_property) for c in CONTROLS]


class MapOutputs(NamedTuple):
    """What the map callback writes; `metrics` holds one [label, value, detail] per summary card."""
    figure: Any
    graph_style: Any
    empty_style: Any
    metrics: Any
    error: Any
    error_color: Any
    error_open: Any
    bad_from: Any
    bad_to: Any


MAP_OUTPUTS = MapOutputs(
    figure=Output("sky-graph", "figure"), graph_style=Output("sky-graph-wrap", "style"),
    empty_style=Output("sky-empty", "style"),
    metrics=[[Output(f"sky-metric-{i}-{part}", "children") for part in ("label", "value", "detail")]
             for i in range(N_METRICS)],
    error=Output("sky-error", "children"), error_color=Output("sky-error", "color"),
    error_open=Output("sky-error", "is_open"),
    bad_from=Output("sky-window-from", "invalid"), bad_to=Output("sky-window-to", "invalid"),
)


@callback(output=MAP_OUTPUTS, inputs=CONTROLS, state=[State("sky-state", "data")])
def update_map(projection, ra_left, color_by, status, priority, window_from, window_to, overlays, state):
    if not state:
        return unchanged(MAP_OUTPUTS)
    r = render(state, projection, ra_left, color_by, status, priority, window_from, window_to, overlays)
    if r["error"] is not None:
        return only(MAP_OUTPUTS, graph_style=HIDE, empty_style=HIDE, error=r["error"], error_color=r["error_color"],
                    error_open=True, bad_from=False, bad_to=False)
    return MapOutputs(figure=r["figure"], graph_style=r["graph_style"], empty_style=r["empty_style"],
                      metrics=[[text or "" for text in card] for card in r["metrics"]],
                      error=None, error_color=no_update, error_open=False, bad_from=r["bad_from"],
                      bad_to=r["bad_to"])


class ResetOutputs(NamedTuple):
    status: Any
    priority: Any
    window_from: Any
    window_to: Any


RESET_OUTPUTS = ResetOutputs(status=Output("sky-status", "value"), priority=Output("sky-priority", "value"),
                             window_from=Output("sky-window-from", "value"),
                             window_to=Output("sky-window-to", "value"))


@callback(output=RESET_OUTPUTS, inputs=[Input("sky-reset", "n_clicks"), Input("sky-reset-link", "n_clicks")],
          state=[State("sky-state", "data")], prevent_initial_call=True)
def reset_filters(_n_button, _n_link, state):
    if not state or not ctx.triggered_id:
        return unchanged(RESET_OUTPUTS)
    window = state.get("window") or ["", ""]
    return ResetOutputs(status="all", priority=list(state["priority"]), window_from=window[0], window_to=window[1])


@callback(Output("sky-download", "data"), Input("sky-download-button", "n_clicks"), State("sky-state", "data"),
          *CONTROL_STATES, prevent_initial_call=True)
def download(n_clicks, state, projection, ra_left, _color_by, status, priority, window_from, window_to, _overlays):
    if not n_clicks or not state:
        return no_update
    from tsi import data

    sid = state["schedule_id"]
    try:
        payload = data.sky_map(sid, projection=projection if projection in PROJECTIONS else default_projection(),
                               ra_left=bool(ra_left))
    except Exception:  # noqa: BLE001 - the page already shows the error
        return no_update
    filters, _bad = filters_from_controls(payload["stats"], status, priority, window_from, window_to,
                                          tuple(state.get("window") or ("", "")))
    mask = filter_mask(payload["blocks"], filters)
    return dcc.send_string(subset_csv(payload, mask), filename=f"sky_map_schedule_{sid}.csv", type="text/csv")
