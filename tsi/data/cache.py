"""Server-side payload cache (architecture.md §4, operations.md §3).

Backends by ``CACHE.TYPE``:

* ``SimpleCache`` — this process only: :class:`ByteBoundedCache`, least recently used first out once the
  estimated size of its entries passes ``CACHE.MAX_BYTES``. Payloads are stored as they are (never pickled).
* ``FileSystemCache`` — every worker of one host (flask-caching, ``CACHE.DIR``).
* ``RedisCache`` — every host (flask-caching over a ``redis`` client made from ``CACHE.REDIS_URL``:
  ``redis://``, ``rediss://`` or ``unix://``, with password and db index).

A shared backend may fail (Redis restarted, disk full): every error is logged (once per outage), counted
(:func:`errors_total`; ``tsi_cache_errors_total`` in :mod:`tsi.metrics`) and answered as a miss, so pages are
served from the database and users never see it.
After an error the backend is left alone for :data:`RETRY_SECONDS` so a dead server costs no time per request.

Keys: payloads ``tsi:v1:<flow>:<schedule_id>:<checksum>:<source>:<stamp>:<params hash>`` (a changed schedule
gets a new checksum or analytics stamp, so its old entries are never read again); schedule headers and the
list are keyed by the catalogue generation (:func:`header_key`, :func:`list_key`), which the database bumps with
every change, so a change is seen by every worker and host at its next request.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import OrderedDict
from typing import Any

import numpy as np

from tsi.config import get_settings

KEY_PREFIX = "tsi:v1:"
RETRY_SECONDS = 5.0
REDIS_CONNECT_TIMEOUT = 1.0
REDIS_SOCKET_TIMEOUT = 2.0

log = logging.getLogger("tsi.cache")

_lock = threading.Lock()
_cache: "_Guarded | None" = None


# ------------------------------------------------------------------------------------------ in-process


def estimate_bytes(value: Any) -> int:
    """Approximate memory held by a payload: numpy buffers, text and containers (what the byte bound counts)."""
    if isinstance(value, np.ndarray):
        return value.nbytes + 112
    if isinstance(value, (bytes, str)):
        return sys.getsizeof(value)
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(estimate_bytes(k) + estimate_bytes(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        if value and isinstance(value[0], str) and isinstance(value[-1], str):  # text columns hold only str
            return sys.getsizeof(value) + sum(sys.getsizeof(s) for s in value)
        return sys.getsizeof(value) + sum(estimate_bytes(v) for v in value)
    return sys.getsizeof(value)


class ByteBoundedCache:
    """A thread-safe in-process cache bounded by the estimated bytes of its values, least recently used out.

    Values are kept as they are: payloads are read-only once cached, so the process shares one copy.
    """

    def __init__(self, max_bytes: int, default_timeout: int = 0) -> None:
        self.max_bytes = int(max_bytes)
        self.default_timeout = int(default_timeout)
        self._entries: OrderedDict[str, tuple[Any, int, float]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def bytes_used(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            value, size, expires = entry
            if expires and expires < time.monotonic():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return value

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        size = estimate_bytes(value)
        if size > self.max_bytes:  # would evict everything and still not fit
            self.delete(key)
            return False
        ttl = self.default_timeout if timeout is None else int(timeout)
        expires = time.monotonic() + ttl if ttl > 0 else 0.0
        with self._lock:
            self._drop(key)
            self._entries[key] = (value, size, expires)
            self._bytes += size
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))
        return True

    def delete(self, key: str) -> bool:
        with self._lock:
            return self._drop(key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _drop(self, key: str) -> bool:
        entry = self._entries.pop(key, None)
        if entry is None:
            return False
        self._bytes -= entry[1]
        return True


# ------------------------------------------------------------------------------------------ shared backends


def _redis_client(url: str):
    try:
        import redis
    except ImportError as e:  # pragma: no cover - a production install has it (pip install tsi[redis])
        from tsi.errors import ConfigError

        raise ConfigError("CACHE.TYPE 'RedisCache' needs the redis package: pip install 'tsi[redis]'",
                          ["CACHE.TYPE 'RedisCache' needs the redis package"]) from e
    return redis.Redis.from_url(url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT,
                                socket_timeout=REDIS_SOCKET_TIMEOUT, health_check_interval=30)


def _build_backend(s: Any):
    kind = str(s.CACHE.TYPE)
    timeout = int(s.CACHE.DEFAULT_TIMEOUT)
    if kind == "SimpleCache":
        return ByteBoundedCache(int(s.CACHE.MAX_BYTES), timeout)
    if kind == "FileSystemCache":
        from flask_caching.backends.filesystemcache import FileSystemCache

        from tsi.config import project_root

        d = project_root() / str(s.CACHE.DIR)
        d.mkdir(parents=True, exist_ok=True)
        return FileSystemCache(str(d), threshold=5000, default_timeout=timeout)
    if kind == "RedisCache":
        from flask_caching.backends.rediscache import RedisCache

        return RedisCache(host=_redis_client(str(s.CACHE.REDIS_URL)), default_timeout=timeout)
    raise ValueError(f"unknown CACHE.TYPE {kind!r}")


class _Guarded:
    """The backend behind a circuit breaker: an error is logged, counted and answered as a miss."""

    def __init__(self, backend: Any, kind: str) -> None:
        self.backend = backend
        self.kind = kind
        self.errors = 0
        self.scope: str | None = None
        self._down_until = 0.0
        self._outage_logged = False
        self._lock = threading.Lock()

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, op: str, exc: BaseException) -> None:
        from tsi import metrics
        from tsi.secrets import mask_secrets

        metrics.cache_error()
        with self._lock:
            self.errors += 1
            self._down_until = time.monotonic() + RETRY_SECONDS
            first = not self._outage_logged
            self._outage_logged = True
        if first:
            log.warning("cache %s unavailable (%s failed: %s); serving from the database",
                        self.kind, op, mask_secrets(str(exc)))

    def _recovered(self) -> None:
        if self._outage_logged:
            with self._lock:
                self._outage_logged = False
            log.warning("cache %s available again", self.kind)

    def call(self, op: str, *args: Any, **kwargs: Any) -> Any:
        if not self._available():
            return None
        try:
            result = getattr(self.backend, op)(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - a cache outage must never reach a user
            self._failed(op, e)
            return None
        self._recovered()
        return result

    def ping(self) -> bool:
        """A real round trip (breaker ignored): True when the backend answers now."""
        try:
            client = getattr(self.backend, "_write_client", None)
            if client is not None:
                client.ping()
            else:
                self.backend.get(KEY_PREFIX + "ping")
        except Exception as e:  # noqa: BLE001 - health reports, never raises
            self._failed("ping", e)
            return False
        self._recovered()
        return True


def get_cache() -> _Guarded:
    global _cache
    c = _cache
    if c is None:
        with _lock:
            if _cache is None:
                s = get_settings()
                _cache = _Guarded(_build_backend(s), str(s.CACHE.TYPE))
            c = _cache
    return c


def reset() -> None:
    global _cache
    with _lock:
        _cache = None


# ------------------------------------------------------------------------------------------ API


def get(key: str) -> Any:
    return get_cache().call("get", key)


def set(key: str, value: Any, timeout: int | None = None) -> None:  # noqa: A001 (mirrors the cache API)
    get_cache().call("set", key, value, timeout=timeout)


def delete(*keys: str) -> None:
    c = get_cache()
    for k in keys:
        c.call("delete", k)


def shares_objects() -> bool:
    """True when hits return the stored object itself (in-process cache), false when they are unpickled copies."""
    return isinstance(get_cache().backend, ByteBoundedCache)


def health() -> str:
    """``"ok"`` when the cache answers now, ``"down"`` otherwise (``/healthz``)."""
    return "ok" if get_cache().ping() else "down"


def errors_total() -> int:
    """Cache errors of this process since start-up (each one answered as a miss)."""
    c = _cache
    return 0 if c is None else c.errors


# ------------------------------------------------------------------------------------------ keys


def _scope() -> str:
    """What a cached header's analytics state depends on besides the database: the build's ETL version and the
    sentinel in force (hosts of two releases may share one Redis during a rolling upgrade). Once per cache."""
    c = get_cache()
    if c.scope is None:
        from tsi import _core

        sentinel = get_settings().SCHEDULE.UNSCHEDULED_SENTINEL_MJD
        c.scope = f"e{_core.build_info()['etl_version']}:s{sentinel}"
    return c.scope


def header_key(generation: int, schedule_id: int) -> str:
    return f"{KEY_PREFIX}hdr:{_scope()}:g{generation}:{schedule_id}"


def list_key(generation: int) -> str:
    return f"{KEY_PREFIX}schedules:{_scope()}:g{generation}"


def payload_key(flow: str, header: dict, source: str, phash: str, other: dict | None = None) -> str:
    stamp = header.get("analytics_stamp") if source == "etl" else "-"
    key = f"{KEY_PREFIX}{flow}:{header['schedule_id']}:{header['checksum']}:{source}:{stamp}:{phash}"
    if other is not None:
        ostamp = other.get("analytics_stamp") if source == "etl" else "-"
        key += f":{other['schedule_id']}:{other['checksum']}:{ostamp}"
    return key
