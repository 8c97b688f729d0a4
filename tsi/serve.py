"""`tsi run`: gunicorn on `app:server`, or the Dash development server with --dev."""

from __future__ import annotations

import os
import sys

from tsi.config import get_settings, project_root


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
    args = ["gunicorn", "app:server", "--bind", f"{host}:{port}",
            "--workers", str(workers or int(s.SERVER.WORKERS)), "--threads", str(int(s.SERVER.THREADS)),
            "--timeout", str(int(s.SERVER.TIMEOUT)), "--chdir", str(project_root())]
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    os.execv(gunicorn, args)
    return 0  # not reached


def _refuse_anonymous_network(settings, host: str) -> None:
    """AUTH.MODE "none" gives every visitor every role: only on loopback, unless explicitly allowed."""
    from tsi.auth import is_loopback
    from tsi.errors import ConfigError

    auth = settings.AUTH
    if str(auth.MODE) == "none" and not is_loopback(host) and not bool(auth.ALLOW_ANONYMOUS_NETWORK):
        message = (f"AUTH.MODE 'none' gives every visitor every role, so it serves only loopback addresses, not "
                   f"{host}. Choose AUTH.MODE basic, oidc or proxy, or set AUTH.ALLOW_ANONYMOUS_NETWORK = true.")
        raise ConfigError(message, [message])
