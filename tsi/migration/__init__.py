"""The move from the legacy path to the analytics (ETL) path, watched while it happens (operations.md §4).

The phases, from the settings a deployment runs with:

========== ==================================================================================================
off        ``DATA_SOURCE = legacy``, ``MIGRATION.SHADOW_RATE = 0``: legacy serves, ETL idle (phase 1)
shadow     ``DATA_SOURCE = legacy``, ``SHADOW_RATE > 0``: legacy serves, ETL computed beside it and compared
live       ``DATA_SOURCE = etl`` with ``ETL_FALLBACK = legacy`` or ``SHADOW_RATE > 0``: ETL serves, legacy is
           the fallback and is compared beside it
complete   ``DATA_SOURCE = etl``, ``ETL_FALLBACK = error``, ``SHADOW_RATE = 0``: ETL only
========== ==================================================================================================

:mod:`tsi.migration.shadow` compares a sample of served requests with the other path off the request thread;
:mod:`tsi.migration.readiness` gathers the evidence (analytics, the last full parity run, shadow results, per-path
latency and fallbacks) and says whether it allows the next phase.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PHASES", "phase", "next_phase"]

PHASES = ("off", "shadow", "live", "complete")


def phase(settings: Any = None) -> str:
    """The phase these settings put the deployment in (the loaded settings by default)."""
    from tsi.config import get_settings

    s = settings if settings is not None else get_settings()
    etl = str(s.DATA_SOURCE).lower() == "etl"
    shadowing = float(s.MIGRATION.SHADOW_RATE) > 0
    if not etl:
        return "shadow" if shadowing else "off"
    fallback = str(s.MIGRATION.ETL_FALLBACK).lower() == "legacy"
    return "live" if (fallback or shadowing) else "complete"


def next_phase(current: str) -> str | None:
    """The phase after ``current`` (None after ``complete``)."""
    i = PHASES.index(current)
    return PHASES[i + 1] if i + 1 < len(PHASES) else None
