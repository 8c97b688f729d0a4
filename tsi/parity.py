"""Parity of the two data paths (flows.md §10): run the matrix on both sources, compare payloads exactly."""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tsi import data
from tsi.errors import AnalyticsMissingError, TsiError


def first_difference(a: Any, b: Any, path: str = "") -> tuple[str, Any, Any] | None:
    """The first path where two payloads differ (same keys, types, lengths; floats equal or both NaN)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a.keys()) != list(b.keys()):
            return (path or "(root)", sorted(a.keys()), sorted(b.keys()))
        for k in a:
            d = first_difference(a[k], b[k], f"{path}.{k}" if path else k)
            if d:
                return d
        return None
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        if a.dtype != b.dtype or a.shape != b.shape:
            return (path, f"{a.dtype}{a.shape}", f"{b.dtype}{b.shape}")
        if a.dtype.kind == "f":
            same = (a == b) | (np.isnan(a) & np.isnan(b))
        else:
            same = a == b
        if not bool(np.all(same)):
            i = int(np.argmin(same))
            return (f"{path}[{i}]", a[i].item(), b[i].item())
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return (f"{path}.length", len(a), len(b))
        if a == b if _only_text(a) and _only_text(b) else False:
            return None  # text columns compared in C: the shadow thread holds the GIL for microseconds, not ms
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    if type(a) is not type(b):
        return (path, a, b)
    if isinstance(a, float):
        if a == b or (math.isnan(a) and math.isnan(b)):
            return None
        return (path, a, b)
    return None if a == b else (path, a, b)


def _only_text(items: list) -> bool:
    return set(map(type, items)) <= {str}


def matrix(schedule_id: int, older_id: int | None, priorities_median: float | None,
           first_ids: list[str], levels: list[int]) -> list[tuple[str, dict]]:
    """The parameter sets of flows.md §10 for one schedule."""
    m: list[tuple[str, dict]] = []
    for proj in ("cartesian", "mollweide", "aitoff", "hammer"):
        m.append(("sky_map", {"projection": proj, "ra_left": True}))
    m.append(("sky_map", {"projection": "mollweide", "ra_left": False}))
    for ex in (False, True):
        m.append(("distributions", {"exclude_impossible": ex}))
    m.append(("visibility_map", {"n_bins": 50}))
    m.append(("visibility_map", {"bin_seconds": 900}))
    m.append(("visibility_map", {"bin_seconds": 3600, "priority_min": priorities_median}))
    m.append(("visibility_map", {"block_ids": first_ids}))
    m.append(("timeline", {}))
    for ex in (False, True):
        m.append(("insights", {"exclude_impossible": ex}))
    m.append(("trends", {}))
    m.append(("trends", {"n_bins": 7, "exclude_impossible": True}))
    upper = levels[len(levels) // 2:] if levels else []
    m.append(("trends", {"priority_levels": upper}))
    m.append(("compare", {"other_schedule_id": schedule_id}))
    if older_id is not None:
        m.append(("compare", {"other_schedule_id": older_id}))
    m.append(("validation", {}))
    return m


@dataclass
class ParityRow:
    schedule_id: int
    flow: str
    params: dict
    result: str  # identical | different | error | stale
    difference: dict | None = None
    error: str | None = None
    legacy_ms: float | None = None
    etl_ms: float | None = None

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("schedule_id", "flow", "params", "result", "difference", "error",
                                              "legacy_ms", "etl_ms")}


@dataclass
class ParityReport:
    rows: list[ParityRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.result == "identical" for r in self.rows)

    def as_dict(self) -> dict:
        counts: dict[str, int] = {}
        for r in self.rows:
            counts[r.result] = counts.get(r.result, 0) + 1
        return {"ok": self.ok, "counts": counts, "rows": [r.as_dict() for r in self.rows]}


def _timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, (time.perf_counter() - t) * 1e3


def check_schedule(schedule_id: int, flow: str | None = None, params: dict | None = None) -> list[ParityRow]:
    """The parity rows of one schedule: flows.md §10's matrix (only ``flow``'s sets when given), or exactly
    ``flow`` with ``params`` (the facade's keyword arguments, as ``parity_events`` stores them)."""
    rows: list[ParityRow] = []
    header = data.schedule_header(schedule_id, use_cache=False)
    if params is not None:
        if flow is None:
            raise ValueError("parameters need a flow")
        return [_check(schedule_id, header, flow, params)]
    older = [s["schedule_id"] for s in data.list_schedules(use_cache=False) if s["schedule_id"] < schedule_id]
    older_id = max(older) if older else None
    base = data.distributions(schedule_id, source="legacy", use_cache=False)["blocks"]
    pr = base["priority"]
    median = float(statistics.median(pr.tolist())) if len(pr) else None
    first_ids = list(base["original_block_id"][:10])
    levels = sorted({int(math.floor(abs(p) + 0.5)) * (1 if p >= 0 else -1) for p in pr.tolist()})
    for f, p in matrix(schedule_id, older_id, median, first_ids, levels):
        if flow is None or f == flow:
            rows.append(_check(schedule_id, header, f, p))
    return rows


def _check(schedule_id: int, header: dict, flow: str, p: dict) -> ParityRow:
    fn = data.FLOW_FUNCTIONS[flow]
    row = ParityRow(schedule_id, flow, p, "identical")
    if header["analytics_state"] != "fresh":
        row.result = "stale"
        row.error = f"analytics {header['analytics_state']}"
        return row
    try:
        legacy, row.legacy_ms = _timed(fn, schedule_id, source="legacy", use_cache=False, **p)
        etl, row.etl_ms = _timed(fn, schedule_id, source="etl", use_cache=False, **p)
    except AnalyticsMissingError as e:
        row.result, row.error = "stale", str(e)
    except (TsiError, ValueError, TypeError) as e:
        row.result, row.error = "error", f"{type(e).__name__}: {e}"
    else:
        d = first_difference(legacy, etl)
        if d:
            row.result = "different"
            row.difference = {"path": d[0], "legacy": _plain(d[1]), "etl": _plain(d[2])}
    return row


def _plain(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return repr(v)[:200]


def run(schedule_ids: list[int], *, scope: str = "some", flow: str | None = None,
        params: dict | None = None) -> ParityReport:
    """Compare the flows on both paths for these schedules (an editor's action: it is audited). ``scope`` is
    ``all`` when ``schedule_ids`` is every stored schedule (the readiness report reads the last such run);
    ``flow`` and ``params`` narrow the check (see :func:`check_schedule`). Every run is stored in
    ``parity_runs`` with its time and counts."""
    from tsi import auth
    from tsi.auth import audit

    user = auth.require_role("editor", "run the parity check")
    report = ParityReport()
    for sid in schedule_ids:
        report.rows.extend(check_schedule(sid, flow, params))
    counts = report.as_dict().get("counts")
    if flow is not None or params is not None:
        scope = "some"  # a narrowed run is no evidence about the whole matrix
    audit.record("parity run", schedule_id=schedule_ids[0] if len(schedule_ids) == 1 else None,
                 detail={"schedules": list(schedule_ids), "counts": counts, "scope": scope,
                         **({"flow": flow} if flow else {})})
    _store_run(report, schedule_ids, scope, user)
    return report


def _store_run(report: ParityReport, schedule_ids: list[int], scope: str, user: Any) -> None:
    import json
    import logging

    from tsi.secrets import mask_secrets

    try:
        data.core().parity_run_append(scope, json.dumps(sorted(int(i) for i in schedule_ids)), len(report.rows),
                                      report.ok, json.dumps(report.as_dict()["counts"], sort_keys=True),
                                      data.build_info()["version"], user=getattr(user, "name", None))
    except Exception as e:  # noqa: BLE001 - the report stands; say why it was not kept
        logging.getLogger("tsi.parity").error("could not store the parity run: %s", mask_secrets(str(e)))
