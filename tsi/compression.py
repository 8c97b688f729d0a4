"""Responses compressed on the wire (brotli, else gzip) with Flask-Compress, the extension Dash itself uses.

A page's callbacks answer with 0.2–0.6 MB of JSON (figure data) and its first visit loads ~6 MB of JavaScript;
compressed, the sky map's callback JSON is about a fifth of its size. Brotli at quality 4 costs ~2 ms per
200 KB of JSON here, about what gzip's default level costs, for a smaller result; gzip serves clients without
brotli. The fixed script bundles (Dash's ``/_dash-component-suites/…``, Bootstrap's CSS, ``/assets/``) are the
same bytes for everyone: each is compressed once per process and kept (a few MB), instead of once per first
visit (Plotly's bundle alone costs ~110 ms). ``SERVER.COMPRESSION = false`` leaves compression to a reverse
proxy in front.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["install", "STATIC_PREFIXES", "StaticOnlyCache"]

STATIC_PREFIXES = ("/_dash-component-suites/", "/vendor/", "/assets/")
_STATIC = "static:"


def _cache_key(request: Any) -> str:
    """The cache key of a response Flask-Compress may keep: only fixed files (others get a key never stored)."""
    path = request.path
    return _STATIC + request.full_path if path.startswith(STATIC_PREFIXES) else ""


class StaticOnlyCache:
    """Flask-Compress's cache backend: keeps compressed fixed files, and nothing else (a per-request answer
    must never be served to another request)."""

    def __init__(self, max_entries: int = 256) -> None:
        self._data: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, key: str) -> bytes | None:
        if _STATIC not in key:
            return None
        with self._lock:
            return self._data.get(key)

    def set(self, key: str, value: bytes) -> None:
        if _STATIC not in key:
            return
        with self._lock:
            if len(self._data) >= self._max:
                self._data.clear()  # a bound, not a policy: there are a few dozen fixed files
            self._data[key] = value


def install(server: Any, settings: Any) -> bool:
    """Compress the server's responses unless ``SERVER.COMPRESSION`` is false; True when installed."""
    if not bool(settings.SERVER.COMPRESSION):
        return False
    from flask_compress import Compress

    server.config.update(
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_ALGORITHM_STREAMING=["br", "gzip"],
        COMPRESS_BR_LEVEL=4,
        COMPRESS_LEVEL=6,
        COMPRESS_MIN_SIZE=1024,
        COMPRESS_CACHE_BACKEND=StaticOnlyCache,
        COMPRESS_CACHE_KEY=_cache_key,
    )
    Compress(server)
    return True
