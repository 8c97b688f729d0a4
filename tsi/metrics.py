"""Prometheus metrics (operations.md §4): the one owner of TSI's metric definitions, the small recording
functions the facade calls, the exposition of ``GET /metrics`` and its access rule.

=================================  =========  ====================================================================
``tsi_flow_seconds``               histogram  ``flow`` (the facade's name: ``sky_map``, …), ``source`` (legacy, etl),
                                              ``cache`` (hit, miss, bypass) — every flow call that returned
``tsi_flow_errors_total``          counter    ``flow``, ``source``, ``kind`` (the exception's class name)
``tsi_etl_fallback_total``         counter    ``flow``, ``reason`` (missing, stale) — :func:`etl_fallback`
``tsi_shadow_comparisons_total``   counter    ``flow``, ``result`` (match, mismatch, error, dropped) —
                                              :func:`shadow_compared`
``tsi_ingest_seconds``             histogram  every ingest that reached the core (created, duplicate or rejected)
``tsi_ingest_total``               counter    ``result`` (created, duplicate, rejected)
``tsi_cache_errors_total``         counter    cache backend errors (each answered as a miss)
``tsi_analytics_schedules``        gauge      ``state`` (fresh, stale, missing): computed at scrape time
=================================  =========  ====================================================================

Processes. Under gunicorn (``tsi run``) every worker counts for itself; ``prometheus_client``'s multi-process
mode adds them up: ``tsi run`` points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh directory before gunicorn starts
(so the variable is set before any worker imports ``prometheus_client``), each worker writes its values there,
and a scrape (whichever worker answers it) reads every file. Without the variable (the ``tsi`` command,
``tsi run --dev``, tests in one process) the values live in this process only.

``tsi_analytics_schedules`` is a fact of the database, not of a process: it is read when scraped (the schedule
list, cached per catalogue generation like the pages' list) instead of a gauge each worker sets, which would
be as stale as that worker's last request and need a multi-process gauge mode to merge.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from typing import Any, Iterable

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

__all__ = ["FLOWS", "SOURCES", "CACHE_STATES", "FALLBACK_REASONS", "SHADOW_RESULTS", "INGEST_RESULTS",
           "ANALYTICS_STATES", "flow_served", "flow_failed", "etl_fallback", "shadow_compared", "ingest_done",
           "cache_error", "multiprocess_dir", "exposition", "scrape_families", "sample", "client_allowed", "CONTENT_TYPE"]

log = logging.getLogger("tsi.metrics")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# `generate_latest` writes the classic text format (0.0.4); recent libraries name it version=1.0.0 in their
# CONTENT_TYPE_LATEST, which older scrapers do not list. Say what it is.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

FLOWS = ("sky_map", "distributions", "visibility_map", "timeline", "insights", "trends", "compare", "validation")
SOURCES = ("legacy", "etl")
CACHE_STATES = ("hit", "miss", "bypass")
FALLBACK_REASONS = ("missing", "stale")
SHADOW_RESULTS = ("match", "mismatch", "error", "dropped")
INGEST_RESULTS = ("created", "duplicate", "rejected")
ANALYTICS_STATES = ("fresh", "stale", "missing")

# Cached hits take well under a millisecond, cold flows on large schedules seconds.
FLOW_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
INGEST_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

# No `*_created` series: they are per process (meaningless summed over workers) and multi-process mode has none.
prometheus_client.disable_created_metrics()

# Our own registry (not the library's global one, whose process_* and gc collectors describe one process only).
_registry = CollectorRegistry()

FLOW_SECONDS = Histogram("tsi_flow_seconds", "Time to serve a flow payload through the facade, seconds.",
                         ["flow", "source", "cache"], buckets=FLOW_BUCKETS, registry=_registry)
FLOW_ERRORS = Counter("tsi_flow_errors", "Flow calls that raised, by exception class.",
                      ["flow", "source", "kind"], registry=_registry)
ETL_FALLBACK = Counter("tsi_etl_fallback", "ETL requests served from the legacy path (MIGRATION.ETL_FALLBACK).",
                       ["flow", "reason"], registry=_registry)
SHADOW_COMPARISONS = Counter("tsi_shadow_comparisons", "Shadow comparisons of the other path, by outcome.",
                             ["flow", "result"], registry=_registry)
INGEST_SECONDS = Histogram("tsi_ingest_seconds", "Time to store an upload (created, duplicate or rejected), seconds.",
                           buckets=INGEST_BUCKETS, registry=_registry)
INGEST = Counter("tsi_ingest", "Uploads by outcome.", ["result"], registry=_registry)
CACHE_ERRORS = Counter("tsi_cache_errors", "Cache backend errors (each answered as a miss).", registry=_registry)

# The small label sets are shown at zero from the start (a rate over a series that appears late misses its
# first increase); the flow histogram and errors appear with their first call.
for _flow in FLOWS:
    for _reason in FALLBACK_REASONS:
        ETL_FALLBACK.labels(_flow, _reason)
    for _result in SHADOW_RESULTS:
        SHADOW_COMPARISONS.labels(_flow, _result)
for _result in INGEST_RESULTS:
    INGEST.labels(_result)


# ------------------------------------------------------------------------------------------ recording


def flow_served(flow: str, source: str, cache: str, seconds: float) -> None:
    """A flow call that returned a payload (``cache``: hit, miss or bypass)."""
    FLOW_SECONDS.labels(flow, source, cache).observe(seconds)


def flow_failed(flow: str, source: str, exc: BaseException | str) -> None:
    """A flow call that raised ``exc`` (or an exception of the class named ``exc``)."""
    FLOW_ERRORS.labels(flow, source, exc if isinstance(exc, str) else type(exc).__name__).inc()


def etl_fallback(flow: str, reason: str) -> None:
    """An ETL request served from the legacy path because its analytics were ``missing`` or ``stale``."""
    ETL_FALLBACK.labels(flow, reason).inc()


def shadow_compared(flow: str, result: str) -> None:
    """One shadow comparison's outcome: match, mismatch, error or dropped (queue full)."""
    SHADOW_COMPARISONS.labels(flow, result).inc()


