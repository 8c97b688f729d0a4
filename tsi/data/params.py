"""Parameter canonicalisation for every flow (architecture.md §4 step 1), generated from the core's flow
catalogue (`tsi._core.flow_specs()`: each flow's parameters with their type, default, bounds and choices, and
the rules between them, declared once beside the flow's code in rust_backend/core/src/flows/).

`canonical(flow, ...)` — and `canonical_<flow>` for each flow — returns the keyword arguments of the native
binding, with types fixed, defaults filled, ranges checked and id lists sorted, so equal requests give equal
cache keys. Invalid values raise ValueError naming the parameter. What is Python's stays here: the cache-key
hash and the trends model's `class_weight`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from typing import Any, Callable, Iterable

CLASS_WEIGHTS = ("balanced", "none")


@functools.lru_cache(maxsize=1)
def flow_specs() -> dict[str, dict]:
    """The core's catalogue by flow name, in catalogue order."""
    from tsi import _core

    return {f["name"]: f for f in _core.flow_specs()}


def flow_names() -> tuple[str, ...]:
    """Every flow, in catalogue order."""
    return tuple(flow_specs())


def choices(flow: str, param: str) -> tuple[str, ...]:
    """The words a choice parameter accepts (the sky map's projections)."""
    return tuple(next(p for p in flow_specs()[flow]["params"] if p["name"] == param)["choices"])


def _bool(name: str, v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, (int,)) and v in (0, 1):
        return bool(v)
    raise ValueError(f"{name} must be true or false (got {v!r})")


def _int(name: str, v: Any, lo: int | None = None, hi: int | None = None) -> int:
    if isinstance(v, bool) or v is None:
        raise ValueError(f"{name} must be an integer (got {v!r})")
    if isinstance(v, float):
        if not v.is_integer():
            raise ValueError(f"{name} must be an integer (got {v!r})")
        v = int(v)
    try:
        i = int(v)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an integer (got {v!r})") from None
    if (lo is not None and i < lo) or (hi is not None and i > hi):
        raise ValueError(f"{name} must be in {lo}..{hi} (got {i})" if hi is not None else f"{name} must be >= {lo} (got {i})")
    return i


def _float(name: str, v: Any, lo: float | None = None, hi: float | None = None, hi_open: bool = False) -> float:
    if isinstance(v, bool) or v is None:
        raise ValueError(f"{name} must be a number (got {v!r})")
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number (got {v!r})") from None
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite (got {v!r})")
    if lo is not None and x < lo:
        raise ValueError(f"{name} must be >= {lo} (got {x})")
    if hi is not None and (x >= hi if hi_open else x > hi):
        raise ValueError(f"{name} must be {'<' if hi_open else '<='} {hi} (got {x})")
    return x


def _range(name: str, v: Any) -> tuple[float, float] | None:
    if v is None:
        return None
    try:
        lo, hi = v
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (lo, hi)") from None
    lo, hi = _float(name, lo), _float(name, hi)
    if lo > hi:
        raise ValueError(f"{name} must have lo <= hi (got {lo}, {hi})")
    return (lo, hi)


