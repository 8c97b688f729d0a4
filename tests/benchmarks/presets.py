"""What `tsi bench` generates and measures, and the budgets it checks (architecture.md §8)."""

from __future__ import annotations

PRESETS = {
    # ~100 windows per block over a year, ~300 dark periods: the size of a real season.
    "real": {"n_blocks": 2647, "days": 365.0, "seed": 2647},
    "large": {"n_blocks": 25000, "days": 30.0, "seed": 25000},
    # Ten times the real season's blocks over the same year: ~0.9 GB of visibility JSON. Ingested by `tsi ingest`
    # in its own process (its peak memory is measured) with the per-file limit raised.
    "xl": {"n_blocks": 26470, "days": 365.0, "seed": 26470, "ingest_process": True},
    # Many small schedules: the list, Home and the selector (catalogue.py).
    "catalogue": {"schedules": 1000, "n_blocks": 300, "days": 5.0},
    # For the smoke test only.
    "tiny": {"n_blocks": 120, "days": 5.0, "seed": 3},
}

FLOWS = ["sky_map", "distributions", "visibility_map", "timeline", "insights", "trends", "compare", "validation"]

# Budgets in milliseconds, per preset (architecture.md §8).
BUDGETS = {
    "ingest": {"real": 3000.0, "large": 20000.0, "xl": 30000.0},
    "etl": {"real": 15.0, "large": 60.0, "xl": 150.0},
    "legacy": {"real": 100.0},
    "cached": {"real": 1.0, "large": 1.0, "tiny": 1.0},
    "trends_model": {"real": 150.0},
    "page": {"real": 500.0, "large": 1000.0, "xl": 2000.0},  # page drawn, median of the visits, ETL
    "peak_memory_mb": {"xl": 4096.0},                  # the ingest process; one worker serving every page
    "catalogue": {"api_list_ms": 50.0, "home_ms": 1000.0, "selector_ms": 1000.0},
    "page_server": {"real": 50.0},                     # a page's callbacks, server time, ETL
    "page_bytes": {"real": {"/sky-map": 150_000}},     # transferred for one full visit, ETL
    "load_p95": {"cold": {"real": 400.0}, "warm": {"real": 150.0}},  # 32 users pausing ~1 s
    "scan_ratio": 2.0,      # ETL flow ≤ 2 × the raw scan of its columns
    "peer_ratio": 0.1,      # ours ≤ 0.1 × the pandas notebook
}
