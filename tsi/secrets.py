"""Secret masking for logs, errors, ``tsi db check`` and the Data Source page (architecture.md §6).

``mask_secrets`` replaces with ``***``:

* values of ``PWD=`` / ``Password=`` (any case, brace-quoted values such as ``{a;b}}c}`` included) and of
  ``"password": "..."`` in dict/JSON reprs;
* the password of URL credentials (``redis://user:pass@host`` -> ``redis://user:***@host``);
* the configured secrets literally (``DATABASE.MSSQL.PASSWORD``, ``DATABASE.MSSQL.CONNECTION_STRING``,
  ``CACHE.REDIS_URL``), registered by :func:`tsi.config.load_settings` through :func:`register_secrets`.
  Values shorter than 4 characters are not replaced literally (they would garble every log line and are no
  real secret); the pattern rules above still apply to them.

Masking what only the settings know (the configured connection string and password, the target shown as
``server:port/database``) is :mod:`tsi.db.targets`' job. This module imports nothing of tsi.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Iterable

__all__ = ["MASK", "mask_secrets", "register_secrets", "clear_registered_secrets"]

MASK = "***"
_MIN_LITERAL_LENGTH = 4

_KV_RE = re.compile(
    r"""(?ix)
    \b(pwd|password)            # keyword
    (\s*=\s*)                   # separator
    (\{(?:[^}]|\}\})*\}         # brace-quoted value, '}' doubled inside
     |[^;\s'"]*)                # or a plain value up to ';', blank or quote
    """
)
_MAPPING_RE = re.compile(
    r"""(?ix)
    (["']?\b(?:pwd|password|passwd)["']?\s*:\s*)   # "password": or password:
    (["'])(?:\\.|(?!\2).)*\2                       # quoted value
    """
)
_URL_RE = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)([^:/?#@\s]*):([^@/?#\s]+)@")

_lock = threading.Lock()
_literals: frozenset[str] = frozenset()


def register_secrets(values: Iterable[Any]) -> None:
    """Add configured secret values that are masked literally from now on (empty/short values ignored)."""
    global _literals
    new = {str(v) for v in values if v is not None and len(str(v)) >= _MIN_LITERAL_LENGTH}
    if new:
        with _lock:
            _literals = _literals | new


def clear_registered_secrets() -> None:
    """Forget the registered literal secrets (tests)."""
    global _literals
    with _lock:
        _literals = frozenset()


def mask_secrets(text: Any) -> str:
    """Return ``text`` (converted to ``str``) with every secret replaced by ``***``."""
    text = "" if text is None else str(text)
    if not text:
        return text
    # Longest first, so that a connection string is masked as a whole before its password is.
    for secret in sorted(_literals, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    text = _KV_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _MAPPING_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}{m.group(2)}", text)
    text = _URL_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}:{MASK}@", text)
    return text
