"""Dash's first-request set-up runs at start-up (tsi/ui/startup.py; plotly/dash#3971)."""

from __future__ import annotations

import dash
import dash._callback

from tsi.ui.startup import dash_setup_hooks, finish_dash_setup


def test_the_app_is_set_up_before_it_serves_a_request():
    import app as app_module

    a = app_module.app
    assert a._got_first_request == {"pages": True, "setup_server": True}
    # every script the index names is already servable: a thread never sees a half-filled registry
    assert "deps/prop-types@15.8.1.min.js" in a.registered_paths["dash"]
    assert a.registered_paths["dash_bootstrap_components"] and a.registered_paths["dash_ag_grid"]
    assert dash._callback.GLOBAL_CALLBACK_MAP == {}  # the pages' callbacks were copied into the app's map
    assert any("_pages_location" in k or "_pages_content" in k for k in a.callback_map)  # and the router's


def test_only_dashs_own_hooks_are_run(monkeypatch):
    a = dash.Dash(__name__)
    a.layout = dash.html.Div("x")
    ran = []
    a.server.before_request(lambda: ran.append("ours"))
    assert [h.__qualname__ for h in dash_setup_hooks(a.server)] == ["Dash._setup_server"]
    finish_dash_setup(a)
    assert ran == [] and a._got_first_request["setup_server"] and a.registered_paths["dash"]
