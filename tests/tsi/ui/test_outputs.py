"""Named callback outputs: NamedTuple declarations, `only` / `unchanged`, and how the installed Dash applies them."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import pytest
from dash import Dash, Input, Output, dcc, html, no_update

from tsi.ui.outputs import HIDE, SHOW, only, unchanged


class DemoOutputs(NamedTuple):
    text: Any
    style: Any
    cards: Any  # a group: one Output per card
    named: Any  # a group by name


DEMO = DemoOutputs(text=Output("demo-text", "children"), style=Output("demo-text", "style"),
                   cards=[Output(f"demo-card-{i}", "children") for i in range(3)],
                   named={k: Output(f"demo-{k}", "children") for k in ("b", "a")})


def test_unchanged_keeps_the_shape_and_the_class():
    u = unchanged(DEMO)
    assert isinstance(u, DemoOutputs)
    assert u.text is no_update and u.style is no_update
    assert u.cards == [no_update] * 3 and all(c is no_update for c in u.cards)
    assert list(u.named) == ["b", "a"] and all(v is no_update for v in u.named.values())
    assert unchanged(Output("x", "children")) is no_update


def test_only_names_what_changes():
    v = only(DEMO, text="hello", cards=["a", "b", "c"])
    assert isinstance(v, DemoOutputs)
    assert v.text == "hello" and v.style is no_update and v.cards == ["a", "b", "c"]
    text, style, cards, named = v  # still a tuple for callers that unpack
    assert (text, cards) == ("hello", ["a", "b", "c"]) and style is no_update
    with pytest.raises(ValueError):
        only(DEMO, txt="typo")


def test_styles():
    assert SHOW == {} and HIDE == {"display": "none"}


def _app():
    app = Dash(__name__)
    app.layout = html.Div([dcc.Input(id="demo-in"), html.Div(id="demo-text"),
                           *[html.Div(id=f"demo-card-{i}") for i in range(3)],
                           html.Div(id="demo-a"), html.Div(id="demo-b")])

    @app.callback(output=DEMO, inputs=[Input("demo-in", "value")])
    def update(value):
        if value == "none":
            return unchanged(DEMO)
        if value == "some":
            return only(DEMO, style=HIDE, cards=["x", no_update, "z"], named={"a": "A", "b": no_update})
        return DemoOutputs(text=value, style=SHOW, cards=[f"{value}-{i}" for i in range(3)],
                           named={"a": f"{value}-a", "b": f"{value}-b"})

    return app


def _post(client, value):
    outputs = [{"id": o.component_id, "property": o.component_property}
               for o in [DEMO.text, DEMO.style, *DEMO.cards, *DEMO.named.values()]]
    body = {"output": "..demo-text.children...demo-text.style...demo-card-0.children...demo-card-1.children"
                      "...demo-card-2.children...demo-b.children...demo-a.children..",
            "outputs": outputs, "inputs": [{"id": "demo-in", "property": "value", "value": value}],
            "changedPropIds": ["demo-in.value"], "state": []}
    return client.post("/_dash-update-component", json=body)


def test_dash_applies_named_outputs_by_field():
    app = _app()
    client = app.server.test_client()
    client.get("/")  # the first request sets the app up
    r = _post(client, "v")
    assert r.status_code == 200
    resp = json.loads(r.data)["response"]
    assert resp == {"demo-text": {"children": "v", "style": {}}, "demo-card-0": {"children": "v-0"},
                    "demo-card-1": {"children": "v-1"}, "demo-card-2": {"children": "v-2"},
                    "demo-a": {"children": "v-a"}, "demo-b": {"children": "v-b"}}
    resp = json.loads(_post(client, "some").data)["response"]
    assert resp == {"demo-text": {"style": {"display": "none"}}, "demo-card-0": {"children": "x"},
                    "demo-card-2": {"children": "z"}, "demo-a": {"children": "A"}}
    assert json.loads(_post(client, "none").data)["response"] == {}  # nothing changes
