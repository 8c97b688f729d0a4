"""Named outputs for page callbacks, and the style values that show or hide a part of a page.

A callback with several outputs declares them once, as a NamedTuple whose fields name the outputs, and returns
a value of the same class:

    class MapOutputs(NamedTuple):
        figure: Any
        error: Any

    MAP_OUTPUTS = MapOutputs(figure=Output("sky-graph", "figure"), error=Output("sky-error", "children"))

    @callback(output=MAP_OUTPUTS, inputs=[...], state=[...])
    def update(...) -> MapOutputs:
        return MapOutputs(figure=fig, error=None)     # every output, by name
        return only(MAP_OUTPUTS, error=alert)         # the named outputs change, every other stays as it is
        return unchanged(MAP_OUTPUTS)                 # nothing changes

Dash receives a tuple and matches it to the Outputs by the order of the fields, which the class writes once.
A field may hold a group of like Outputs, as a list (e.g. the cards of a row) or a dict (e.g. figures by
name); its value is then a list or dict of the same shape. Pass the declaration as ``output=``: Dash flattens
Outputs given positionally, groups included.

Dash's dict-shaped outputs would name the outputs as well, but the callbacks are also called directly (tests,
other pages' code), and a tuple keeps their results unpackable by position.
"""

from __future__ import annotations

from typing import Any, TypeVar

from dash import no_update

SHOW: dict = {}
HIDE: dict = {"display": "none"}

T = TypeVar("T")


def unchanged(spec: T) -> T:
    """`no_update` in the shape of `spec`: an Output, a list or dict of them, or a NamedTuple of these."""
    if isinstance(spec, tuple) and hasattr(spec, "_fields"):
        return type(spec)(*(unchanged(group) for group in spec))
    if isinstance(spec, dict):
        return {key: unchanged(group) for key, group in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [unchanged(group) for group in spec]
    return no_update


def only(spec: T, **changed: Any) -> T:
    """A value for the outputs `spec` where the named outputs change and every other one stays as it is."""
    return unchanged(spec)._replace(**changed)
