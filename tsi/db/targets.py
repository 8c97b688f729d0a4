"""Where the data lives: the database target built from the settings, read back, and shown without secrets.

* SQLite: the file ``DATABASE.SQLITE_PATH`` (:func:`tsi.config.sqlite_path`; relative paths start at the
  project root).
* SQL Server: an ODBC connection string, ``CONNECTION_STRING`` verbatim or built from the keys
  (:func:`mssql_connection_string`). It is a secret: show only :func:`masked_target` (``server:port/database``)
  and messages passed through :func:`mask`.

Connection strings are read by one parser (:func:`parse_connection_string`), following ODBC's rules:
``key=value`` pairs separated by ``;``, keys case-insensitive, a value in braces may hold ``;`` and ``=`` and
a doubled ``}``, and the first occurrence of a key wins. Masking arbitrary text (``PWD=``, URL credentials,
registered secrets) is :mod:`tsi.secrets`' job; this module adds what only the settings know.

Dependencies point one way: this module imports :mod:`tsi.config` and :mod:`tsi.secrets`, neither imports it.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, NamedTuple

from tsi.config import is_freetds, resolve_sqlite_path
from tsi.errors import ConfigError
from tsi.secrets import MASK, mask_secrets

__all__ = [
    "mssql_connection_string",
    "odbc_quote",
    "Pair",
    "pairs",
    "parse_connection_string",
    "with_database",
    "driver_name",
    "masked_target",
    "mask",
]


# --------------------------------------------------------------------------------------------- building


def odbc_quote(value: Any) -> str:
    """An ODBC connection-string value, brace-quoted (``}`` doubled) when it needs it."""
    text = str(value)
    if ";" in text or "}" in text or text.startswith("{") or text != text.strip():
        return "{" + text.replace("}", "}}") + "}"
    return text


def _odbc_braced(value: Any) -> str:
    return "{" + str(value).replace("}", "}}") + "}"


def _yes_no(value: Any) -> str:
    return "yes" if bool(value) else "no"


def mssql_connection_string(settings: Any) -> str:
    """The ODBC connection string for SQL Server (a secret: mask it before showing it anywhere).

    ``CONNECTION_STRING`` verbatim when set; otherwise built from the keys: Microsoft drivers get
    ``DRIVER={..};SERVER=host,port;DATABASE=..;UID=..;PWD=..;Encrypt=..;TrustServerCertificate=..;
    Authentication=..;ConnectTimeout=..`` (ConnectTimeout is the login timeout, SQL_ATTR_LOGIN_TIMEOUT), FreeTDS
    ``DRIVER={FreeTDS};SERVER=..;PORT=..;DATABASE=..;UID=..;PWD=..;TDS_Version=7.4;Encryption=require|request``
    and SQL
    authentication only (:class:`ConfigError` otherwise).
    """
    ms = settings.DATABASE.MSSQL
    verbatim = str(ms.get("CONNECTION_STRING") or "")
    if verbatim.strip():
        return verbatim

    driver = str(ms.get("DRIVER") or "").strip()
    auth = str(ms.get("AUTHENTICATION") or "SqlPassword")
    username = str(ms.get("USERNAME") or "")
    password = ms.get("PASSWORD")
    password = "" if password is None else str(password)
    server = str(ms.get("SERVER") or "").strip()
    database = str(ms.get("DATABASE") or "").strip()
    port = ms.get("PORT", 1433)

    if is_freetds(driver):
        if auth != "SqlPassword":
            raise ConfigError(
                f"DATABASE.MSSQL.AUTHENTICATION '{auth}' needs a Microsoft ODBC driver; "
                "FreeTDS supports SqlPassword only",
                [f"FreeTDS supports SqlPassword only (got {auth!r})"],
            )
        parts = [
            ("DRIVER", _odbc_braced(driver)),
            ("SERVER", odbc_quote(server)),
            ("PORT", str(port)),
            ("DATABASE", odbc_quote(database)),
            ("UID", odbc_quote(username)),
            ("PWD", odbc_quote(password)),
            ("TDS_Version", "7.4"),
            # FreeTDS ignores Microsoft's `Encrypt` keyword (the session would silently stay in clear text):
            # its own is `Encryption` — require, or request (used when the server offers it).
            ("Encryption", "require" if ms.get("ENCRYPT", True) else "request"),
        ]
    else:
        parts = [
            ("DRIVER", _odbc_braced(driver)),
            ("SERVER", odbc_quote(f"{server},{port}")),
            ("DATABASE", odbc_quote(database)),
        ]
        if username:
            parts.append(("UID", odbc_quote(username)))
        if password:
            parts.append(("PWD", odbc_quote(password)))
        parts += [
            ("Encrypt", _yes_no(ms.get("ENCRYPT", True))),
            ("TrustServerCertificate", _yes_no(ms.get("TRUST_SERVER_CERTIFICATE", False))),
            ("Authentication", odbc_quote(auth)),
        ]
        timeout = ms.get("LOGIN_TIMEOUT")
        if timeout:
            parts.append(("ConnectTimeout", str(int(timeout))))
    return ";".join(f"{k}={v}" for k, v in parts)


# --------------------------------------------------------------------------------------------- reading


class Pair(NamedTuple):
    key: str  # lower-case, blanks around it removed
    value: str  # braces removed, `}}` undone, blanks around it removed
    text: str  # `key=value` as written


# key = value ;  — the value brace-quoted (`}` doubled inside, `;` and `=` allowed) or plain up to `;`.
# A segment without `=` is no pair and is skipped.
_PAIR_RE = re.compile(r"\s*([^=;]+?)\s*=\s*(\{(?:[^}]|\}\})*\}|[^;]*)\s*(?:;|$)")


def pairs(cs: str) -> Iterator[Pair]:
    """Every ``key=value`` pair of a connection string, in order (repeated keys included)."""
    for m in _PAIR_RE.finditer(cs):
        raw = m.group(2)
        value = raw[1:-1].replace("}}", "}") if raw.startswith("{") and raw.endswith("}") else raw
        yield Pair(m.group(1).strip().lower(), value.strip(), cs[m.start(1):m.end(2)].rstrip())


def parse_connection_string(cs: str) -> dict[str, str]:
    """``{lower-case key: value}``; a repeated key keeps its first value, as ODBC's SQLDriverConnect does."""
    out: dict[str, str] = {}
    for p in pairs(cs):
        out.setdefault(p.key, p.value)
    return out


