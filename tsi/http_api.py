"""The JSON HTTP API (operations.md §1) and `/healthz`: the facade of `tsi.data`, over HTTP, for scripts.

Payloads are exactly what `tsi export ID FLOW` prints (the same `tsi.jsonout` serialisation, the same
newline at the end) and come through the same facade and cache as the pages.

Routes (least role in brackets; roles are not checked yet, see :func:`authorize`):

=======================================  =========  ==========================================================
``GET /healthz``                         public     ``{status, database, cache, data_source, etl_version}``;
                                                    503 when the database is unreachable (a cache that is
                                                    down only shows as ``cache: "down"``)
``GET /api/schedules``                   viewer     the list, as ``tsi schedules``
``GET /api/schedules/<id>``              viewer     the schedule header
``GET /api/schedules/<id>/<flow>?…``     viewer     the flow's payload; header ``X-TSI-Source`` names the path
                                                    (legacy or etl) that served it
``DELETE /api/schedules/<id>``           editor     204, no body; 404 when unknown
``POST /api/schedules/<id>/analytics``   editor     recompute the analytics (``tsi etl backfill ID --force``);
                                                    200 ``{schedule_id, state_before, recomputed, state,
                                                    milliseconds, status}`` (``status`` = the ``tsi etl status``
                                                    row afterwards)
``POST /api/schedules``                  editor     the upload, in :mod:`tsi.upload`
``GET /api/audit?since=&limit=``         admin      the audit log, newest first (``tsi audit --json``)
``GET /metrics``                         public     Prometheus text format (:mod:`tsi.metrics`); the view checks
                                                    its readers itself: ``METRICS.ALLOW`` addresses and admins
                                                    (403 otherwise; 404 when ``METRICS.ENABLED`` is false)
=======================================  =========  ==========================================================

``<flow>`` is spelled as on the command line: ``sky-map``, ``distributions``, ``visibility-map``, ``timeline``,
``insights``, ``trends``, ``compare``, ``validation``.

Flow parameters are the options of ``tsi export``, read from the CLI's own parser (``tsi.cli.build_parser``)
and mapped to the facade by the CLI's own code (``tsi.cli._export_kwargs``), so a new export option is a new
query key here with nothing to add. The query key is the long option without ``--``, with ``-`` → ``_``:

* ``source=legacy|etl`` (optional; default ``DATA_SOURCE``), ``pretty=true`` (indented JSON, as ``--pretty``);
* sky-map: ``projection``, ``ra_right``, ``center_ra``; distributions: ``exclude_impossible``;
  visibility-map: ``bins`` or ``bin_seconds``, ``start``, ``end`` (ISO-8601 UTC or MJD), ``priority_min``,
  ``priority_max``, ``block_id`` (repeat the key for several); insights: ``exclude_impossible``, ``top_n``;
  trends: ``exclude_impossible``, ``n_bins``, ``bandwidth``, ``smooth_points``, ``visibility_range``,
  ``requested_range``, ``priority_level`` (repeatable), ``class_weight``; compare: ``with`` (required).

Spelling of values: flags (``ra_right``, ``exclude_impossible``, ``pretty``) take ``true``/``false`` (also
``1``/``0``, ``yes``/``no``, ``on``/``off``; a bare ``?exclude_impossible`` means true); integers and numbers
are ASCII (``10``, ``-2.5``, ``1e-3``); options with two values (``--visibility-range LO HI``) are written
``visibility_range=LO,HI``; repeatable options repeat the key (``block_id=a&block_id=b``); options whose
destination ends in ``_id`` (``with``) are schedule ids.

Errors are ``{"error": <kind>, "message": <one line>, "problems": [...]}``:

* 400 ``parameter`` — an unknown query key, a bad value (``problems`` = ``[{parameter, message}]``), a key
  that does not apply to the flow (unless it repeats the default), or a malformed schedule id in the path
  (ids are ASCII digits, 1 ≤ id < 2^63, read by :func:`tsi.ui.urls.schedule_id_or_none`);
  400 ``format`` — :class:`~tsi.errors.ScheduleFormatError`;
* 404 ``not_found`` — an unknown schedule (also the ``with`` one) or an ``/api/…`` path that is no route;
* 405 ``method_not_allowed`` — a route that exists with other methods (header ``Allow``);
* 409 ``analytics`` — the ETL path while the analytics are missing or stale (``problems`` =
  ``[{schedule_id, reason}]``); recompute them with ``POST …/analytics``;
* 413 ``size`` — uploads only (:mod:`tsi.upload`);
* 503 ``database`` — :class:`~tsi.errors.DatabaseError` (message with secrets masked);
* 500 ``internal`` — anything else: the message carries an error id, the log repeats it with the traceback.

Authorisation: every route is declared with :func:`route` and its least role; :func:`authorize` is the one
place where the role (and later CSRF) check goes.
"""

