"""The facade: one public function per flow plus schedule administration (architecture.md §4).

Every page and the CLI call these functions, never `tsi._core` directly. A flow call canonicalises its
parameters, looks up the schedule header (cached 30 s), picks the data source (`source` or `DATA_SOURCE`),
refuses stale analytics on the ETL path (or falls back to the legacy path, MIGRATION.ETL_FALLBACK), then serves the payload from the cache or from the native binding.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

import numpy as np

from tsi import auth, metrics
from tsi.auth import audit
from tsi.config import get_settings, sqlite_path
from tsi.data import cache, params
from tsi.data.dispatch import binding, data_source
from tsi.errors import AnalyticsMissingError, ScheduleFormatError
from tsi.migration import shadow

log = logging.getLogger("tsi.data")
_configured_lock = threading.Lock()
_configured = False

__all__ = [
    "sky_map", "distributions", "visibility_map", "timeline", "insights", "trends", "compare", "validation",
    "list_schedules", "schedule_header", "catalogue_generation", "ingest", "delete_schedule", "etl_status", "etl_backfill", "build_info",
    "data_source", "run_flow", "run_flow_served", "served_source", "fallback_reason", "FLOW_FUNCTIONS",
]


def core():
    """The native module, configured from the settings on first use (opens nothing until needed)."""
    global _configured
    from tsi import _core

    if not _configured:
        with _configured_lock:
            if not _configured:
                s = get_settings()
                backend = str(s.DATABASE.BACKEND)
                if backend == "sqlite":
                    target = str(sqlite_path(s))
                else:  # SQL Server through ODBC (needs a core built with the `mssql` feature)
                    from tsi.db.targets import mssql_connection_string

                    target = mssql_connection_string(s)
                sentinel = s.SCHEDULE.UNSCHEDULED_SENTINEL_MJD
                _core.configure(backend, target, int(s.DATABASE.POOL_SIZE),
                                None if sentinel is None else float(sentinel))
                _configured = True
    return _core


def reset() -> None:
    """Forget configuration, cache and data source (tests that switch settings)."""
    global _configured
    from tsi.data import dispatch

    with _configured_lock:
        _configured = False
    cache.reset()
    dispatch.reset()
    shadow.reset()
    with _warned_lock:
        _warned.clear()


def _freeze(obj: Any) -> Any:
    """Make every numpy array of a payload read-only (payloads are shared through the cache)."""
    if isinstance(obj, np.ndarray):
        obj.flags.writeable = False
    elif isinstance(obj, dict):
        for v in obj.values():
            _freeze(v)
    elif isinstance(obj, list) and obj and not isinstance(obj[0], str):  # text columns hold only str
        for v in obj:
            if isinstance(v, (dict, np.ndarray, list)):
                _freeze(v)
    return obj


# ------------------------------------------------------------------ schedules

_GENERATION_ATTR = "tsi_catalogue_generation"


def catalogue_generation() -> int:
    """The database's catalogue generation: one indexed read per request (remembered on ``flask.g`` while a
    request runs; read afresh otherwise). Every ingest, delete and recompute bumps it."""
    from flask import g, has_request_context

    if has_request_context():
        gen = g.get(_GENERATION_ATTR)
        if gen is None:
            gen = core().catalogue_generation()
            setattr(g, _GENERATION_ATTR, gen)
        return gen
    return core().catalogue_generation()


def _catalogue_changed() -> None:
    """This request changed the catalogue: its later reads must see the new generation."""
    from flask import g, has_request_context

    if has_request_context():
        g.pop(_GENERATION_ATTR, None)


def schedule_header(schedule_id: int, *, use_cache: bool = True) -> dict:
    if not use_cache:
        return core().schedule_header(int(schedule_id))
    key = cache.header_key(catalogue_generation(), schedule_id)
    hit = cache.get(key)
    if hit is not None:
        return hit
    h = core().schedule_header(int(schedule_id))
    cache.set(key, h)
    return h


def list_schedules(*, use_cache: bool = True) -> list[dict]:
    if not use_cache:
        return core().list_schedules()
    key = cache.list_key(catalogue_generation())
    hit = cache.get(key)
    if hit is not None:
        return hit
    rows = core().list_schedules()
    cache.set(key, rows)
    return rows


def ingest(schedule_path: str, visibility_path: str | None = None, dark_path: str | None = None,
           name: str | None = None, labels: dict | None = None) -> dict:
    """Store an upload (an editor's action; audited, duplicates too). A rejected upload writes nothing at all,
    not even an audit entry: the database is exactly as it was (the caller gets the problems)."""
    auth.require_role("editor", "upload schedules")
    s = get_settings()
    files = {k: v for k, v in (labels or {}).items()} or {"schedule": os.path.basename(str(schedule_path))}
    t0 = time.perf_counter()
    try:
        r = core().ingest(str(schedule_path), None if visibility_path is None else str(visibility_path),
                          None if dark_path is None else str(dark_path), name, labels, int(s.UPLOAD.MAX_BYTES))
    except ScheduleFormatError:
        metrics.ingest_done("rejected", time.perf_counter() - t0)
        raise
    metrics.ingest_done("created" if r["created"] else "duplicate", time.perf_counter() - t0)
    _catalogue_changed()
    audit.record("upload", schedule_id=r["schedule_id"],
                 detail={"name": r["name"], "created": r["created"], "blocks": r["blocks"], "files": files})
    return r


def delete_schedule(schedule_id: int) -> bool:
    """Delete a schedule (an editor's action; audited)."""
    auth.require_role("editor", "delete schedules")
    ok = core().delete_schedule(int(schedule_id))
    _catalogue_changed()
    audit.record("delete", schedule_id=int(schedule_id), detail={"deleted": ok})
    return ok


def build_info() -> dict:
    """`{version, etl_version, features}` of the native core."""
    return core().build_info()


def etl_status(schedule_id: int | None = None) -> list[dict]:
    return core().etl_status(None if schedule_id is None else int(schedule_id))


def etl_backfill(schedule_id: int, force: bool = False) -> dict:
    """Recompute a schedule's analytics (an editor's action; audited)."""
    auth.require_role("editor", "recompute analytics")
    r = core().etl_backfill(int(schedule_id), force)
    _catalogue_changed()
    audit.record("recompute", schedule_id=int(schedule_id),
                 detail={"state_before": r.get("state_before"), "recomputed": r.get("recomputed")})
    return r


# ------------------------------------------------------------------ flows

_warned_lock = threading.Lock()
_warned: set[tuple[int, str]] = set()  # (schedule_id, analytics state) already logged as a fallback
_SERVED_ATTR = "tsi_served_source"


def _stale_reason(headers: list[dict]) -> str | None:
    """None when every header's analytics are fresh, else ``missing`` (any missing) or ``stale``."""
    states = [h["analytics_state"] for h in headers]
    if all(st == "fresh" for st in states):
        return None
    return "missing" if "missing" in states else "stale"


def _fallback_enabled() -> bool:
    return str(get_settings().MIGRATION.ETL_FALLBACK).lower() == "legacy"


def fallback_reason(header: dict, source: str | None = None) -> str | None:
    """Why a request for this schedule on ``source`` (default ``DATA_SOURCE``) is served from the legacy path
    (``missing`` or ``stale``), or None when it is not (legacy requested, analytics fresh, or
    ``MIGRATION.ETL_FALLBACK = "error"``). Pages use it for their banner (operations.md §4)."""
    if (source or data_source()).lower() != "etl" or not _fallback_enabled():
        return None
    return _stale_reason([header])


def _warn_once(flow: str, headers: list[dict]) -> None:
    for h in headers:
        state = h["analytics_state"]
        if state == "fresh":
            continue
        key = (int(h["schedule_id"]), state)
        with _warned_lock:
            if key in _warned:
                continue
            _warned.add(key)
        log.warning("ETL fallback: schedule %s has %s analytics; serving %s (and its other flows) from the "
                    "legacy path (MIGRATION.ETL_FALLBACK = legacy)", key[0], state, flow)


def _check_fresh(flow: str, headers: list[dict], source: str) -> tuple[str, str | None]:
    """(the source that serves the request, the fallback reason or None). On the ETL path with analytics
    missing or stale: the legacy path when ``MIGRATION.ETL_FALLBACK = "legacy"``, else AnalyticsMissingError."""
    if source != "etl":
        return source, None
    reason = _stale_reason(headers)
    if reason is None:
        return source, None
    if not _fallback_enabled():
        bad = next(h for h in headers if h["analytics_state"] != "fresh")
        raise AnalyticsMissingError(bad["schedule_id"], bad["analytics_state"])
    _warn_once(flow, headers)
    return "legacy", reason


def served_source() -> str | None:
    """The path that served this request's last flow call (``legacy`` after a fallback), or None outside a
    request or before any flow call. The HTTP API's ``X-TSI-Source`` reads it."""
    from flask import g, has_request_context

    return g.get(_SERVED_ATTR) if has_request_context() else None


def _note_served(source: str) -> None:
    from flask import g, has_request_context

    if has_request_context():
        setattr(g, _SERVED_ATTR, source)


def run_flow(flow: str, schedule_id: int, canonical: dict, *, source: str | None = None,
             use_cache: bool = True, model: bool = True) -> dict:
    """Serve one flow's payload for canonical parameters (see `tsi.data.params`); every call is measured
    (`tsi.metrics`: its time by source and cache outcome, or its error by class)."""
    return run_flow_served(flow, schedule_id, canonical, source=source, use_cache=use_cache, model=model)[0]


def run_flow_served(flow: str, schedule_id: int, canonical: dict, *, source: str | None = None,
                    use_cache: bool = True, model: bool = True) -> tuple[dict, str]:
    """`run_flow` and the path that served it: the requested one, or ``legacy`` when an ETL request on
    missing or stale analytics fell back (``MIGRATION.ETL_FALLBACK = "legacy"``; counted in
    ``tsi_etl_fallback_total``, logged once per schedule and state, cached under the legacy key)."""
    t0 = time.perf_counter()
    source = (source or data_source()).lower()
    binding(flow, source)  # an unknown flow or source is refused before anything is counted
    served = source
    try:
        payload, outcome, served, reason = _serve_flow(flow, int(schedule_id), canonical, source, use_cache,
                                                       model)
    except Exception as e:
        metrics.flow_failed(flow, source, e)
        raise
    seconds = time.perf_counter() - t0
    if reason is not None:
        metrics.etl_fallback(flow, reason)
    metrics.flow_served(flow, served, outcome, seconds)
    _note_served(served)
    log.debug("flow=%s source=%s cache=%s ms=%.2f", flow, served, outcome, seconds * 1e3)
    return payload, served


def _serve_flow(flow: str, schedule_id: int, canonical: dict, source: str, use_cache: bool,
                model: bool) -> tuple[dict, str, str, str | None]:
    """(payload, cache outcome: hit, miss or bypass, the source that served it, the fallback reason)."""
    header = schedule_header(schedule_id, use_cache=use_cache)
    headers = [header]
    other = None
    if flow == "compare":
        other = schedule_header(canonical["other_schedule_id"], use_cache=use_cache)
        headers.append(other)
    source, reason = _check_fresh(flow, headers, source)
    fn = binding(flow, source)
    key = cache.payload_key(flow, header, source, params.params_hash(canonical), other)
    if use_cache:
        hit = cache.get(key)
        if hit is not None:
            return (hit if cache.shares_objects() else _freeze(hit)), "hit", source, reason
    native = {k: v for k, v in canonical.items() if k != "class_weight"}
    payload = fn(schedule_id, **native)
    if flow == "trends" and model:  # `model=False` only for the benchmark, which times the fit separately
        from tsi.analysis.trends_model import fit_trends_model

        b = payload["blocks"]
        payload["model"] = fit_trends_model(b["priority"], b["total_visibility_hours"], b["requested_hours"],
                                            b["scheduled"], class_weight=canonical["class_weight"])
    _freeze(payload)
    if use_cache and (model or flow != "trends"):
        cache.set(key, payload)
        shadow.maybe_shadow(flow, schedule_id, canonical, source, headers)  # a sample, in another process
    return payload, "miss" if use_cache else "bypass", source, reason


def sky_map(schedule_id: int, *, projection: str | None = None, ra_left: bool = True, center_ra_deg: float = 180.0,
            source: str | None = None, use_cache: bool = True) -> dict:
    p = params.canonical_sky_map(projection, ra_left, center_ra_deg,
                                 default_projection=str(get_settings().UI.DEFAULT_PROJECTION))
    return run_flow("sky_map", schedule_id, p, source=source, use_cache=use_cache)


def distributions(schedule_id: int, *, exclude_impossible: bool = False, source: str | None = None,
                  use_cache: bool = True) -> dict:
    return run_flow("distributions", schedule_id, params.canonical_distributions(exclude_impossible),
                    source=source, use_cache=use_cache)


def visibility_map(schedule_id: int, *, n_bins: int | None = None, bin_seconds: int | None = None,
                   start_unix: int | None = None, end_unix: int | None = None, priority_min: float | None = None,
                   priority_max: float | None = None, block_ids=None, source: str | None = None,
                   use_cache: bool = True) -> dict:
    p = params.canonical_visibility_map(n_bins, bin_seconds, start_unix, end_unix, priority_min, priority_max,
                                        block_ids)
    return run_flow("visibility_map", schedule_id, p, source=source, use_cache=use_cache)


def timeline(schedule_id: int, *, source: str | None = None, use_cache: bool = True) -> dict:
    return run_flow("timeline", schedule_id, params.canonical_timeline(), source=source, use_cache=use_cache)


def insights(schedule_id: int, *, exclude_impossible: bool = False, top_n: int | None = None,
             source: str | None = None, use_cache: bool = True) -> dict:
    p = params.canonical_insights(exclude_impossible, top_n, default_top_n=int(get_settings().UI.TOP_N))
    return run_flow("insights", schedule_id, p, source=source, use_cache=use_cache)


def trends(schedule_id: int, *, exclude_impossible: bool = False, n_bins: int = 10, bandwidth: float = 0.3,
           n_smooth_points: int = 100, visibility_range=None, requested_range=None, priority_levels=None,
           class_weight: str = "balanced", source: str | None = None, use_cache: bool = True) -> dict:
    p = params.canonical_trends(exclude_impossible, n_bins, bandwidth, n_smooth_points, visibility_range,
                                requested_range, priority_levels, class_weight)
    return run_flow("trends", schedule_id, p, source=source, use_cache=use_cache)


def compare(schedule_id: int, *, other_schedule_id: int, source: str | None = None, use_cache: bool = True) -> dict:
    return run_flow("compare", schedule_id, params.canonical_compare(other_schedule_id), source=source,
                    use_cache=use_cache)


def validation(schedule_id: int, *, source: str | None = None, use_cache: bool = True) -> dict:
    return run_flow("validation", schedule_id, params.canonical_validation(), source=source, use_cache=use_cache)


FLOW_FUNCTIONS = {
    "sky_map": sky_map, "distributions": distributions, "visibility_map": visibility_map, "timeline": timeline,
    "insights": insights, "trends": trends, "compare": compare, "validation": validation,
}