def with_database(cs: str, database: str) -> str:
    """The same connection string naming another database (``DATABASE``/``Initial Catalog`` replaced)."""
    kept = [p.text for p in pairs(cs) if p.key not in ("database", "initial catalog")]
    return ";".join(kept + [f"DATABASE={odbc_quote(database)}"])


def driver_name(settings: Any) -> str:
    """The ODBC driver the SQL Server target names (for messages and ``tsi db check``)."""
    ms = settings.DATABASE.MSSQL
    cs = str(ms.get("CONNECTION_STRING") or "")
    if cs.strip():
        return parse_connection_string(cs).get("driver") or "(from CONNECTION_STRING)"
    return str(ms.get("DRIVER") or "")


# --------------------------------------------------------------------------------------------- showing


def masked_target(settings: Any) -> str:
    """Where the data lives, for logs and the Data Source page, never containing a secret.

    SQLite: the absolute database path. SQL Server: ``server:port/database`` (taken from the keys, or from the
    SERVER/Database parts of ``CONNECTION_STRING`` when that is set).
    """
    db = settings.DATABASE
    if str(db.BACKEND).lower() != "mssql":
        return mask_secrets(str(resolve_sqlite_path(settings)))
    ms = db.MSSQL
    cs = str(ms.get("CONNECTION_STRING") or "")
    if cs:
        parts = parse_connection_string(cs)
        server = ""
        for key in ("server", "address", "addr", "data source", "servername"):
            if parts.get(key):
                server = parts[key]
                break
        if server.lower().startswith("tcp:"):
            server = server[4:]
        host, _, port = server.partition(",")
        port = port or parts.get("port", "")
        database = parts.get("database") or parts.get("initial catalog") or ""
        target = f"{host}:{port}/{database}" if port else f"{host}/{database}"
    else:
        target = f"{ms.SERVER}:{ms.PORT}/{ms.DATABASE}"
    return mask_secrets(target)


def _secret_literals(settings: Any) -> list[str]:
    ms = settings.DATABASE.MSSQL
    out = []
    for key in ("CONNECTION_STRING", "PASSWORD"):
        value = ms.get(key)
        if value is not None and len(str(value)) >= 4:
            out.append(str(value))
    return out


def mask(text: Any, settings: Any = None) -> str:
    """Mask secrets in a message: the registered ones, PWD=/Password= values, URL credentials, and the
    configured password and connection string of ``settings`` (even when they were never registered)."""
    text = "" if text is None else str(text)
    if settings is not None:
        try:
            literals = _secret_literals(settings)
        except Exception:
            literals = []
        for secret in sorted(literals, key=len, reverse=True):
            text = text.replace(secret, MASK)
    return mask_secrets(text)