from __future__ import annotations

import argparse
import logging
import math
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map

from tsi.cli import FLOW_NAMES
from tsi.errors import (AccessDeniedError, AnalyticsMissingError, DatabaseError, ScheduleFormatError,
                        ScheduleNotFoundError)
from tsi.ui.urls import MAX_SCHEDULE_ID, schedule_id_or_none

__all__ = ["register", "route", "authorize", "ApiError", "api_error_for", "error_response", "ROUTES", "ROLES", "FLOW_PATHS", "parse_flow_query",
           "served_source"]

log = logging.getLogger("tsi.http_api")

API_PREFIX = "/api"
ROLES = ("public", "viewer", "editor", "admin")  # each includes the one before (operations.md §2)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


# ------------------------------------------------------------------------------------------ errors


class ApiError(Exception):
    """An error answer: HTTP status, kind, one-line message, problems."""

    def __init__(self, status: int, kind: str, message: str, problems: list | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message
        self.problems = list(problems or [])
        self.headers = dict(headers or {})


def parameter_error(parameter: str | None, message: str) -> ApiError:
    message = _one_line(message)
    problems = [{"parameter": parameter, "message": message}] if parameter else []
    return ApiError(400, "parameter", message, problems)


def _shown(value: Any, limit: int = 60) -> str:
    """A client's value as quoted in a message: its repr, shortened."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _one_line(text: str) -> str:
    from tsi.secrets import mask_secrets

    return " ".join(mask_secrets(str(text)).split())


def _json(obj: Any, status: int = 200, pretty: bool = False, headers: dict[str, str] | None = None) -> Response:
    from tsi.jsonout import dumps

    r = Response(dumps(obj, pretty=pretty) + "\n", status=status, mimetype="application/json")
    for k, v in (headers or {}).items():
        r.headers[k] = v
    return r


def error_response(e: ApiError) -> Response:
    return _json({"error": e.kind, "message": _one_line(e.message), "problems": e.problems}, e.status,
                 headers=e.headers)


def api_error_for(exc: BaseException) -> ApiError:
    """Map an exception raised while answering a request to its answer (architecture.md §5)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, ScheduleFormatError):
        fields = ("file", "path", "expected", "got")
        return ApiError(400, "format", str(exc), [{k: _one_line(p.get(k, "")) for k in fields} for p in exc.errors])
    if isinstance(exc, ScheduleNotFoundError):
        return ApiError(404, "not_found", str(exc))
    if isinstance(exc, AnalyticsMissingError):
        return ApiError(409, "analytics", str(exc), [{"schedule_id": exc.schedule_id, "reason": exc.reason}])
    if isinstance(exc, AccessDeniedError):
        kind = "unauthenticated" if exc.status == 401 else "forbidden"
        return ApiError(exc.status, kind, str(exc))
    if isinstance(exc, DatabaseError):
        log.error("%s %s: database error: %s", request.method, request.path, _one_line(str(exc)))
        return ApiError(503, "database", str(exc))
    from tsi import errors

    parameter_error_class = getattr(errors, "ParameterError", ValueError)
    if isinstance(exc, (ValueError, parameter_error_class)):
        return parameter_error(getattr(exc, "parameter", None), str(exc))
    if isinstance(exc, OverflowError):  # every value comes from the client: out of range is its mistake
        return parameter_error(None, f"a value is out of range ({exc})")
    error_id = secrets.token_hex(8)
    log.error("%s %s failed (error id %s)", request.method, request.path, error_id, exc_info=exc)
    return ApiError(500, "internal", f"Internal error (error id {error_id}); the server log has the details.")


