"""Home: stored schedules (placeholder until the Home page work lands)."""

import dash
from dash import html

dash.register_page(__name__, path="/", name="Home", order=0)


def layout(**_query):
    from tsi import data

    rows = data.list_schedules()
    return html.Div([html.H2("Schedules"),
                     html.Ul([html.Li(f"{r['name']} ({r['schedule_id']})") for r in rows])])
