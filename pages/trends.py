"""Trends (flows.md §6): scheduling rate vs priority, visibility and requested time; smoothing; heatmap; model."""

from __future__ import annotations

from typing import Any, NamedTuple

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from tsi.figures.trends import (RATE_COLUMNS, binned_rate_figure, coefficient_table, heatmap_figure,
                                model_summary, priority_rate_figure, probability_figure, rates_table,
                                smoothed_figure)
from tsi.ui.alerts import error_alert
from tsi.ui.outputs import only
from tsi.ui.page import described, load_for_page, metric_card, page_title
from tsi.ui.tables import grid, rows_of, to_csv
from tsi.ui.trends_params import levels_param, overview_texts, range_param, slider_spec

dash.register_page(__name__, path="/trends", name="Trends", order=6)

TITLE = "Trends"
DEFAULTS = {"exclude": False, "n_bins": 10, "bandwidth": 0.3, "class_weight": "balanced"}
_NUM = {"function": "params.value == null ? 'n/a' : d3.format(',.3f')(params.value)"}
PRIORITY_COLUMNS = [
    {"field": "priority_value", "headerName": "Level", "width": 90},
    {"field": "total_count", "headerName": "Blocks"},
    {"field": "scheduled_count", "headerName": "Scheduled"},
    {"field": "unscheduled_count", "headerName": "Unscheduled"},
    {"field": "impossible_count", "headerName": "Impossible"},
    {"field": "scheduling_rate", "headerName": "Rate", "valueFormatter": _NUM},
    {"field": "visibility_mean_hours", "headerName": "Mean visibility (h)", "valueFormatter": _NUM},
    {"field": "requested_mean_hours", "headerName": "Mean requested (h)", "valueFormatter": _NUM},
]
COEF_COLUMNS = [{"field": "feature", "headerName": "Feature"},
                {"field": "coefficient", "headerName": "Coefficient", "valueFormatter": _NUM}]
GRAPH_CONFIG = {"displaylogo": False}


def _params(store: dict, exclude, vis, req, levels, n_bins, bandwidth, class_weight) -> dict:
    b = store["bounds"]
    return {
        "exclude_impossible": bool(exclude),
        "n_bins": int(n_bins if n_bins is not None else DEFAULTS["n_bins"]),
        "bandwidth": float(bandwidth if bandwidth is not None else DEFAULTS["bandwidth"]),
        "visibility_range": range_param(vis, b["visibility_min"], b["visibility_max"]),
        "requested_range": range_param(req, b["requested_min"], b["requested_max"]),
        "priority_levels": levels_param(levels),
        "class_weight": class_weight or DEFAULTS["class_weight"],
    }


def _load(sid: int, **params) -> dict:
    from tsi import data

    return data.trends(sid, **params)


# ------------------------------------------------------------------ sections

def overview(m: dict):
    return dbc.Row([dbc.Col(metric_card(label, value, detail, id=f"tr-metric-{i}"), className="mb-2")
                    for i, (label, value, detail) in enumerate(overview_texts(m))])


def model_section(model: dict):
    summary = model_summary(model)
    if model.get("status") != "ok":
        return [dbc.Alert(summary, color="info", id="tr-model-status", className="mb-0")]
    coefs = coefficient_table(model)
    return [
        html.Div(summary, id="tr-model-summary", className="fs-5 fw-bold"),
        html.Div(f"{model['n_samples']:,} blocks ({model['n_scheduled']:,} scheduled, "
                 f"{model['n_samples'] - model['n_scheduled']:,} unscheduled); logistic regression on standardised "
                 f"priority, visibility and requested time with their pairwise products.",
                 id="tr-model-counts", className="text-muted mb-2"),
        dbc.Row([
            dbc.Col(grid("tr-coefficients", coefs, COEF_COLUMNS, height=300), lg=4),
            dbc.Col(described(dcc.Graph(id="tr-curves", figure=probability_figure(model), config=GRAPH_CONFIG),
                              "tr-model-summary", "tr-model-counts"), lg=8),
        ]),
    ]


class TrendsOutputs(NamedTuple):
    """Every figure and table of the page (what the controls' callback writes), and the error message."""
    overview: Any
    priority: Any
    priority_rows: Any
    by_visibility: Any
    by_requested: Any
    smooth_visibility: Any
    smooth_requested: Any
    heatmap: Any
    model: Any
    error: Any