def ingest_done(result: str, seconds: float) -> None:
    """An upload that reached the core: created, duplicate or rejected (:class:`~tsi.errors.ScheduleFormatError`)."""
    INGEST.labels(result).inc()
    INGEST_SECONDS.observe(seconds)


def cache_error() -> None:
    CACHE_ERRORS.inc()


# ------------------------------------------------------------------------------------------ exposition


def multiprocess_dir() -> str | None:
    """The multi-process directory this process writes to (None: single-process mode)."""
    return os.environ.get(MULTIPROC_ENV) or None


class _AnalyticsCollector:
    """``tsi_analytics_schedules{state}``: the schedules per analytics state, read from the database when scraped
    (the cached schedule list). A database that does not answer leaves the gauge out; the scrape still works."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        from tsi import data

        try:
            rows = data.list_schedules()
        except Exception as e:  # noqa: BLE001 - a scrape must not fail with the database
            from tsi.secrets import mask_secrets

            log.warning("metrics: analytics states unavailable: %s", mask_secrets(str(e)))
            return
        counts = dict.fromkeys(ANALYTICS_STATES, 0)
        for row in rows:
            state = str(row.get("analytics", ""))
            if state in counts:
                counts[state] += 1
        g = GaugeMetricFamily("tsi_analytics_schedules", "Schedules by the state of their analytics.",
                              labels=["state"])
        for state, n in counts.items():
            g.add_metric([state], n)
        yield g


class _Local:
    """This process's metrics (single-process mode)."""

    def collect(self):
        return _registry.collect()


def _scrape_registry(with_database: bool) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Local())
    if with_database:
        registry.register(_AnalyticsCollector())
    return registry


def exposition() -> bytes:
    """The Prometheus text format (0.0.4) of every metric: summed over the workers in multi-process mode."""
    return prometheus_client.generate_latest(_scrape_registry(with_database=True))


def scrape_families() -> Iterable[Any]:
    """Every metric family as a scrape would show it, without the database's (the readiness report)."""
    return _scrape_registry(with_database=False).collect()


def sample(name: str, labels: dict[str, str] | None = None) -> float:
    """One sample's value as a scrape would show it (0 when absent; tests and the readiness report)."""
    value = _scrape_registry(with_database=False).get_sample_value(name, labels or {})
    return 0.0 if value is None else value


# ------------------------------------------------------------------------------------------ access


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(str(text or "").strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def client_allowed(address: str | None, allow: Any, allow_loopback: bool) -> bool:
    """Whether a client address may read ``/metrics`` without signing in: loopback when ``allow_loopback``
    (``METRICS.ALLOW_LOOPBACK``), or inside one of the CIDRs ``allow`` (``METRICS.ALLOW``). No address, or one
    that does not parse, is never allowed."""
    ip = _address(address)
    if ip is None:
        return False
    if allow_loopback and ip.is_loopback:
        return True
    for cidr in [allow] if isinstance(allow, str) else list(allow or []):
        try:
            net = ipaddress.ip_network(str(cidr).strip(), strict=False)
        except ValueError:  # validated at load; never widen access on a bad entry
            continue
        if ip.version == net.version and ip in net:
            return True
    return False
