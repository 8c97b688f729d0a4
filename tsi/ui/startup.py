"""Dash's once-per-process set-up, run at start-up instead of inside the first requests.

Dash does its set-up (registering the script paths it will serve, copying page callbacks into the callback map,
adding the pages router) in ``before_request`` hooks guarded by a flag that is set *before* the work is done
(plotly/dash#3971, Dash 4.4). Under gunicorn's threaded workers the first burst of a browser's requests races
it: a thread that sees the flag already set serves ``/_dash-component-suites/…`` while the paths are still
unregistered and answers 500, and the page never starts. Running those hooks once here, before the process
serves anything, leaves nothing for the requests to race.
"""

from __future__ import annotations

from typing import Any


def dash_setup_hooks(server: Any) -> list[Any]:
    """Dash's own ``before_request`` hooks (its first-request set-up), in the order Flask would run them."""
    return [f for f in server.before_request_funcs.get(None, []) if f.__module__.startswith("dash.")]


def finish_dash_setup(app: Any) -> None:
    """Run Dash's first-request set-up now. Call once the layout and every page's callbacks exist."""
    with app.server.test_request_context("/"):
        for hook in dash_setup_hooks(app.server):
            hook()
