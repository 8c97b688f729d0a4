"""Server-side payload cache (architecture.md §4): flask-caching backends, keys carrying a format version.

Keys: `tsi:v1:<flow>:<schedule_id>:<checksum>:<source>:<stamp>:<params hash>` for payloads, `tsi:v1:hdr:<id>`
for schedule headers (30 s) and `tsi:v1:schedules` for the list (30 s). A changed schedule gets a new checksum
or analytics stamp, so its old payload entries are never read again and simply expire.
"""

from __future__ import annotations

import threading
from typing import Any

from tsi.config import get_settings

KEY_PREFIX = "tsi:v1:"
HEADER_TIMEOUT = 30
LIST_KEY = KEY_PREFIX + "schedules"

_lock = threading.Lock()
_cache = None


class _Identity:
    """A serializer that keeps the object itself: payloads are read-only, so one process may share them."""

    def dumps(self, value: Any) -> Any:
        return value

    def loads(self, value: Any) -> Any:
        return value


def _build():
    s = get_settings()
    kind = str(s.CACHE.TYPE)
    timeout = int(s.CACHE.DEFAULT_TIMEOUT)
    if kind == "SimpleCache":
        from flask_caching.backends.simplecache import SimpleCache

        class InProcessCache(SimpleCache):
            # SimpleCache pickles every value; within one process that only costs time (a cached 25,000-block
            # payload would take milliseconds to unpickle), so the stored object is returned as it is.
            serializer = _Identity()

        return InProcessCache(threshold=2000, default_timeout=timeout)
    if kind == "FileSystemCache":
        from flask_caching.backends.filesystemcache import FileSystemCache

        from tsi.config import project_root

        d = project_root() / str(s.CACHE.DIR)
        d.mkdir(parents=True, exist_ok=True)
        return FileSystemCache(str(d), threshold=5000, default_timeout=timeout)
    if kind == "RedisCache":
        import redis  # noqa: F401  (required by the backend)
        from flask_caching.backends.rediscache import RedisCache

        return RedisCache(host=str(s.CACHE.REDIS_URL), default_timeout=timeout)
    raise ValueError(f"unknown CACHE.TYPE {kind!r}")


def get_cache():
    global _cache
    if _cache is None:
        with _lock:
            if _cache is None:
                _cache = _build()
    return _cache


def reset() -> None:
    global _cache
    with _lock:
        _cache = None


def header_key(schedule_id: int) -> str:
    return f"{KEY_PREFIX}hdr:{schedule_id}"


def payload_key(flow: str, header: dict, source: str, phash: str, other: dict | None = None) -> str:
    stamp = header.get("analytics_stamp") if source == "etl" else "-"
    key = f"{KEY_PREFIX}{flow}:{header['schedule_id']}:{header['checksum']}:{source}:{stamp}:{phash}"
    if other is not None:
        ostamp = other.get("analytics_stamp") if source == "etl" else "-"
        key += f":{other['schedule_id']}:{other['checksum']}:{ostamp}"
    return key


def shares_objects() -> bool:
    """True when hits return the stored object itself (in-process cache), false when they are unpickled copies."""
    return isinstance(getattr(get_cache(), "serializer", None), _Identity)


def get(key: str) -> Any:
    return get_cache().get(key)


def set(key: str, value: Any, timeout: int | None = None) -> None:  # noqa: A001 (mirrors the cache API)
    get_cache().set(key, value, timeout=timeout)


def delete(*keys: str) -> None:
    c = get_cache()
    for k in keys:
        c.delete(k)
