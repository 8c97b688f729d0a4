"""TSI — Telescope Scheduling Insights.

The public API is `tsi.data` (the facade every page and the CLI use). `tsi._core` is the native module
built from `rust_backend/` by maturin; nothing outside `tsi.data`, `tsi.db` and `tsi.cli` calls it.
"""

__version__ = "0.1.0"
