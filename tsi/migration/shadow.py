"""Shadow comparison (operations.md §4): a sample of the flow requests that missed the cache is computed again on
the other path and compared with the payload the user got, off the request thread.

The request thread only draws the sample and puts a reference to the payload (already frozen and shared with the
cache) on a bounded queue; when the queue is full the comparison is dropped and counted, never waited for. One
daemon thread per process (started on first use, again after a fork) computes the other path with the cache
bypassed, compares with :func:`tsi.parity.first_difference` (the comparator and tolerances of ``tsi parity``),
counts the outcome in ``tsi_shadow_comparisons_total``, times the other path in ``tsi_flow_seconds`` (cache
``bypass``) and stores the outcome in ``parity_events`` with the parameters that reproduce it:
``tsi parity <schedule> --flow <flow> --params '<json>'``.

Nothing here can fail the user's request: a comparison that raises is an ``error`` outcome, and a database that
cannot take the event is logged.
"""

from __future__ import annotations

import json
import logging
import math
import os
import queue
import random
import threading
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("tsi.migration.shadow")

__all__ = ["ShadowJob", "maybe_shadow", "compare", "drain", "reset", "VALUE_MAX"]

VALUE_MAX = 2000  # characters of a differing value kept in parity_events


@dataclass(frozen=True)
class ShadowJob:
    flow: str
    schedule_id: int
    canonical: dict
    served: str          # the path that answered the user
    payload: dict        # what the user got (read-only)


class _Worker:
    """The bounded queue and its thread, per process."""

    def __init__(self, size: int) -> None:
        self.pid = os.getpid()
        self.queue: queue.Queue[ShadowJob] = queue.Queue(maxsize=max(1, size))
        self.thread = threading.Thread(target=self._run, name="tsi-shadow", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            job = self.queue.get()
            try:
                compare(job)
            except Exception:  # noqa: BLE001 - the thread outlives any one comparison
                log.exception("shadow comparison of %s for schedule %s failed", job.flow, job.schedule_id)
            finally:
                self.queue.task_done()


_lock = threading.Lock()
_worker: _Worker | None = None
_random = random.Random()


def _get_worker(size: int) -> _Worker:
    global _worker
    w = _worker
    if w is None or w.pid != os.getpid():  # first use, or a forked child (threads do not survive a fork)
        with _lock:
            if _worker is None or _worker.pid != os.getpid():
                _worker = _Worker(size)
            w = _worker
    return w


def reset() -> None:
    """Forget the worker (tests that change the settings); a new one starts on next use."""
    global _worker
    with _lock:
        _worker = None


def _settings() -> tuple[float, int]:
    from tsi.config import get_settings

    m = get_settings().MIGRATION
    return float(m.SHADOW_RATE), int(m.SHADOW_QUEUE)


def other_path(source: str) -> str:
    return "etl" if source == "legacy" else "legacy"


def maybe_shadow(flow: str, schedule_id: int, canonical: dict, served: str, payload: dict,
                 headers: list[dict]) -> bool:
    """Called by the facade after a cache miss: queue a comparison for a ``SHADOW_RATE`` sample. Cheap and
    never raises into the request. True when a comparison was queued."""
    from tsi import metrics

    try:
        rate, size = _settings()
        if rate <= 0 or (rate < 1 and _random.random() >= rate):
            return False
        if other_path(served) == "etl" and any(h.get("analytics_state") != "fresh" for h in headers):
            return False  # the analytics path cannot answer: nothing to compare (fallbacks are counted apart)
        job = ShadowJob(flow, int(schedule_id), canonical, served, payload)
        try:
            _get_worker(size).queue.put_nowait(job)
        except queue.Full:
            metrics.shadow_compared(flow, "dropped")
            return False
        return True
    except Exception:  # noqa: BLE001 - shadowing never fails the user's request
        log.exception("could not queue a shadow comparison of %s", flow)
        return False


def _plain(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    try:
        text = json.dumps(v, default=str)
    except (TypeError, ValueError):
        text = repr(v)
    return text[:VALUE_MAX]


def params_json(canonical: dict) -> str:
    """The parameters as `tsi parity --params` takes them."""
    return json.dumps(canonical, sort_keys=True, default=list)


def compare(job: ShadowJob) -> str:
    """Compute the other path for ``job``, compare, count and store the outcome; returns it (match, mismatch
    or error). Runs on the shadow thread (tests call it directly)."""
    from tsi import data, metrics
    from tsi.data.dispatch import binding
    from tsi.parity import first_difference
    from tsi.secrets import mask_secrets

    other = other_path(job.served)
    native = {k: v for k, v in job.canonical.items() if k != "class_weight"}
    served_native = {k: v for k, v in job.payload.items() if k != "model"}  # the model is fitted in Python, once
    diff = error = None
    t0 = time.perf_counter()
    try:
        payload = binding(job.flow, other)(job.schedule_id, **native)
        metrics.flow_served(job.flow, other, "bypass", time.perf_counter() - t0)
        legacy, etl = (served_native, payload) if job.served == "legacy" else (payload, served_native)
        diff = first_difference(legacy, etl)
        result = "mismatch" if diff else "match"
    except Exception as e:  # noqa: BLE001 - an error of the other path is an outcome, not a crash
        metrics.flow_failed(job.flow, other, e)
        result, error = "error", mask_secrets(f"{type(e).__name__}: {e}")[:VALUE_MAX]
    metrics.shadow_compared(job.flow, result)
    if result == "mismatch":
        log.warning("shadow comparison: %s of schedule %s differs between the paths at %s (legacy=%s etl=%s)",
                    job.flow, job.schedule_id, diff[0], _plain(diff[1]), _plain(diff[2]))
    try:
        data.core().parity_event_append(
            job.schedule_id, job.flow, params_json(job.canonical), job.served, result,
            data.build_info()["version"],
            diff_path=None if diff is None else str(diff[0])[:512],
            legacy_value=None if diff is None else _plain(diff[1]),
            etl_value=None if diff is None else _plain(diff[2]), error=error)
    except Exception as e:  # noqa: BLE001 - the outcome is counted already; say why it was not stored
        log.error("could not store a shadow comparison of %s: %s", job.flow, mask_secrets(str(e)))
    return result


def drain(timeout: float = 30.0) -> bool:
    """Wait until this process's queue is empty and its comparisons done (tests; graceful shutdown)."""
    w = _worker
    if w is None or w.pid != os.getpid():
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if w.queue.unfinished_tasks == 0:
            return True
        time.sleep(0.01)
    return False