# ------------------------------------------------------------------------------------------ routes


@dataclass(frozen=True)
class Route:
    rule: str
    methods: tuple[str, ...]
    role: str
    view: Callable[..., Response]

    @property
    def endpoint(self) -> str:
        return f"tsi_api_{self.view.__name__}"


ROUTES: list[Route] = []


def route(rule: str, *methods: str, role: str = "viewer"):
    """Declare an API route with its least role (the role check is :func:`authorize`, for every route)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def deco(fn: Callable[..., Response]) -> Callable[..., Response]:
        ROUTES.append(Route(rule, tuple(methods), role, fn))
        fn.least_role = role  # type: ignore[attr-defined]
        return fn

    return deco


def authorize(r: Route) -> None:
    """Refuse the request (:class:`~tsi.errors.AccessDeniedError`: 401 not signed in, 403 role) unless the user
    holds the route's least role. Who the user is was settled before the route ran (:mod:`tsi.auth`); the
    facade checks again in every function that changes data."""
    if r.role == "public":
        return
    from tsi import auth

    auth.require_role(r.role, f"{' '.join(r.methods)} {request.path}")


def _endpoint(r: Route) -> Callable[..., Response]:
    def view(**kwargs: Any) -> Response:
        try:
            authorize(r)
            return r.view(**kwargs)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a JSON error answer
            return error_response(api_error_for(exc))

    view.__name__ = r.endpoint
    return view


def _reject_query(allowed: tuple[str, ...] = ()) -> None:
    for key in request.args:
        if key not in allowed:
            raise parameter_error(key, f"unknown query parameter {_shown(key)}")


def path_schedule_id(value: str) -> int:
    sid = schedule_id_or_none(value)
    if sid is None:
        raise parameter_error("schedule_id", f"Invalid schedule id {_shown(value)}: expected a whole number "
                                             f"from 1 to {MAX_SCHEDULE_ID}")
    return sid


def served_source(requested: str | None, payload: Any = None) -> str:
    """The path that served a flow (header ``X-TSI-Source``): the requested source, else ``DATA_SOURCE``.

    After an ETL fallback (``MIGRATION.ETL_FALLBACK = "legacy"``, operations.md §4) it is ``legacy``: the facade
    notes on ``flask.g`` which path served the request's flow call (`tsi.data.served_source`).
    """
    from tsi import data

    return data.served_source() or (requested or data.data_source()).lower()


# ------------------------------------------------------------------------------------------ flow parameters


@dataclass(frozen=True)
class QueryOption:
    """One option of `tsi export` as a query key."""

    key: str
    action: argparse.Action

    @property
    def dest(self) -> str:
        return self.action.dest

    @property
    def repeatable(self) -> bool:
        return isinstance(self.action, argparse._AppendAction)

    @property
    def flag(self) -> bool:
        return self.action.nargs == 0


@dataclass(frozen=True)
class ExportOptions:
    options: dict[str, QueryOption]          # query key → option
    defaults: dict[str, Any]                 # argparse dest → default
    exclusive: tuple[tuple[str, ...], ...]   # query keys that cannot be combined
    flows: dict[str, str]                    # CLI flow name → facade flow name


ROUTE_KEYS = ("source", "pretty")  # handled by the route itself, not by `_export_kwargs`


@lru_cache(maxsize=1)
def export_options() -> ExportOptions:
    """The query keys, read from the `tsi export` sub-parser of the CLI."""
    from tsi.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    export = sub.choices["export"]
    options: dict[str, QueryOption] = {}
    defaults: dict[str, Any] = {}
    key_of: dict[str, str] = {}
    for a in export._actions:
        if isinstance(a, argparse._HelpAction):
            continue
        defaults[a.dest] = a.default
        if not a.option_strings:  # the positionals (schedule id, flow) are the path
            continue
        long = next((s for s in a.option_strings if s.startswith("--")), a.option_strings[0])
        key = long.lstrip("-").replace("-", "_")
        options[key] = QueryOption(key, a)
        key_of[a.dest] = key
    exclusive = tuple(tuple(key_of[a.dest] for a in g._group_actions if a.dest in key_of)
                      for g in export._mutually_exclusive_groups)
    return ExportOptions(options, defaults, exclusive, dict(FLOW_NAMES))


FLOW_PATHS = tuple(FLOW_NAMES)  # the flows as the CLI spells them: sky-map, …

_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_MISSING = object()
_TRUE = ("true", "1", "yes", "on", "")
_FALSE = ("false", "0", "no", "off")


def _convert_one(opt: QueryOption, raw: str) -> Any:
    a = opt.action
    t = a.type
    if t is int:
        if opt.dest.endswith("_id"):
            v = schedule_id_or_none(raw)
            if v is None:
                raise parameter_error(opt.key, f"{opt.key} must be a schedule id, a whole number from 1 to "
                                               f"{MAX_SCHEDULE_ID} (got {_shown(raw)})")
        else:
            if not _INT.fullmatch(raw) or len(raw) > 20:
                raise parameter_error(opt.key, f"{opt.key} must be an integer (got {_shown(raw)})")
            v = int(raw)
            if not INT64_MIN <= v <= INT64_MAX:
                raise parameter_error(opt.key, f"{opt.key} is out of range (got {_shown(raw)})")
    elif t is float:
        if not _FLOAT.fullmatch(raw) or len(raw) > 64 or not math.isfinite(float(raw)):
            raise parameter_error(opt.key, f"{opt.key} must be a finite number (got {_shown(raw)})")
        v = float(raw)
    elif t is None:
        v = raw
    else:
        try:
            v = t(raw)
        except (TypeError, ValueError, argparse.ArgumentTypeError) as e:
            raise parameter_error(opt.key, f"{opt.key}: {e} (got {_shown(raw)})") from None
    if a.choices is not None and v not in a.choices:
        choices = ", ".join(map(str, a.choices))
        raise parameter_error(opt.key, f"{opt.key} must be one of {choices} (got {_shown(raw)})")
    return v


def _convert(opt: QueryOption, raws: list[str]) -> Any:
    a = opt.action
    if len(raws) > 1 and not opt.repeatable:
        raise parameter_error(opt.key, f"{opt.key} is given more than once")
    if opt.flag:
        word = raws[0].strip().lower()
        if word in _TRUE:
            return a.const
        if word in _FALSE:
            return a.default
        raise parameter_error(opt.key, f"{opt.key} must be true or false (got {_shown(raws[0])})")
    if isinstance(a.nargs, int) and a.nargs > 1:
        values = []
        for raw in raws:
            parts = raw.split(",")
            if len(parts) != a.nargs:
                raise parameter_error(opt.key, f"{opt.key} must be {a.nargs} comma-separated values "
                                               f"(got {_shown(raw)})")
            values.append([_convert_one(opt, p.strip()) for p in parts])
        return values if opt.repeatable else values[0]
    values = [_convert_one(opt, raw) for raw in raws]
    return values if opt.repeatable else values[0]


_CLI_OPTION = re.compile(r"--([a-z][a-z0-9-]*)(?: ([A-Z][A-Z_]*)\b)?")


def _cli_words(message: str) -> str:
    """'compare needs --with ID' → 'compare needs with=ID' (the query spelling of CLI options)."""
    def spell(m: re.Match) -> str:
        key = m.group(1).replace("-", "_")
        return f"{key}={m.group(2)}" if m.group(2) else key

    return _CLI_OPTION.sub(spell, message)


def _mentioned_key(message: str) -> str | None:
    """The first export option a CLI message names (`--with` → 'with'), if any."""
    for m in _CLI_OPTION.finditer(message):
        key = m.group(1).replace("-", "_")
        if key in export_options().options:
            return key
    return None


@dataclass
class FlowQuery:
    flow: str                     # the facade's flow name (sky_map, …)
    kwargs: dict[str, Any]        # the facade keyword arguments
    source: str | None
    pretty: bool
    sets: dict[str, str]          # facade keyword → query key that set it (for error messages)


def parse_flow_query(schedule_id: int, flow_path: str, args) -> FlowQuery:
    """Query string → facade keyword arguments, through the CLI's parser actions and `_export_kwargs`.

    ``args`` is a multi-dict (``request.args``). Every key is an export option; its values are converted as
    argparse would (type, choices, flags, pairs, repeats) with the API's spellings; then the CLI maps the
    options to keyword arguments. A key whose value (other than its default) changes nothing for this flow
    is refused, and so is a bad value, naming the key.
    """
    from tsi.cli import _export_kwargs

    spec = export_options()
    values: dict[str, Any] = {}
    for key in args:
        opt = spec.options.get(key)
        if opt is None:
            known = ", ".join(sorted(spec.options))
            raise parameter_error(key, f"unknown query parameter {_shown(key)} (known: {known})")
        values[key] = _convert(opt, args.getlist(key))
    for group in spec.exclusive:
        given = [k for k in group if k in values]
        if len(given) > 1:
            raise parameter_error(given[1], f"{' and '.join(given)} cannot be combined")

    base = dict(spec.defaults, schedule_id=schedule_id, flow=flow_path)

    def build(keys) -> dict[str, Any]:
        ns = argparse.Namespace(**base)
        for k in keys:
            setattr(ns, spec.options[k].dest, values[k])
        return _export_kwargs(ns)

    def attempt(keys) -> tuple[dict | None, str | None]:
        try:
            return build(keys), None
        except (ValueError, OverflowError) as e:
            return None, str(e) or type(e).__name__

    flow_keys = [k for k in values if k not in ROUTE_KEYS]
    full, full_error = attempt(flow_keys)
    sets: dict[str, str] = {}
    culprit = None
    for k in flow_keys:  # leave one out: which keys matter for this flow, and which one breaks it
        rest, rest_error = attempt([j for j in flow_keys if j != k])
        if full_error is not None:
            if culprit is None and rest_error != full_error:
                culprit = k
            continue
        if rest is None:  # the flow needs this key (compare's `with`)
            changed = set(full)
        else:
            changed = {n for n in set(full) | set(rest) if full.get(n, _MISSING) != rest.get(n, _MISSING)}
        if not changed:
            if values[k] != spec.defaults.get(spec.options[k].dest):
                raise parameter_error(k, f"{k} does not apply to {flow_path}")
        for n in changed:
            sets.setdefault(n, k)
    if full_error is not None:
        message = _cli_words(full_error)
        if culprit is None:  # e.g. a required option that is missing: the message names it
            raise parameter_error(_mentioned_key(full_error), message)
        raise parameter_error(culprit, message if message.startswith(culprit) else f"{culprit}: {message}")
    assert full is not None
    for name, value in full.items():
        key = sets.get(name, name)
        _check_int64(key, value, values.get(key, value))
    source = values.get("source")
    return FlowQuery(spec.flows[flow_path], full, source, bool(values.get("pretty", False)), sets)


def _check_int64(key: str, value: Any, given: Any) -> None:
    """Integers reach the native core as signed 64-bit values: larger ones are the client's mistake, not a 500."""
    if isinstance(value, bool):
        return
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        raise parameter_error(key, f"{key} is out of range (got {_shown(given)})")
    if isinstance(value, (list, tuple)):
        for v in value:
            _check_int64(key, v, given)


