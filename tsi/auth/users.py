"""Users of ``AUTH.MODE = "basic"`` (``app_users``) and their passwords, hashed with argon2id (argon2-cffi).

A password is never stored, logged or taken as a command-line value: ``tsi user`` reads it from the terminal
or, with ``--password-stdin``, from standard input. Every change is audited.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tsi.auth import ROLES
from tsi.auth import audit

__all__ = ["add", "list_users", "set_password", "disable", "verify", "MIN_PASSWORD", "NAME_MAX"]

MIN_PASSWORD = 8
NAME_MAX = 256
_hasher = PasswordHasher()  # argon2id, the library's current recommended parameters

# Verified (name, password) → the stored hash it matched. A browser sends the password with every request;
# argon2 costs tens of milliseconds by design, so a request whose credentials matched this very hash before is
# accepted without hashing again. A changed password (new hash) or a disabled user is checked on every request.
_verified: dict[str, str] = {}
_verified_lock = threading.Lock()
_VERIFIED_MAX = 4096


def _core():
    from tsi.data import core

    return core()


def _check_name(name: str) -> str:
    name = str(name).strip()
    if not name or len(name) > NAME_MAX or any(c in name for c in ":\r\n\t") or not name.isprintable():
        raise ValueError(f"a user name is 1 to {NAME_MAX} printable characters without ':' (got {name!r})")
    return name


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password has at least {MIN_PASSWORD} characters")
    return password


def add(name: str, role: str, password: str) -> dict[str, Any]:
    name = _check_name(name)
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)} (got {role!r})")
    _core().user_add(name, _hasher.hash(_check_password(password)), role)
    audit.record("user added", detail={"user": name, "role": role})
    return {"name": name, "role": role, "disabled": False}


def list_users() -> list[dict[str, Any]]:
    return [{k: u[k] for k in ("name", "role", "disabled", "created_at")} for u in _core().user_list()]


def set_password(name: str, password: str) -> None:
    name = _check_name(name)
    if not _core().user_update(name, _hasher.hash(_check_password(password)), None):
        raise LookupError(f"no user '{name}'")
    audit.record("user password changed", detail={"user": name})


def disable(name: str) -> None:
    name = _check_name(name)
    if not _core().user_update(name, None, True):
        raise LookupError(f"no user '{name}'")
    audit.record("user disabled", detail={"user": name})


def verify(name: str, password: str) -> tuple[dict[str, Any] | None, str | None]:
    """(the user's row, None) when the name and password match an enabled user; else (None, why)."""
    row = _core().user_get(name) if name and len(name) <= NAME_MAX else None
    if row is None:
        _hasher.hash(password or "x")  # take as long as a real check: no timing hint that a name exists
        return None, "unknown user"
    stored = row.get("password_hash")
    if row["disabled"]:
        return None, "user disabled"
    if not stored:
        return None, "no password set"
    key = hashlib.sha256(f"{name}\0{password}".encode()).hexdigest()
    with _verified_lock:
        if _verified.get(key) == stored:
            return row, None
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None, "wrong password"
    with _verified_lock:
        if len(_verified) >= _VERIFIED_MAX:
            _verified.clear()
        _verified[key] = stored
    return row, None
