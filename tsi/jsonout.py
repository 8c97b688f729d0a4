"""Payload → JSON text: columns as lists, NaN as null (orjson handles numpy arrays natively)."""

from __future__ import annotations

from typing import Any

import orjson


def dumps(obj: Any, pretty: bool = False) -> str:
    opts = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
    if pretty:
        opts |= orjson.OPT_INDENT_2
    return orjson.dumps(obj, option=opts, default=_default).decode()


def _default(o: Any) -> Any:
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (set, tuple)):
        return list(o)
    raise TypeError(f"cannot serialise {type(o).__name__}")