def _facade_value_error(e: ValueError, q: FlowQuery) -> ApiError:
    """A facade's parameter error, with the facade's keyword replaced by the query key that set it."""
    message = _cli_words(str(e))
    parameter = getattr(e, "parameter", None)
    for name, key in sorted(q.sets.items(), key=lambda kv: -len(kv[0])):
        if parameter == name or message.startswith(name + " ") or message.startswith(name + ":"):
            return parameter_error(key, key + message[len(name):] if message.startswith(name) else message)
    return parameter_error(parameter, message)


# ------------------------------------------------------------------------------------------ the views


def _cache_health() -> str:
    from tsi.data import cache

    try:
        return cache.health()
    except Exception:  # noqa: BLE001 - health reports, never raises
        log.warning("cache health check failed", exc_info=True)
        return "down"


@route("/healthz", "GET", role="public")
def healthz() -> Response:
    from tsi import data

    try:
        source = data.data_source()
    except Exception as e:  # noqa: BLE001
        source = f"unknown ({_one_line(str(e))})"
    try:
        etl_version = data.build_info()["etl_version"]
    except Exception:  # noqa: BLE001
        log.warning("build_info failed", exc_info=True)
        etl_version = None
    cache_state = _cache_health()
    try:
        data.list_schedules(use_cache=False)
    except Exception as e:  # noqa: BLE001 - health reports, never raises
        log.error("health check: database unreachable: %s", _one_line(str(e)))
        return _json({"status": "error", "database": _one_line(str(e)), "cache": cache_state,
                      "data_source": source, "etl_version": etl_version}, 503)
    return _json({"status": "ok", "database": "ok", "cache": cache_state, "data_source": source,
                  "etl_version": etl_version})


