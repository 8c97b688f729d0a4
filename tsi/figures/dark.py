"""Resolve a named template in figure dicts built outside `common.base_layout`.

`common.base_layout` already embeds the dark template; `themed` covers builders that set
`layout.template` to a name themselves (Plotly.js cannot resolve names).
"""

from __future__ import annotations

from functools import wraps

from tsi.figures.common import TEMPLATE, template


def apply_dark(fig: dict) -> dict:
    """The figure with a string `layout.template` replaced by the dark template (in place; returned)."""
    layout = fig.get("layout") or {}
    if layout.get("template") == TEMPLATE:
        layout["template"] = template()
    return fig


def themed(builder):
    """Decorator: `apply_dark` on the figure a builder returns."""

    @wraps(builder)
    def wrapper(*args, **kwargs):
        return apply_dark(builder(*args, **kwargs))

    return wrapper
