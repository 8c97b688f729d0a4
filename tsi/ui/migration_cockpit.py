"""The migration cockpit on the Data Source page (operations.md §4): the readiness report
(:func:`tsi.migration.readiness.status`) as a layout — the phase, each criterion of the next phase with ✓/✗,
per-flow p50/p95 per path, shadow results, recent mismatches with the command that reproduces them, and the
ETL fallbacks. Pure builders: the page calls them with a report and refreshes them on a timer.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from tsi.figures.migration import latency_figure
from tsi.secrets import mask_secrets

REFRESH_SECONDS = 30
PHASE_TEXT = {
    "off": "legacy serves; the analytics path is idle",
    "shadow": "legacy serves; the analytics path is computed beside it and compared",
    "live": "the analytics path serves; legacy is the fallback",
    "complete": "the analytics path only",
}


def _criterion(c: dict):
    mark, word = ("✓", "met") if c["ok"] else ("✗", "not met")
    return html.Li([
        html.Span(mark, className=f"me-2 fw-bold {'text-success' if c['ok'] else 'text-warning'}",
                  **{"aria-hidden": "true"}),
        html.Span(f"{word}: ", className="visually-hidden"),
        html.Strong(c["label"]), html.Span(f" — {mask_secrets(c['detail'])}"),
    ], id=f"ds-criterion-{c['name']}", **{"data-ok": "true" if c["ok"] else "false"}, className="mb-1")


def _shadow_table(shadow: dict):
    rows = shadow["by_flow"]
    if not rows:
        return html.Div(f"No shadow comparisons in the last {shadow['window_days']} days "
                        "(MIGRATION.SHADOW_RATE > 0 collects them).", className="text-muted", id="ds-shadow-none")
    body = [html.Tr([html.Td(f), html.Td(v["match"], className="text-end"),
                     html.Td(v["mismatch"], className="text-end"), html.Td(v["error"], className="text-end")])
            for f, v in sorted(rows.items())]
    return dbc.Table([
        html.Caption(f"Shadow comparisons, last {shadow['window_days']} days ({shadow['total']} in all)"),
        html.Thead(html.Tr([html.Th("Flow", scope="col"), html.Th("Match", scope="col", className="text-end"),
                            html.Th("Mismatch", scope="col", className="text-end"),
                            html.Th("Error", scope="col", className="text-end")])),
        html.Tbody(body)], size="sm", id="ds-shadow-table", style={"maxWidth": "520px"})


def _problems(events: list[dict]):
    if not events:
        return None
    items = []
    for e in events[:10]:
        what = (f"first difference at {e['diff_path']}: legacy={e['legacy_value']} etl={e['etl_value']}"
                if e["result"] == "mismatch" else (e["error"] or "error"))
        items.append(html.Li([
            html.Div(f"{str(e['at'])[:19].replace('T', ' ')} UTC · {e['result']} · {e['flow']} · schedule "
                     f"{e['schedule_id']} (served {e['served_source']})", className="small text-muted"),
            html.Div(mask_secrets(what)[:300]),
            html.Code(mask_secrets(e["reproduce"]), className="small d-block text-break"),
        ], className="mb-2"))
    return html.Div([html.H2("Recent mismatches and errors", className="h6 mt-3"),
                     html.Ul(items, className="list-unstyled", id="ds-shadow-problems")])


def _fallbacks(report: dict):
    fb = report["fallbacks"]
    if fb is None:
        return html.Div("ETL fallbacks: metrics unavailable.", className="text-muted")
    if not fb:
        return html.Div("ETL fallbacks since the servers started: none.", id="ds-fallbacks")
    text = ", ".join(f"{f} ({', '.join(f'{r} {n}' for r, n in sorted(v.items()))})" for f, v in sorted(fb.items()))
    return html.Div(f"ETL fallbacks since the servers started: {text}.", id="ds-fallbacks")


def latency_summary(table: dict | None) -> str:
    """The figure's text alternative: each flow's p50/p95 per path."""
    if not table:
        return "No latency measured yet."
    parts = []
    for flow, per in sorted(table.items()):
        cells = [f"{source} p50 {v['p50_ms']:.2f} ms, p95 {v['p95_ms']:.2f} ms ({v['count']} calls)"
                 for source, v in sorted(per.items()) if v.get("p50_ms") is not None]
        parts.append(f"{flow}: " + "; ".join(cells))
    return "Latency per flow and path. " + ". ".join(parts) + "."


def cockpit_body(report: dict):
    """The cockpit's content for one readiness report."""
    phase, following = report["phase"], report["next_phase"]
    verdict = ("ready" if report["ready"] else "not ready") if following else \
        ("holding" if report["ready"] else "not holding")
    head = html.Div([
        html.Span("Phase ", className="text-muted"),
        dbc.Badge(phase, color="info", className="fs-6 me-2", id="ds-phase"),
        html.Span(PHASE_TEXT[phase], className="me-3"),
        html.Span([html.Span("Next: ", className="text-muted"), html.Strong(following or "—"), " · ",
                   html.Strong(verdict, id="ds-ready", **{"data-ready": "true" if report["ready"] else "false"})]),
    ], className="mb-2")
    title = f"What {following} needs" if following else "What keeps this phase"
    metrics = report["metrics"]
    source_note = f"Latency and fallbacks from {metrics['source']}" + (
        f" (unavailable: {mask_secrets(metrics['error'])})" if metrics["error"] else "")
    parity = report["parity"]
    parity_note = ("Last full parity run: none — run `tsi parity --all`." if parity is None else
                   f"Last full parity run: {str(parity['at'])[:16].replace('T', ' ')} UTC, {parity['checks']} checks, "
                   f"{'clean' if parity['clean'] else 'not clean'} (by {parity['user'] or 'console'}).")
    summary = latency_summary(report["latency"])
    return html.Div([
        head,
        html.H2(title, className="h6 mt-3"),
        html.Ul([_criterion(c) for c in report["criteria"]], className="list-unstyled", id="ds-criteria"),
        html.Div(parity_note, className="small", id="ds-parity-last"),
        html.Figure([dcc.Graph(id="ds-latency-graph", figure=latency_figure(report["latency"]),
                               config={"displaylogo": False}),
                     html.Figcaption(summary, className="visually-hidden", id="ds-latency-summary")],
                    className="mb-0"),
        html.Div(source_note, className="small text-muted mb-2"),
        _shadow_table(report["shadow"]),
        _problems(report["recent_problems"]),
        _fallbacks(report),
    ])


def cockpit_card(body):
    """The card around :func:`cockpit_body` (or an error alert), refreshed every ``REFRESH_SECONDS``."""
    return dbc.Card([
        dbc.CardHeader("Migration cockpit (legacy → analytics path; `tsi migration status` prints the same)"),
        dbc.CardBody([dcc.Interval(id="ds-cockpit-refresh", interval=REFRESH_SECONDS * 1000),
                      html.Div(body, id="ds-cockpit-body")]),
    ], className="mb-3", id="ds-cockpit")