@route("/metrics", "GET", role="public")
def metrics() -> Response:
    """Prometheus text format (operations.md §4), summed over the workers. Public for the sign-in (a scraper
    has no account) but checked here: served when ``METRICS.ENABLED`` (else 404) to the addresses of
    ``METRICS.ALLOW`` (and loopback, with ``METRICS.ALLOW_LOOPBACK``) or to a signed-in admin (else 403)."""
    from tsi import auth
    from tsi import metrics as tsi_metrics
    from tsi.config import get_settings

    m = get_settings().METRICS
    if not bool(m.ENABLED):
        raise ApiError(404, "not_found", "Metrics are not served here (METRICS.ENABLED is false).")
    address = auth.client_address()
    if not tsi_metrics.client_allowed(address, m.ALLOW, bool(m.ALLOW_LOOPBACK)):
        user = auth.identify()  # only now: an allowed scraper is never asked who it is
        if user is None or not user.may("admin"):
            log.warning("metrics refused to %s (%s)", address, "not signed in" if user is None else user.name)
            raise ApiError(403, "forbidden", "Metrics are served to the addresses of METRICS.ALLOW and to admins.")
    return Response(tsi_metrics.exposition(), status=200, content_type=tsi_metrics.CONTENT_TYPE)


@route("/api/schedules", "GET")
def list_schedules() -> Response:
    from tsi import data

    _reject_query()
    return _json(data.list_schedules())


