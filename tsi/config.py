"""Settings of TSI (architecture.md §6): one dynaconf object, validated at load.

* Files ``config/settings.toml`` and optional ``config/.secrets.toml`` (project root = parent of the ``tsi``
  package); environments ``[default]`` ``[development]`` ``[production]`` ``[testing]`` chosen by ``TSI_ENV``
  (default ``development``); environment variables ``TSI_<KEY>`` with ``__`` for nesting
  (``TSI_DATABASE__MSSQL__PASSWORD``). Environments and variables override single nested keys
  (``merge_enabled``), never whole tables.
* Environment values are parsed as TOML by dynaconf, so ``TSI_DATABASE__MSSQL__PASSWORD=123456`` arrives as an
  integer. Write ``'@str 123456'`` to be explicit; otherwise the validator turns the value back into text
  (from the raw environment variable when there is one, so ``1_000`` or ``1.50`` keep their spelling).
* ``SCHEDULE.UNSCHEDULED_SENTINEL_MJD`` is a float, or disabled with ``"@none"`` / ``"none"`` / ``"null"``
  / ``""`` (TOML has no null), e.g. ``TSI_SCHEDULE__UNSCHEDULED_SENTINEL_MJD=none``.
* All problems are collected and raised together as one :class:`~tsi.errors.ConfigError`. Validation also
  normalises values in place: ``DATA_SOURCE``, ``DATABASE.BACKEND`` and ``UI.DEFAULT_PROJECTION`` lower-case,
  ``LOG_LEVEL`` upper-case, ``CACHE.TYPE`` and ``DATABASE.MSSQL.AUTHENTICATION`` in their canonical spelling,
  integral strings to ``int``, text keys to ``str``, the sentinel to ``float`` or ``None``.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Any, Callable, Iterable

from dynaconf import Dynaconf

from tsi.errors import ConfigError
from tsi.secrets import clear_registered_secrets, mask_secrets, register_secrets

__all__ = [
    "PROJECT_ROOT",
    "project_root",
    "CONFIG_DIR",
    "DEFAULT_SETTINGS_FILES",
    "ENVIRONMENTS",
    "load_settings",
    "get_settings",
    "reset_settings",
    "environment_name",
    "sqlite_path",
    "resolve_sqlite_path",
    "is_freetds",
]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "config"
DEFAULT_SETTINGS_FILES: tuple[Path, ...] = (CONFIG_DIR / "settings.toml", CONFIG_DIR / ".secrets.toml")
ENVIRONMENTS = ("development", "testing", "production")
ENVVAR_PREFIX = "TSI"
ENV_SWITCHER = "TSI_ENV"
DEFAULT_ENV = "development"

DATA_SOURCES = ("legacy", "etl")
ETL_FALLBACKS = ("error", "legacy")  # MIGRATION.ETL_FALLBACK (operations.md §4)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
BACKENDS = ("sqlite", "mssql")
AUTHENTICATIONS = (
    "SqlPassword",
    "ActiveDirectoryPassword",
    "ActiveDirectoryServicePrincipal",
    "ActiveDirectoryMsi",
)
AUTH_NEEDS_CREDENTIALS = ("SqlPassword", "ActiveDirectoryPassword")
CACHE_TYPES = ("SimpleCache", "FileSystemCache", "RedisCache")
PROJECTIONS = ("cartesian", "mollweide", "aitoff", "hammer")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
AUTH_MODES = ("none", "basic", "oidc", "proxy")
ROLES = ("viewer", "editor", "admin")

_MISSING = object()


def project_root() -> Path:
    """The checkout the app runs from (parent of the ``tsi`` package); relative paths in settings start here."""
    return PROJECT_ROOT


# --------------------------------------------------------------------------------------------- loading


def load_settings(
    env: str | None = None,
    *,
    settings_files: Iterable[str | os.PathLike[str]] | None = None,
    **overrides: Any,
) -> Dynaconf:
    """Build and validate a settings object.

    ``env`` selects the environment (default: ``TSI_ENV``, else ``development``). ``settings_files`` replaces
    the default ``config/settings.toml`` + ``config/.secrets.toml`` (tests). ``overrides`` are applied last,
    one key at a time; nested keys use ``__`` (``DATABASE__SQLITE_PATH="/tmp/x.sqlite3"``) and are merged.
    Raises :class:`ConfigError` listing every problem.
    """
    files = [str(Path(p)) for p in (settings_files if settings_files is not None else DEFAULT_SETTINGS_FILES)]
    settings = Dynaconf(
        settings_files=files,
        environments=True,
        env_switcher=ENV_SWITCHER,
        env=DEFAULT_ENV,
        envvar_prefix=ENVVAR_PREFIX,
        merge_enabled=True,
        root_path=str(PROJECT_ROOT),
    )
    if env is not None:
        settings.setenv(str(env).strip())
    # TSI_ENV itself also becomes a key "ENV" through the TSI_ prefix; keep it equal to the active environment.
    settings.set("ENV", environment_name(settings))
    for key, value in overrides.items():
        settings.set(key, value)

    problems = _validate(settings, overridden={k.upper().replace(".", "__") for k in overrides})
    _register_configured_secrets(settings)
    if problems:
        problems = [mask_secrets(p) for p in problems]
        raise ConfigError(
            f"Invalid settings (environment '{environment_name(settings)}'): " + "; ".join(problems),
            problems,
        )
    return settings


_cached: Dynaconf | None = None
_cache_lock = threading.Lock()


def get_settings() -> Dynaconf:
    """The process-wide settings, loaded and validated on first use."""
    global _cached
    settings = _cached
    if settings is None:
        with _cache_lock:
            if _cached is None:
                _cached = load_settings()
            settings = _cached
    return settings


def reset_settings() -> None:
    """Forget the cached settings (and the secrets registered for masking); the next access reloads."""
    global _cached
    with _cache_lock:
        _cached = None
    clear_registered_secrets()


def environment_name(settings: Any) -> str:
    """The active environment in lower case (``development``, ``testing``, ``production``)."""
    return str(getattr(settings, "current_env", DEFAULT_ENV) or DEFAULT_ENV).lower()


def _register_configured_secrets(settings: Any) -> None:
    register_secrets(
        settings.get(path)
        for path in ("DATABASE.MSSQL.PASSWORD", "DATABASE.MSSQL.CONNECTION_STRING", "CACHE.REDIS_URL",
                     "AUTH.SECRET_KEY", "AUTH.OIDC.CLIENT_SECRET")
    )


# --------------------------------------------------------------------------------------------- validation


class _Checker:
    """Reads, checks, normalises (writes back) and collects problems."""

    def __init__(self, settings: Any, overridden: set[str]) -> None:
        self.settings = settings
        self.overridden = overridden
        self.problems: list[str] = []

    def get(self, path: str) -> Any:
        return self.settings.get(path, _MISSING)

    def put(self, path: str, old: Any, new: Any) -> None:
        if new is not old and (type(new) is not type(old) or new != old):
            self.settings.set(path, new)

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def present(self, path: str) -> Any:
        value = self.get(path)
        if value is _MISSING:
            self.problem(f"{path} is missing")
        return value

    def choice(self, path: str, allowed: tuple[str, ...], fold: Callable[[str], str]) -> str | None:
        value = self.present(path)
        if value is _MISSING:
            return None
        canonical = {fold(a): a for a in allowed}
        if isinstance(value, str) and fold(value.strip()) in canonical:
            result = canonical[fold(value.strip())]
            self.put(path, value, result)
            return result
        self.problem(f"{path} must be {_or_list(allowed)} (got {value!r})")
        return None

    def integer(self, path: str, lo: int | None = None, hi: int | None = None) -> int | None:
        value = self.present(path)
        if value is _MISSING:
            return None
        result: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            result = value
        elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
            result = int(value)
        if result is None or (lo is not None and result < lo) or (hi is not None and result > hi):
            if lo is not None and hi is not None:
                rule = f"an integer from {lo} to {hi}"
            elif lo is not None:
                rule = f"an integer >= {lo}"
            else:
                rule = "an integer"
            self.problem(f"{path} must be {rule} (got {value!r})")
            return None
        self.put(path, value, result)
        return result

    def number(self, path: str, lo: float, hi: float) -> float | None:
        """A finite number in [lo, hi] (an int, a float or its text)."""
        value = self.present(path)
        if value is _MISSING:
            return None
        result: float | None = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            result = float(value)
        elif isinstance(value, str):
            try:
                result = float(value.strip())
            except ValueError:
                result = None
        if result is None or not (lo <= result <= hi):  # NaN fails both comparisons
            self.problem(f"{path} must be a number from {lo:g} to {hi:g} (got {value!r})")
            return None
        self.put(path, value, result)
        return result

    def boolean(self, path: str) -> bool | None:
        value = self.present(path)
        if value is _MISSING:
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
            result = value.strip().lower() in ("true", "yes", "on", "1")
            self.put(path, value, result)
            return result
        self.problem(f"{path} must be true or false (got {value!r})")
        return None

    def text(self, path: str, *, secret: bool = False, required: bool = False) -> str | None:
        value = self.present(path)
        if value is _MISSING:
            return None
        result: str | None
        if isinstance(value, str):
            result = value
        elif value is None:
            result = ""
        else:
            # dynaconf parsed an environment value as TOML (e.g. a digits-only password became an int):
            # take the raw text of the variable when it is the source, else str() of an integer.
            envvar = f"{ENVVAR_PREFIX}_" + path.replace(".", "__")
            raw = os.environ.get(envvar)
            if raw is not None and path.replace(".", "__") not in self.overridden and not raw.startswith("@"):
                result = raw
            elif isinstance(value, int) and not isinstance(value, bool):
                result = str(value)
            else:
                shown = "" if secret else f" (got {value!r})"
                self.problem(
                    f"{path} must be text{shown}; quote it in TOML or prefix the environment value "
                    f"with '@str '"
                )
                return None
        self.put(path, value, result)
        if required and not result.strip():
            self.problem(f"{path} must not be empty")
        return result


def _or_list(items: tuple[str, ...]) -> str:
    quoted = [f"'{i}'" for i in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def is_freetds(driver: str) -> bool:
    """Whether an ODBC driver name (or library path) designates FreeTDS."""
    d = str(driver).lower()
    return "freetds" in d or "libtdsodbc" in d


def _validate(settings: Any, overridden: set[str]) -> list[str]:
    c = _Checker(settings, overridden)

    env = environment_name(settings)
    if env not in ENVIRONMENTS:
        c.problem(f"{ENV_SWITCHER} must be {_or_list(ENVIRONMENTS)} (got {env!r})")

    c.choice("DATA_SOURCE", DATA_SOURCES, str.lower)
    c.choice("LOG_LEVEL", LOG_LEVELS, str.upper)
    c.choice("MIGRATION.ETL_FALLBACK", ETL_FALLBACKS, str.lower)
    c.number("MIGRATION.SHADOW_RATE", 0.0, 1.0)
    c.integer("MIGRATION.SHADOW_QUEUE", 1, 100_000)
    c.integer("MIGRATION.MIN_SHADOW", 0)
    c.integer("MIGRATION.WINDOW_DAYS", 1, 3650)
    c.text("MIGRATION.METRICS_URL")

    # DATABASE
    backend = c.choice("DATABASE.BACKEND", BACKENDS, str.lower)
    c.text("DATABASE.SQLITE_PATH", required=backend == "sqlite")
    c.integer("DATABASE.POOL_SIZE", 1, 64)
    server = c.text("DATABASE.MSSQL.SERVER")
    database = c.text("DATABASE.MSSQL.DATABASE")
    c.integer("DATABASE.MSSQL.PORT", 1, 65535)
    username = c.text("DATABASE.MSSQL.USERNAME")
    password = c.text("DATABASE.MSSQL.PASSWORD", secret=True)
    driver = c.text("DATABASE.MSSQL.DRIVER")
    c.boolean("DATABASE.MSSQL.ENCRYPT")
    c.boolean("DATABASE.MSSQL.TRUST_SERVER_CERTIFICATE")
    auth = c.choice("DATABASE.MSSQL.AUTHENTICATION", AUTHENTICATIONS, str.lower)
    c.integer("DATABASE.MSSQL.LOGIN_TIMEOUT", 0)
    connection_string = c.text("DATABASE.MSSQL.CONNECTION_STRING", secret=True)
    if backend == "mssql" and not (connection_string or "").strip():
        if not (server or "").strip():
            c.problem("DATABASE.MSSQL.SERVER is required for BACKEND 'mssql' (or set CONNECTION_STRING)")
        if not (database or "").strip():
            c.problem("DATABASE.MSSQL.DATABASE is required for BACKEND 'mssql' (or set CONNECTION_STRING)")
        if driver is not None and not driver.strip():
            c.problem("DATABASE.MSSQL.DRIVER must not be empty for BACKEND 'mssql'")
        if auth in AUTH_NEEDS_CREDENTIALS:
            if username is not None and not username.strip():
                c.problem(f"DATABASE.MSSQL.USERNAME is required for AUTHENTICATION '{auth}'")
            if password is not None and not password:
                c.problem(f"DATABASE.MSSQL.PASSWORD is required for AUTHENTICATION '{auth}'")
        if auth is not None and auth != "SqlPassword" and driver and is_freetds(driver):
            c.problem(
                f"DATABASE.MSSQL.AUTHENTICATION '{auth}' needs a Microsoft ODBC driver; "
                "FreeTDS supports SqlPassword only"
            )

    # CACHE
    cache_type = c.choice("CACHE.TYPE", CACHE_TYPES, str.lower)
    c.integer("CACHE.DEFAULT_TIMEOUT", 0)
    c.integer("CACHE.MAX_BYTES", 1 << 20)
    c.text("CACHE.DIR", required=cache_type == "FileSystemCache")
    redis_url = c.text("CACHE.REDIS_URL", secret=True)
    if cache_type == "RedisCache" and redis_url is not None:
        if not redis_url.strip():
            c.problem("CACHE.REDIS_URL is required for CACHE.TYPE 'RedisCache'")
        elif not redis_url.strip().lower().startswith(REDIS_SCHEMES):
            c.problem("CACHE.REDIS_URL must start with redis://, rediss:// or unix://")

    # UPLOAD, SCHEDULE
    c.integer("UPLOAD.MAX_BYTES", 1024)
    _sentinel(c, "SCHEDULE.UNSCHEDULED_SENTINEL_MJD")

    # UI
    c.text("UI.TITLE")
    c.choice("UI.DEFAULT_PROJECTION", PROJECTIONS, str.lower)
    c.boolean("UI.RA_LEFT")
    c.integer("UI.PLOT_HEIGHT", 200, 2000)
    c.integer("UI.TOP_N", 1, 100)
    c.integer("UI.MAX_TABLE_ROWS", 100)

    _validate_auth(c)

    # METRICS
    c.boolean("METRICS.ENABLED")
    c.boolean("METRICS.ALLOW_LOOPBACK")
    _cidrs(c, "METRICS.ALLOW", "the scrapers' networks")

    # SERVER
    c.text("SERVER.HOST", required=True)
    c.integer("SERVER.PORT", 1, 65535)
    c.integer("SERVER.WORKERS", 1)
    c.integer("SERVER.THREADS", 1)
    c.integer("SERVER.TIMEOUT", 0)
    c.boolean("SERVER.COMPRESSION")
    return c.problems


def _validate_auth(c: _Checker) -> None:
    mode_value = c.get("AUTH.MODE")
    if mode_value is _MISSING or (isinstance(mode_value, str) and not mode_value.strip()):
        c.problem(f"AUTH.MODE must be chosen: {_or_list(AUTH_MODES)} (operations.md §2; e.g. TSI_AUTH__MODE=basic)")
        mode = None
    else:
        mode = c.choice("AUTH.MODE", AUTH_MODES, str.lower)
    c.boolean("AUTH.ALLOW_ANONYMOUS_NETWORK")
    secret_key = c.text("AUTH.SECRET_KEY", secret=True)
    c.boolean("AUTH.COOKIE_SECURE")
    c.integer("AUTH.SESSION_HOURS", 1, 720)
    issuer = c.text("AUTH.OIDC.ISSUER_URL")
    client_id = c.text("AUTH.OIDC.CLIENT_ID")
    c.text("AUTH.OIDC.CLIENT_SECRET", secret=True)
    c.text("AUTH.OIDC.SCOPES")
    c.text("AUTH.OIDC.ROLE_CLAIM", required=mode == "oidc")
    role_map = c.get("AUTH.OIDC.ROLE_MAP")
    if role_map is not _MISSING:
        if not hasattr(role_map, "items"):
            c.problem(f"AUTH.OIDC.ROLE_MAP must be a table of IdP group = role (got {role_map!r})")
        else:
            bad = {str(k): v for k, v in role_map.items() if str(v).lower() not in ROLES}
            if bad:
                c.problem(f"AUTH.OIDC.ROLE_MAP roles must be {_or_list(ROLES)} (got {bad!r})")
    if mode == "oidc":
        if not (issuer or "").strip().lower().startswith(("https://", "http://")):
            c.problem("AUTH.OIDC.ISSUER_URL must be the issuer's http(s) URL for AUTH.MODE 'oidc'")
        if not (client_id or "").strip():
            c.problem("AUTH.OIDC.CLIENT_ID is required for AUTH.MODE 'oidc'")
        if not (secret_key or "").strip():
            c.problem("AUTH.SECRET_KEY is required for AUTH.MODE 'oidc' (it signs the session cookies; "
                      "the same value on every worker and host)")
    c.text("AUTH.PROXY.USER_HEADER", required=mode == "proxy")
    c.text("AUTH.PROXY.ROLES_HEADER", required=mode == "proxy")
    trusted = c.get("AUTH.PROXY.TRUSTED")
    if trusted is not _MISSING:
        import ipaddress

        items = [trusted] if isinstance(trusted, str) else list(trusted or [])
        for item in items:
            try:
                ipaddress.ip_network(str(item), strict=False)
            except ValueError:
                c.problem(f"AUTH.PROXY.TRUSTED must list CIDRs such as 10.0.0.0/8 (got {item!r})")
        if isinstance(trusted, str):
            c.settings.set("AUTH.PROXY.TRUSTED", items)
        if mode == "proxy" and not items:
            c.problem("AUTH.PROXY.TRUSTED must name the proxies for AUTH.MODE 'proxy'")


def _cidrs(c: _Checker, path: str, what: str) -> None:
    """A list of CIDRs (a single string is taken as a list of one and stored as such)."""
    import ipaddress

    value = c.present(path)
    if value is _MISSING:
        return
    if isinstance(value, str):
        items = [value] if value.strip() else []
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        c.problem(f"{path} must be a list of CIDRs, {what}, such as [\"10.0.0.0/8\"] (got {value!r})")
        return
    for item in items:
        try:
            ipaddress.ip_network(str(item).strip(), strict=False)
        except ValueError:
            c.problem(f"{path} must list CIDRs, {what}, such as 10.0.0.0/8 (got {item!r})")
    if isinstance(value, str):
        c.settings.set(path, items)


def _sentinel(c: _Checker, path: str) -> None:
    # dynaconf turns "@none" into None; a missing key also means "disabled".
    value = c.get(path)
    if value is _MISSING or value is None:
        if value is _MISSING:
            c.settings.set(path, None)
        return
    result: float | None
    if isinstance(value, bool):
        result = float("nan")
    elif isinstance(value, (int, float)):
        result = float(value)
    elif isinstance(value, str) and value.strip().lower() in ("", "none", "null", "@none"):
        result = None
    else:
        try:
            result = float(str(value).strip())
        except ValueError:
            result = float("nan")
    if result is not None and result != result:  # NaN: not a usable number
        c.problem(f"{path} must be a number or none (got {value!r})")
        return
    c.put(path, value, result)


# --------------------------------------------------------------------------------------------- SQLite file
# (The SQL Server connection string and the masked target of either backend: tsi/db/targets.py.)


def resolve_sqlite_path(settings: Any) -> Path:
    """``DATABASE.SQLITE_PATH`` as an absolute path (relative paths are taken from the project root)."""
    path = Path(os.path.expanduser(str(settings.DATABASE.SQLITE_PATH)))
    return path if path.is_absolute() else project_root() / path


def sqlite_path(settings: Any) -> Path:
    """The SQLite database file; its directory is created (:class:`~tsi.errors.DatabaseError` when it cannot be)."""
    from tsi.errors import DatabaseError

    path = resolve_sqlite_path(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DatabaseError(f"cannot create the directory of DATABASE.SQLITE_PATH {path}: "
                            f"{e.strerror or e.__class__.__name__}") from None
    return path
