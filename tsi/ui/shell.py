"""The app shell: navigation bar with the schedule selector, and the URL handling that keeps `?schedule=`.

Accessibility (docs/decisions.md, Accessibility): the document says its language (`LANG`, set on Dash's index
page by `declare_language`), a "Skip to content" link is the first thing a keyboard reaches, the navigation sits
in the page's banner and every page's content in its one `main` landmark (focusable, the skip link's target).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from tsi.ui.urls import parse_search, schedule_id_or_none, with_params

NAV = [
    ("Home", "/"),
    ("Sky Map", "/sky-map"),
    ("Distributions", "/distributions"),
    ("Visibility Map", "/visibility-map"),
    ("Timeline", "/timeline"),
    ("Insights", "/insights"),
    ("Trends", "/trends"),
    ("Compare", "/compare"),
    ("Validation", "/validation"),
    ("Data Source", "/data-source"),
]


LANG = "en"
MAIN_ID = "main-content"


def declare_language(index_string: str, lang: str = LANG) -> str:
    """Dash's index page with `<html lang=…>` (Dash writes a bare `<html>`)."""
    if "<html lang=" in index_string:
        return index_string
    return index_string.replace("<html>", f'<html lang="{lang}">', 1)


def nav_id(path: str) -> str:
    return "nav-" + (path.strip("/") or "home")


def navbar(title: str):
    links = [dbc.NavItem(dbc.NavLink(label, href=path, id=nav_id(path), active="exact")) for label, path in NAV]
    selector = dcc.Dropdown(id="schedule-selector", placeholder="Choose a schedule", clearable=False,
                            className="tsi-schedule-selector", style={"minWidth": "260px"})
    label = html.Label("Schedule", htmlFor="schedule-selector", id="schedule-selector-label",
                       className="visually-hidden")
    return dbc.Navbar(
        dbc.Container([
            dbc.NavbarBrand(title, href="/", className="me-3"),
            dbc.Nav(links, className="me-auto flex-wrap", navbar=True, id="tsi-nav-links"),
            html.Div([label, selector], className="ms-2", role="group", **{"aria-label": "Schedule"}),
            html.Div(id="nav-user", className="ms-3 small text-light text-nowrap"),
        ], fluid=True),
        color="dark", dark=True, className="mb-3 tsi-navbar",
    )


def shell(title: str, content):
    return html.Div([
        dcc.Location(id="url", refresh="callback-nav"),
        html.A("Skip to content", href=f"#{MAIN_ID}", id="tsi-skip-link", className="tsi-skip-link"),
        html.Header(navbar(title)),
        html.Main(dbc.Container(content, fluid=True, className="pb-5"), id=MAIN_ID, tabIndex="-1"),
    ])


@callback([Output(nav_id(p), "href") for _, p in NAV], Input("url", "search"))
def keep_schedule_in_links(search):
    q = parse_search(search)
    keep = {"schedule": q.get("schedule")}
    return [with_params(p, {**keep, "with": q.get("with")} if p == "/compare" else keep) for _, p in NAV]


class SelectorOutputs(NamedTuple):
    options: Any
    value: Any


SELECTOR_OUTPUTS = SelectorOutputs(options=Output("schedule-selector", "options"),
                                   value=Output("schedule-selector", "value"))


@callback(output=SELECTOR_OUTPUTS, inputs=[Input("url", "search"), Input("url", "pathname")])
def fill_selector(search, _pathname):
    from tsi import data

    try:
        rows = data.list_schedules()
    except Exception:  # noqa: BLE001 - the page itself shows the database error
        rows = []
    options = [{"label": f"{r['name']} ({r['schedule_id']})", "value": r["schedule_id"]} for r in rows]
    return SelectorOutputs(options=options, value=schedule_id_or_none(parse_search(search).get("schedule")))


@callback(Output("url", "search"), Input("schedule-selector", "value"), State("url", "search"),
          prevent_initial_call=True)
def select_schedule(value, search):
    q = parse_search(search)
    if value is None or str(value) == q.get("schedule"):
        return no_update
    q["schedule"] = str(value)
    return "?" + "&".join(f"{k}={v}" for k, v in q.items())


@callback(Output("nav-user", "children"), Input("url", "pathname"))
def show_user(_pathname):
    """Who is signed in, with their role, and a sign-out where the mode has one (OpenID Connect)."""
    from tsi import auth
    from tsi.config import get_settings

    user = auth.current_user()
    if user is None or user.via == "none":
        return None
    parts = [html.Span(user.name, id="nav-user-name", className="fw-bold"),
             html.Span(f" ({user.role})", id="nav-user-role")]
    if str(get_settings().AUTH.MODE) == "oidc":
        parts.append(html.A("Sign out", href="/oidc/logout", id="nav-sign-out", className="ms-2 link-light"))
    return parts
