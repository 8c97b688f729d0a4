"""The dispatcher: reads `DATA_SOURCE` once per process and maps (flow, source) to a native binding.

It never falls back from one path to the other: a failing ETL read raises.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from tsi.config import get_settings

SOURCES = ("legacy", "etl")

log = logging.getLogger("tsi.data")
_lock = threading.Lock()
_source: str | None = None


def data_source() -> str:
    """The configured data source, read and logged once per process."""
    global _source
    if _source is None:
        with _lock:
            if _source is None:
                _source = str(get_settings().DATA_SOURCE).lower()
                log.info("Using data_source=%s", _source)
    return _source


def reset() -> None:
    """Forget the source read at start-up (tests that change settings)."""
    global _source
    with _lock:
        _source = None


def binding(flow: str, source: str) -> Callable:
    from tsi.data.params import flow_names

    if flow not in flow_names():
        raise ValueError(f"unknown flow {flow!r}")
    if source not in SOURCES:
        raise ValueError(f"source must be 'legacy' or 'etl' (got {source!r})")
    # Through the facade's `core()`: this process configures the native module on first use, whatever the
    # (maybe shared) cache already held for the header (operations.md §3).
    from tsi.data import core

    return getattr(core(), f"{flow}_{source}")