@route("/api/schedules/<schedule_id>", "GET")
def schedule_header(schedule_id: str) -> Response:
    from tsi import data

    sid = path_schedule_id(schedule_id)
    _reject_query()
    return _json(data.schedule_header(sid))


@route("/api/schedules/<schedule_id>", "DELETE", role="editor")
def delete_schedule(schedule_id: str) -> Response:
    from tsi import data

    sid = path_schedule_id(schedule_id)
    _reject_query()
    if not data.delete_schedule(sid):
        raise ScheduleNotFoundError(sid)
    log.info("API: deleted schedule %s", sid)
    return Response(status=204)


@route("/api/schedules/<schedule_id>/analytics", "POST", role="editor")
def recompute_analytics(schedule_id: str) -> Response:
    from tsi import data

    sid = path_schedule_id(schedule_id)
    _reject_query()
    data.schedule_header(sid, use_cache=False)  # 404 for an unknown schedule
    result = dict(data.etl_backfill(sid, force=True))
    rows = data.etl_status(sid)
    result["status"] = rows[0] if rows else None
    log.info("API: recomputed the analytics of schedule %s", sid)
    return _json(result)


@route("/api/audit", "GET", role="admin")
def audit_log() -> Response:
    """The audit log, newest first: ``?since=`` (ISO-8601 UTC or MJD), ``?limit=`` (1-10000, default 1000)."""
    from tsi.auth import audit

    _reject_query(("since", "limit"))
    limit_text = request.args.get("limit", "1000")
    if not limit_text.isascii() or not limit_text.isdigit() or not 1 <= int(limit_text) <= 10000:
        raise parameter_error("limit", f"limit must be a whole number from 1 to 10000 (got {_shown(limit_text)})")
    try:
        rows = audit.entries(request.args.get("since") or None, int(limit_text))
    except ValueError as e:
        raise parameter_error("since", f"since: {e}") from None
    return _json(rows)


