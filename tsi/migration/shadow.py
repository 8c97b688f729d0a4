"""Shadow comparison (operations.md §4): a sample of the flow requests that missed the cache is computed on both
paths again and compared, in a separate low-priority process, so it never delays or fails the user's request.

Why a process and not a thread: the comparison is Python work between two native calls (turning the payloads
into Python objects, walking them), and a thread of the same worker would take the GIL from the requests; on
the real preset that added 2–6 ms to the sky map's and compare's cache misses while comparisons ran (measured with
``tsi bench --shadow 1``). So each worker process starts, on first use, one helper process (``spawn``, so
nothing of the worker's threads, pools or runtime is copied) at the lowest CPU priority:

* the request thread draws the sample and puts ``(flow, schedule, parameters, path served)`` — a few hundred
  bytes, never the payload — on a bounded queue (``MIGRATION.SHADOW_QUEUE``); when it is full the comparison is
  dropped and counted, never waited for;
* the helper computes both paths with the cache bypassed (the served one again: flows are deterministic, and
  sending the payload across would cost the request), compares with :func:`tsi.parity.first_difference` (the
  comparator and tolerances of ``tsi parity``), stores the outcome in ``parity_events`` with the parameters that
  reproduce it (``tsi parity <schedule> --flow <flow> --params '<json>'``), and sends the outcome back;
* a thread of the worker counts it (``tsi_shadow_comparisons_total``) and times the other path in
  ``tsi_flow_seconds`` (cache ``bypass``), so the metrics stay the worker's, in single- and multi-process mode.

The helper exits when its worker does (it is a daemon process, and it also watches its parent's pid).
"""

from __future__ import annotations

import json
import logging
import math
import multiprocessing
import os
import queue
import random
import signal
import threading
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("tsi.migration.shadow")

__all__ = ["ShadowJob", "Outcome", "maybe_shadow", "run_job", "drain", "reset", "VALUE_MAX"]

VALUE_MAX = 2000  # characters of a differing value kept in parity_events


@dataclass(frozen=True)
class ShadowJob:
    flow: str
    schedule_id: int
    canonical: dict
    served: str          # the path that answered the user


@dataclass(frozen=True)
class Outcome:
    flow: str
    other: str                    # the path compared with the served one
    result: str                   # match, mismatch or error
    other_seconds: float | None   # the other path's time (None when it failed)
    error_kind: str | None = None


def other_path(source: str) -> str:
    return "etl" if source == "legacy" else "legacy"


# ------------------------------------------------------------------ the helper process


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


def run_job(job: ShadowJob) -> Outcome:
    """Compute both paths for ``job``, compare, store the outcome in ``parity_events``; returns it. The helper
    process runs this (tests call it directly)."""
    from tsi import data
    from tsi.data.dispatch import binding
    from tsi.parity import first_difference
    from tsi.secrets import mask_secrets

    other = other_path(job.served)
    native = {k: v for k, v in job.canonical.items() if k != "class_weight"}  # the model is not compared
    diff = error = kind = seconds = None
    try:
        served = binding(job.flow, job.served)(job.schedule_id, **native)
        t0 = time.perf_counter()
        payload = binding(job.flow, other)(job.schedule_id, **native)
        seconds = time.perf_counter() - t0
        legacy, etl = (served, payload) if job.served == "legacy" else (payload, served)
        diff = first_difference(legacy, etl)
        result = "mismatch" if diff else "match"
    except Exception as e:  # noqa: BLE001 - an error of a path is an outcome, not a crash
        result, kind = "error", type(e).__name__
        error = mask_secrets(f"{kind}: {e}")[:VALUE_MAX]
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
    except Exception as e:  # noqa: BLE001 - the outcome is still counted; say why it was not stored
        log.error("could not store a shadow comparison of %s: %s", job.flow, mask_secrets(str(e)))
    return Outcome(job.flow, other, result, seconds, kind)


def _lower_priority() -> None:
    """The lowest CPU priority, so the comparisons yield the cores to the requests."""
    try:
        os.nice(19)
    except (AttributeError, OSError):
        pass