def _num(x: float) -> str:
    """A number as the core writes it in a message (Rust's `Display`: 2.0 → "2")."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e16 else repr(float(x))


def _value(p: dict, v: Any) -> Any:
    """One given (not None) value of parameter `p`, converted and checked."""
    name, kind, lo, hi = p["name"], p["kind"], p["lo"], p["hi"]
    if kind == "bool":
        return _bool(name, v)
    if kind == "int":
        return _int(name, v, None if lo is None else int(lo), None if hi is None else int(hi))
    if kind == "float":
        return _float(name, v, lo, hi, hi_open=p["hi_open"])
    if kind == "choice":
        raise AssertionError("choices are read by _choice")
    if kind == "range":
        return _range(name, v)
    if kind == "int_set":
        return sorted({_int(name, x) for x in v})
    if kind == "text_set":
        return sorted({str(x) for x in ([v] if isinstance(v, str) else v)})
    raise AssertionError(f"unknown parameter kind {kind!r}")


def _choice(p: dict, v: Any, default: Any) -> str:
    word = (v or default).lower()
    if word not in p["choices"]:
        raise ValueError(f"{p['name']} must be one of {', '.join(p['choices'])} (got {v!r})")
    return word


def canonical(flow: str, given: dict[str, Any], settings: dict[str, Any] | None = None) -> dict:
    """Canonical binding arguments of `flow` from the `given` keyword arguments (absent or None: the default,
    or the setting's value from `settings` for a parameter with a setting)."""
    spec = flow_specs()[flow]
    settings = settings or {}
    given = dict(given)
    rules = spec["rules"]
    for r in rules:  # an exclusive pair: not both; neither → the first's default
        if r["kind"] == "exclusive":
            a, b = r["params"]
            if given.get(a) is not None and given.get(b) is not None:
                raise ValueError(r["message"])
    out: dict[str, Any] = {}
    for p in spec["params"]:
        name, v = p["name"], given.get(p["name"])
        default = settings.get(name, p["default"]) if p["setting"] else p["default"]
        if p["kind"] == "choice":
            out[name] = _choice(p, v, default)
            continue
        partner = next((r["params"][1] for r in rules if r["kind"] == "exclusive" and r["params"][0] == name), None)
        if v is None and p["required"]:
            raise ValueError(f"{name} is required")
        if v is None and partner is not None:  # the first of an exclusive pair: its default when neither is given
            v = None if given.get(partner) is not None else default
        elif v is None and (name not in given or p["setting"]):  # left out (or a setting's default)
            v = default
        # a None given for a parameter with a value default is refused below, naming it
        out[name] = None if v is None and (p["default"] is None or partner is not None) else _value(p, v)
    for r in rules:
        if r["kind"] == "ordered":
            a, b = (out[k] for k in r["params"])
            if a is not None and b is not None and (a >= b if r["strict"] else a > b):
                raise ValueError(r["message"].replace("{lo}", _num(a)).replace("{hi}", _num(b)))
    return out


def _canonical_fn(flow: str) -> Callable[..., dict]:
    names = [p["name"] for p in flow_specs()[flow]["params"]]
    with_setting = {f"default_{p['name']}": p["name"] for p in flow_specs()[flow]["params"] if p["setting"]}

    def fn(*args: Any, **kwargs: Any) -> dict:
        if len(args) > len(names):
            raise TypeError(f"canonical_{flow}() takes {len(names)} positional arguments but {len(args)} were given")
        given = dict(zip(names, args))
        settings = {with_setting[k]: kwargs.pop(k) for k in list(kwargs) if k in with_setting}
        for k, v in kwargs.items():
            if k not in names or k in given:
                raise TypeError(f"canonical_{flow}() got an unexpected keyword argument {k!r}")
            given[k] = v
        return canonical(flow, given, settings)

    fn.__name__ = fn.__qualname__ = f"canonical_{flow}"
    return fn


def canonical_trends(*args: Any, class_weight: str = "balanced", **kwargs: Any) -> dict:
    """The trends' core parameters and `class_weight` (checked first), which only the Python model reads; it
    may follow the core's parameters positionally."""
    n = len(flow_specs()["trends"]["params"])
    if len(args) > n:
        args, class_weight = args[:n] + args[n + 1:], args[n]
    cw = str(class_weight).lower()
    if cw not in CLASS_WEIGHTS:
        raise ValueError(f"class_weight must be 'balanced' or 'none' (got {class_weight!r})")
    out = _canonical_fn("trends")(*args, **kwargs)
    out["class_weight"] = cw
    return out


def __getattr__(name: str) -> Any:
    """`canonical_<flow>` for every flow of the catalogue (generated on first use)."""
    if name.startswith("canonical_") and name[len("canonical_"):] in flow_specs():
        fn = _canonical_fn(name[len("canonical_"):])
        globals()[name] = fn
        return fn
    if name == "PROJECTIONS":
        return choices("sky_map", "projection")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def params_hash(params: dict) -> str:
    """Stable short hash of canonical parameters (part of the cache key)."""
    text = json.dumps(params, sort_keys=True, separators=(",", ":"), default=list)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