@route("/api/schedules/<schedule_id>/<any(" + ", ".join(f'"{f}"' for f in FLOW_PATHS) + "):flow>", "GET")
def flow_payload(schedule_id: str, flow: str) -> Response:
    from tsi import data

    sid = path_schedule_id(schedule_id)
    q = parse_flow_query(sid, flow, request.args)
    try:
        payload = data.FLOW_FUNCTIONS[q.flow](sid, source=q.source, **q.kwargs)
    except ValueError as e:
        if isinstance(e, ScheduleFormatError):
            raise
        raise _facade_value_error(e, q) from None
    return _json(payload, pretty=q.pretty, headers={"X-TSI-Source": served_source(q.source, payload)})


# ------------------------------------------------------------------------------------------ unmatched paths


def _is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def _unmatched(path: str, method: str, server: Flask) -> ApiError:
    """404 or 405 for an `/api/…` request that no API route answers (matched against the API rules only)."""
    rules = [r.empty() for r in server.url_map.iter_rules() if _is_api_path(r.rule)]
    try:
        Map(rules).bind("localhost").match(path, method=method)
    except MethodNotAllowed as e:
        allowed = sorted(set(e.valid_methods or []))
        return ApiError(405, "method_not_allowed", f"{method} is not allowed on {path} (allowed: "
                                                   f"{', '.join(allowed)})", headers={"Allow": ", ".join(allowed)})
    except HTTPException:
        pass
    hint = f" Flows: {', '.join(FLOW_PATHS)}." if path.startswith(API_PREFIX + "/schedules/") else ""
    return ApiError(404, "not_found", f"No API route {method} {path}.{hint}")


# ------------------------------------------------------------------------------------------ registration


def register(server: Flask) -> None:
    """Add the API routes, `/healthz` and the JSON 404/405 answers for `/api/…` paths."""
    for r in ROUTES:
        server.add_url_rule(r.rule, r.endpoint, _endpoint(r), methods=list(r.methods))

    @server.before_request
    def _api_paths_are_not_pages():
        # Dash's page route `/<path:path>` would answer an unknown GET /api/… with the app's HTML.
        if _is_api_path(request.path) and request.url_rule is not None and not _is_api_path(request.url_rule.rule):
            return error_response(_unmatched(request.path, request.method, server))
        return None

    def _routing_error(exc: HTTPException):
        if _is_api_path(request.path):
            return error_response(_unmatched(request.path, request.method, server))
        return exc

    server.register_error_handler(NotFound, _routing_error)
    server.register_error_handler(MethodNotAllowed, _routing_error)

    @server.errorhandler(500)
    def _internal_error(exc):
        if _is_api_path(request.path):
            original = getattr(exc, "original_exception", None) or exc
            return error_response(api_error_for(original))
        return exc