def sections(payload: dict, n_bins: int) -> TrendsOutputs:
    """Every figure and table of the page for one payload (no error)."""
    return TrendsOutputs(
        overview=overview(payload["metrics"]),
        priority=priority_rate_figure(payload["by_priority"]),
        priority_rows=payload_rows(payload["by_priority"]),
        by_visibility=binned_rate_figure(payload["by_visibility"], "Total visibility (h)",
                                         "Scheduling rate vs visibility"),
        by_requested=binned_rate_figure(payload["by_requested"], "Requested time (h)",
                                        "Scheduling rate vs requested time"),
        smooth_visibility=smoothed_figure(payload["smoothed_visibility"], payload["by_visibility"],
                                          "Total visibility (h)", "Smoothed rate vs visibility"),
        smooth_requested=smoothed_figure(payload["smoothed_requested"], payload["by_requested"],
                                         "Requested time (h)", "Smoothed rate vs requested time"),
        heatmap=heatmap_figure(payload["heatmap"], payload["metrics"], n_bins),
        model=model_section(payload["model"]),
        error=None,
    )


def payload_rows(table: dict) -> list[dict]:
    return rows_of(table, [c["field"] for c in PRIORITY_COLUMNS])


def _graph(id: str, figure: dict):
    return dcc.Loading(dcc.Graph(id=id, figure=figure, config=GRAPH_CONFIG))


def _card(title: str, body):
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body)], className="mb-3")


def _range_text(value, unit: str) -> str:
    if not value or len(value) != 2:
        return ""
    a, b = sorted(float(v) for v in value)
    return f"{a:,.2f} – {b:,.2f} {unit}"


def sidebar(avail: dict):
    vis = slider_spec(avail["visibility_min"], avail["visibility_max"])
    req = slider_spec(avail["requested_min"], avail["requested_max"])
    levels = [int(v) for v in avail["priority_levels"]]
    return dbc.Card(dbc.CardBody([
        dbc.Switch(id="tr-exclude", label="Exclude impossible blocks", value=DEFAULTS["exclude"], className="mb-3"),
        dbc.Label("Visibility range (h)", html_for="tr-vis-range"),
        dcc.RangeSlider(id="tr-vis-range", min=vis["min"], max=vis["max"], step=vis["step"],
                        value=[vis["min"], vis["max"]], marks=None, className="mb-1"),
        html.Div(_range_text([vis["min"], vis["max"]], "h"), id="tr-vis-range-text", className="small text-muted mb-3"),
        dbc.Label("Requested time range (h)", html_for="tr-req-range"),
        dcc.RangeSlider(id="tr-req-range", min=req["min"], max=req["max"], step=req["step"],
                        value=[req["min"], req["max"]], marks=None, className="mb-1"),
        html.Div(_range_text([req["min"], req["max"]], "h"), id="tr-req-range-text", className="small text-muted mb-3"),
        dbc.Label("Priority levels", html_for="tr-levels"),
        dcc.Dropdown(id="tr-levels", options=[{"label": str(v), "value": v} for v in levels], value=[],
                     multi=True, placeholder="All levels", className="mb-3 tsi-schedule-selector"),
        dbc.Label("Bins", html_for="tr-bins"),
        dcc.Slider(id="tr-bins", min=5, max=20, step=1, value=DEFAULTS["n_bins"],
                   marks={v: str(v) for v in (5, 10, 15, 20)}, className="mb-3"),
        dbc.Label("Smoothing bandwidth (fraction of the range)", html_for="tr-bandwidth"),
        dcc.Slider(id="tr-bandwidth", min=0.1, max=0.6, step=0.05, value=DEFAULTS["bandwidth"],
                   marks={v: f"{v:.1f}" for v in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)}, className="mb-3"),
        dbc.Label("Class weighting (model)", html_for="tr-class-weight"),
        dbc.RadioItems(id="tr-class-weight", options=[{"label": "Balanced", "value": "balanced"},
                                                      {"label": "None", "value": "none"}],
                       value=DEFAULTS["class_weight"], inline=True, className="mb-3"),
        dbc.Button("Download rates CSV", id="tr-dl-btn", color="secondary", size="sm"),
        dcc.Download(id="tr-dl"),
    ]), className="tsi-sidebar")


