"""The audit log (operations.md §2): who uploaded (duplicates too), deleted, recomputed, ran
parity, changed users or was refused — when, and from which address. Stored in ``audit_log`` by the core.

Writing an entry never fails the action it records: a database that cannot take the entry is logged at ERROR
(the action itself already succeeded or failed on its own).
"""

from __future__ import annotations

import json
import logging
from typing import Any

log = logging.getLogger("tsi.audit")

__all__ = ["record", "entries"]


def record(action: str, *, schedule_id: int | None = None, detail: dict[str, Any] | None = None,
           user: Any = None) -> None:
    """Append one entry for the current user (or ``user``: a name, or a :class:`tsi.auth.User`)."""
    from tsi import auth
    from tsi.data import core
    from tsi.secrets import mask_secrets

    who = user if user is not None else auth.current_user()
    name = getattr(who, "name", who)
    role = getattr(who, "role", None)
    text = None if detail is None else mask_secrets(json.dumps(detail, default=str, sort_keys=True))
    try:
        core().audit_append(action, None if name is None else str(name)[:256], role,
                            None if schedule_id is None else int(schedule_id), text, auth.client_address())
    except Exception as e:  # noqa: BLE001 - the audit never takes the action down with it
        log.error("could not write the audit entry %r for %s: %s", action, name, mask_secrets(str(e)))


def entries(since: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """Entries newest first, at or after ``since`` (ISO-8601 UTC, e.g. ``2026-12-01`` or
    ``2026-12-01T08:00:00Z``); ``detail`` decoded."""
    from tsi.data import core
    from tsi.timeparse import parse_time_to_unix

    bound = None
    if since:
        import datetime as dt

        unix = parse_time_to_unix(since)
        bound = dt.datetime.fromtimestamp(unix, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    rows = core().audit_list(bound, int(limit))
    for r in rows:
        text = r.pop("detail_json")
        r["detail"] = json.loads(text) if text else None
    return rows
