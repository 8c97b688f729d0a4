"""`tsi run`: gunicorn on `app:server` (settings in :mod:`tsi.gunicorn_conf`, the workers' metrics summed in a
fresh ``PROMETHEUS_MULTIPROC_DIR``), or the Dash development server with --dev (one process)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from tsi.config import get_settings, project_root
from tsi.gunicorn_conf import MULTIPROC_ENV, OWNER_MARK


def serve(dev: bool = False, host: str | None = None, port: int | None = None, workers: int | None = None) -> int:
    s = get_settings()
    host = host or str(s.SERVER.HOST)
    port = int(port or s.SERVER.PORT)
    _refuse_anonymous_network(s, host)
    # Refuse to start with pending SQL Server migrations or an unusable database (fails fast, with the reason,
    # before any worker forks).
    from tsi import data
    from tsi.db.migrate import require_current

    require_current(s)

    data.list_schedules(use_cache=False)
    os.chdir(project_root())
    if dev:
        sys.path.insert(0, str(project_root()))
        from app import app

        # Dash's dev tools ask an outside host for its newest version: the app promises nothing leaves the
        # machine, so the check stays off.
        app.run(host=host, port=port, debug=True, dev_tools_disable_version_check=True)
        return 0
    args = ["gunicorn", "app:server", "--config", GUNICORN_CONFIG, "--bind", f"{host}:{port}",
            "--workers", str(workers or int(s.SERVER.WORKERS)), "--threads", str(int(s.SERVER.THREADS)),
            "--timeout", str(int(s.SERVER.TIMEOUT)), "--chdir", str(project_root())]
    # gunicorn and its workers get the variable in their environment, so it is set before any of them imports
    # prometheus_client (tsi.metrics); this process's own environment is left as it was.
    env = {**os.environ, MULTIPROC_ENV: str(metrics_dir())}
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    os.execve(gunicorn, args, env)
    return 0  # not reached


GUNICORN_CONFIG = "python:tsi.gunicorn_conf"


def metrics_dir() -> Path:
    """The directory where the workers' metrics are summed (prometheus_client's multi-process mode), empty.

    ``PROMETHEUS_MULTIPROC_DIR`` when the operator sets it (created if needed; its ``*.db`` files from an
    earlier run are removed, as the library asks); otherwise a new directory under the system's temporary
    directory, one per run, removed when gunicorn exits.
    """
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink(missing_ok=True)
        return path
    path = Path(tempfile.mkdtemp(prefix=f"tsi-metrics-{os.getpid()}-"))
    (path / OWNER_MARK).write_text(f"tsi run, pid {os.getpid()}\n")
    return path


def _refuse_anonymous_network(settings, host: str) -> None:
    """AUTH.MODE "none" gives every visitor every role: only on loopback, unless explicitly allowed."""
    from tsi.auth import is_loopback
    from tsi.errors import ConfigError

    auth = settings.AUTH
    if str(auth.MODE) == "none" and not is_loopback(host) and not bool(auth.ALLOW_ANONYMOUS_NETWORK):
        message = (f"AUTH.MODE 'none' gives every visitor every role, so it serves only loopback addresses, not "
                   f"{host}. Choose AUTH.MODE basic, oidc or proxy, or set AUTH.ALLOW_ANONYMOUS_NETWORK = true.")
        raise ConfigError(message, [message])
