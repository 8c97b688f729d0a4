"""Parameter canonicalisation for every flow (architecture.md §4 step 1).

Each `canonical_<flow>` returns the keyword arguments of the native binding, with types fixed, defaults filled,
ranges checked and id lists sorted, so equal requests give equal cache keys. Invalid values raise ValueError
naming the parameter.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any, Iterable

PROJECTIONS = ("cartesian", "mollweide", "aitoff", "hammer")
CLASS_WEIGHTS = ("balanced", "none")
MAX_BINS = 100_000


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


def canonical_sky_map(projection: str | None = None, ra_left: bool = True, center_ra_deg: float = 180.0,
                      *, default_projection: str = "mollweide") -> dict:
    p = (projection or default_projection).lower()
    if p not in PROJECTIONS:
        raise ValueError(f"projection must be one of {', '.join(PROJECTIONS)} (got {projection!r})")
    return {"projection": p, "ra_left": _bool("ra_left", ra_left),
            "center_ra_deg": _float("center_ra_deg", center_ra_deg, 0.0, 360.0, hi_open=True)}


def canonical_distributions(exclude_impossible: bool = False) -> dict:
    return {"exclude_impossible": _bool("exclude_impossible", exclude_impossible)}


def canonical_visibility_map(n_bins: int | None = None, bin_seconds: int | None = None, start_unix: int | None = None,
                             end_unix: int | None = None, priority_min: float | None = None,
                             priority_max: float | None = None, block_ids: Iterable[str] | None = None) -> dict:
    if n_bins is not None and bin_seconds is not None:
        raise ValueError("give n_bins or bin_seconds, not both")
    if n_bins is None and bin_seconds is None:
        n_bins = 50
    out: dict[str, Any] = {
        "n_bins": None if n_bins is None else _int("n_bins", n_bins, 1, MAX_BINS),
        "bin_seconds": None if bin_seconds is None else _int("bin_seconds", bin_seconds, 1),
        "start_unix": None if start_unix is None else _int("start_unix", start_unix),
        "end_unix": None if end_unix is None else _int("end_unix", end_unix),
        "priority_min": None if priority_min is None else _float("priority_min", priority_min),
        "priority_max": None if priority_max is None else _float("priority_max", priority_max),
        "block_ids": None,
    }
    if out["start_unix"] is not None and out["end_unix"] is not None and out["start_unix"] >= out["end_unix"]:
        raise ValueError("start must be before end")
    if block_ids is not None:
        if isinstance(block_ids, str):
            block_ids = [block_ids]
        out["block_ids"] = sorted({str(b) for b in block_ids})
    return out


def canonical_timeline() -> dict:
    return {}


def canonical_insights(exclude_impossible: bool = False, top_n: int | None = None, *, default_top_n: int = 10) -> dict:
    return {"exclude_impossible": _bool("exclude_impossible", exclude_impossible),
            "top_n": _int("top_n", default_top_n if top_n is None else top_n, 1, 100)}


def canonical_trends(exclude_impossible: bool = False, n_bins: int = 10, bandwidth: float = 0.3,
                     n_smooth_points: int = 100, visibility_range: tuple[float, float] | None = None,
                     requested_range: tuple[float, float] | None = None,
                     priority_levels: Iterable[int] | None = None, class_weight: str = "balanced") -> dict:
    cw = str(class_weight).lower()
    if cw not in CLASS_WEIGHTS:
        raise ValueError(f"class_weight must be 'balanced' or 'none' (got {class_weight!r})")
    return {
        "exclude_impossible": _bool("exclude_impossible", exclude_impossible),
        "n_bins": _int("n_bins", n_bins, 5, 20),
        "bandwidth": _float("bandwidth", bandwidth, 0.05, 1.0),
        "n_smooth_points": _int("n_smooth_points", n_smooth_points, 10, 500),
        "visibility_range": _range("visibility_range", visibility_range),
        "requested_range": _range("requested_range", requested_range),
        "priority_levels": None if priority_levels is None else sorted({_int("priority_levels", p) for p in priority_levels}),
        "class_weight": cw,
    }


def canonical_compare(other_schedule_id: int | None = None) -> dict:
    if other_schedule_id is None:
        raise ValueError("other_schedule_id is required")
    return {"other_schedule_id": _int("other_schedule_id", other_schedule_id, 0)}


def canonical_validation() -> dict:
    return {}


def params_hash(params: dict) -> str:
    """Stable short hash of canonical parameters (part of the cache key)."""
    text = json.dumps(params, sort_keys=True, separators=(",", ":"), default=list)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