def _helper_main(jobs: Any, results: Any, parent_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C of `tsi run --dev` is the parent's to handle
    _lower_priority()
    from tsi.logging import setup_logging
    from tsi.config import get_settings

    setup_logging(str(get_settings().LOG_LEVEL))
    while True:
        try:
            job = jobs.get(timeout=1.0)
        except queue.Empty:
            if os.getppid() != parent_pid:  # the worker is gone (killed): so is its helper
                return
            continue
        if job is None:
            return
        try:
            outcome = run_job(job)
        except Exception:  # noqa: BLE001 - the helper outlives any one comparison
            log.exception("shadow comparison of %s for schedule %s failed", job.flow, job.schedule_id)
            outcome = Outcome(job.flow, other_path(job.served), "error", None, "InternalError")
        results.put(outcome)


# ------------------------------------------------------------------ the worker's side


class _Helper:
    """This worker's helper process, its bounded job queue and the thread that counts the outcomes."""

    def __init__(self, size: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.pid = os.getpid()
        self.jobs = ctx.Queue(maxsize=max(1, size))
        self.results = ctx.Queue()
        self.pending = 0
        self.lock = threading.Lock()
        self.process = _start_process(ctx, self.jobs, self.results, self.pid)
        self.reader = threading.Thread(target=self._count, name="tsi-shadow-results", daemon=True)
        self.reader.start()

    def submit(self, job: ShadowJob) -> bool:
        with self.lock:
            try:
                self.jobs.put_nowait(job)
            except queue.Full:
                return False
            self.pending += 1
        return True

    def _count(self) -> None:
        from tsi import metrics

        while True:
            try:
                o = self.results.get()
            except (EOFError, OSError, ValueError):  # the queue was closed (reset)
                return
            if o is None:
                return
            if o.other_seconds is not None:
                metrics.flow_served(o.flow, o.other, "bypass", o.other_seconds)
            if o.error_kind is not None:
                metrics.flow_failed(o.flow, o.other, o.error_kind)
            metrics.shadow_compared(o.flow, o.result)
            with self.lock:
                self.pending -= 1

    def stop(self) -> None:
        try:
            self.jobs.put_nowait(None)
        except (queue.Full, ValueError, OSError):
            pass
        if self.process is not None:
            self.process.join(5)
            if self.process.is_alive():
                self.process.terminate()
                self.process.join(5)
        try:
            self.results.put(None)
        except (ValueError, OSError):
            pass
        self.reader.join(5)


def _start_process(ctx: Any, jobs: Any, results: Any, parent_pid: int) -> Any:
    p = ctx.Process(target=_helper_main, args=(jobs, results, parent_pid), name="tsi-shadow", daemon=True)
    p.start()
    return p


_lock = threading.Lock()
_helper: _Helper | None = None
_random = random.Random()


def _get_helper(size: int) -> _Helper:
    global _helper
    h = _helper
    if h is None or h.pid != os.getpid():  # first use, or a forked child (its parent's helper is not its own)
        with _lock:
            if _helper is None or _helper.pid != os.getpid():
                _helper = _Helper(size)
            h = _helper
    return h


def reset() -> None:
    """Stop this process's helper (settings changed; tests); a new one starts on next use."""
    global _helper
    with _lock:
        h, _helper = _helper, None
    if h is not None and h.pid == os.getpid():
        h.stop()


def _settings() -> tuple[float, int]:
    from tsi.config import get_settings

    m = get_settings().MIGRATION
    return float(m.SHADOW_RATE), int(m.SHADOW_QUEUE)


def maybe_shadow(flow: str, schedule_id: int, canonical: dict, served: str, headers: list[dict]) -> bool:
    """Called by the facade after a cache miss: queue a comparison for a ``SHADOW_RATE`` sample. Cheap and
    never raises into the request. True when a comparison was queued."""
    from tsi import metrics

    try:
        rate, size = _settings()
        if rate <= 0 or (rate < 1 and _random.random() >= rate):
            return False
        if any(h.get("analytics_state") != "fresh" for h in headers):
            return False  # the analytics path cannot answer: nothing to compare (fallbacks are counted apart)
        if not _get_helper(size).submit(ShadowJob(flow, int(schedule_id), canonical, served)):
            metrics.shadow_compared(flow, "dropped")
            return False
        return True
    except Exception:  # noqa: BLE001 - shadowing never fails the user's request
        log.exception("could not queue a shadow comparison of %s", flow)
        return False


def drain(timeout: float = 60.0) -> bool:
    """Wait until every comparison queued by this process is counted (tests; the benchmark)."""
    h = _helper
    if h is None or h.pid != os.getpid():
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with h.lock:
            if h.pending == 0:
                return True
        time.sleep(0.01)
    return False
