"""gunicorn's settings for `tsi run` (``--config python:tsi.gunicorn_conf``): server hooks only; the options are
given on gunicorn's command line by :func:`tsi.serve.serve` (which, with ``GUNICORN_CMD_ARGS``, still win).

The hooks keep prometheus_client's multi-process directory (``PROMETHEUS_MULTIPROC_DIR``, see
:mod:`tsi.metrics`) right: a worker that exits is marked dead (its live gauges leave the sums; its counters
stay, as counts of the past should), and the directory that `tsi run` made for this run goes when gunicorn
exits. This module imports nothing heavy: it runs in gunicorn's master, which never imports the app.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
OWNER_MARK = ".tsi-run"  # in a directory that `tsi run` made for one run (removed at exit)


def child_exit(server, worker) -> None:
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    given = os.environ.get(MULTIPROC_ENV)
    if given and (Path(given) / OWNER_MARK).is_file():
        shutil.rmtree(given, ignore_errors=True)