def layout(schedule=None, **_query):
    r, payload, problem = load_for_page(TITLE, schedule, lambda sid: _load(
        sid, exclude_impossible=DEFAULTS["exclude"], n_bins=DEFAULTS["n_bins"], bandwidth=DEFAULTS["bandwidth"],
        class_weight=DEFAULTS["class_weight"]))
    if problem is not None:
        return problem
    sid = r.schedule_id
    avail = payload["available"]
    bounds = {k: float(avail[k]) for k in ("visibility_min", "visibility_max", "requested_min", "requested_max")}
    s = sections(payload, DEFAULTS["n_bins"])

    main = html.Div([
        html.Div(id="tr-error"),
        dcc.Loading(html.Div(s.overview, id="tr-overview", className="mb-2")),
        _card("Scheduling rate by priority level", [
            _graph("tr-priority", s.priority),
            dbc.Accordion(dbc.AccordionItem(
                grid("tr-priority-table", payload["by_priority"], PRIORITY_COLUMNS, height=320),
                title="Table: rates by priority level"), start_collapsed=True, className="mt-2"),
        ]),
        _card("Binned scheduling rate", dbc.Row([
            dbc.Col(_graph("tr-by-visibility", s.by_visibility), lg=6),
            dbc.Col(_graph("tr-by-requested", s.by_requested), lg=6),
        ])),
        _card("Smoothed trends", dbc.Row([
            dbc.Col(_graph("tr-smooth-visibility", s.smooth_visibility), lg=6),
            dbc.Col(_graph("tr-smooth-requested", s.smooth_requested), lg=6),
        ])),
        _card("Visibility × requested time", _graph("tr-heatmap", s.heatmap)),
        _card("Model: what predicts scheduling?", dcc.Loading(html.Div(s.model, id="tr-model"))),
    ])
    return html.Div([
        page_title(TITLE, r.header, "How priority, visibility and requested time relate to being scheduled."),
        dcc.Store(id="tr-store", data={"schedule_id": sid, "bounds": bounds}),
        dbc.Row([dbc.Col(sidebar(avail), lg=3, className="mb-3"), dbc.Col(main, lg=9)]),
    ])


# ------------------------------------------------------------------ callbacks

class RangeTextOutputs(NamedTuple):
    visibility: Any
    requested: Any


RANGE_TEXT_OUTPUTS = RangeTextOutputs(visibility=Output("tr-vis-range-text", "children"),
                                      requested=Output("tr-req-range-text", "children"))


@callback(output=RANGE_TEXT_OUTPUTS, inputs=[Input("tr-vis-range", "value"), Input("tr-req-range", "value")],
          prevent_initial_call=True)
def show_ranges(vis, req):
    return RangeTextOutputs(visibility=_range_text(vis, "h"), requested=_range_text(req, "h"))


CONTROLS = [Input("tr-exclude", "value"), Input("tr-vis-range", "value"), Input("tr-req-range", "value"),
            Input("tr-levels", "value"), Input("tr-bins", "value"), Input("tr-bandwidth", "value"),
            Input("tr-class-weight", "value")]


TRENDS_OUTPUTS = TrendsOutputs(
    overview=Output("tr-overview", "children"), priority=Output("tr-priority", "figure"),
    priority_rows=Output("tr-priority-table", "rowData"), by_visibility=Output("tr-by-visibility", "figure"),
    by_requested=Output("tr-by-requested", "figure"), smooth_visibility=Output("tr-smooth-visibility", "figure"),
    smooth_requested=Output("tr-smooth-requested", "figure"), heatmap=Output("tr-heatmap", "figure"),
    model=Output("tr-model", "children"), error=Output("tr-error", "children"),
)


@callback(output=TRENDS_OUTPUTS, inputs=CONTROLS, state=[State("tr-store", "data")], prevent_initial_call=True)
def update_trends(exclude, vis, req, levels, n_bins, bandwidth, class_weight, store):
    try:
        p = _params(store, exclude, vis, req, levels, n_bins, bandwidth, class_weight)
        payload = _load(int(store["schedule_id"]), **p)
    except Exception as e:  # noqa: BLE001 - shown as a message
        return only(TRENDS_OUTPUTS, error=error_alert(e))
    return sections(payload, p["n_bins"])


class RatesOutputs(NamedTuple):
    download: Any
    error: Any


RATES_OUTPUTS = RatesOutputs(download=Output("tr-dl", "data"),
                             error=Output("tr-error", "children", allow_duplicate=True))


@callback(output=RATES_OUTPUTS, inputs=[Input("tr-dl-btn", "n_clicks")],
          state=[*[State(i.component_id, i.component_property) for i in CONTROLS], State("tr-store", "data")],
          prevent_initial_call=True)
def download_rates(_n, exclude, vis, req, levels, n_bins, bandwidth, class_weight, store):
    try:
        p = _params(store, exclude, vis, req, levels, n_bins, bandwidth, class_weight)
        payload = _load(int(store["schedule_id"]), **p)
    except Exception as e:  # noqa: BLE001 - shown as a message
        return only(RATES_OUTPUTS, error=error_alert(e))
    text = to_csv(rates_table(payload), RATE_COLUMNS)
    return RatesOutputs(download=dcc.send_string(text, f"tsi-trends-rates-schedule-{int(store['schedule_id'])}.csv",
                                                 type="text/csv"), error=None)
