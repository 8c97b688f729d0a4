import logging
import os

import pytest

from tsi import config
from tsi.config import (
    PROJECT_ROOT,
    get_settings,
    load_settings,
    reset_settings,
    sqlite_path,
)
from tsi.db.targets import masked_target, mssql_connection_string
from tsi.errors import ConfigError
from tsi.logging import setup_logging
from tsi.secrets import clear_registered_secrets, mask_secrets

SETTINGS_TOML = PROJECT_ROOT / "config" / "settings.toml"

MSSQL_ENV = {
    "TSI_DATABASE__MSSQL__SERVER": "db.example.org",
    "TSI_DATABASE__MSSQL__DATABASE": "tsi",
    "TSI_DATABASE__MSSQL__USERNAME": "app",
    "TSI_DATABASE__MSSQL__PASSWORD": "s3cret-pass",
    "TSI_CACHE__REDIS_URL": "redis://:redispass@cache:6379/0",
    "TSI_AUTH__MODE": "basic",  # [production] has no default mode (operations.md §2)
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for key in list(os.environ):
        if key.startswith("TSI_"):
            monkeypatch.delenv(key)
    reset_settings()
    yield
    reset_settings()


@pytest.fixture
def files(tmp_path):
    """Settings files without the developer's real config/.secrets.toml."""
    return [SETTINGS_TOML, tmp_path / "missing-secrets.toml"]


def load(files, env=None, **kw):
    return load_settings(env, settings_files=files, **kw)


def set_env(monkeypatch, values):
    for k, v in values.items():
        monkeypatch.setenv(k, v)


# ------------------------------------------------------------------------------------------ environments


def test_defaults_development(files):
    s = load(files)
    assert config.environment_name(s) == "development"
    assert s.DATA_SOURCE == "legacy"
    assert s.LOG_LEVEL == "DEBUG"
    assert s.DATABASE.BACKEND == "sqlite"
    assert s.DATABASE.POOL_SIZE == 4
    assert s.DATABASE.MSSQL.PORT == 1433
    assert s.DATABASE.MSSQL.DRIVER == "ODBC Driver 18 for SQL Server"
    assert s.CACHE.TYPE == "SimpleCache"
    assert s.UPLOAD.MAX_BYTES == 268435456
    assert s.SCHEDULE.UNSCHEDULED_SENTINEL_MJD == 51910.5
    assert s.UI.DEFAULT_PROJECTION == "mollweide" and s.UI.RA_LEFT is True
    assert s.UI.TITLE == "TSI — Telescope Scheduling Insights"
    assert (s.SERVER.HOST, s.SERVER.PORT, s.SERVER.WORKERS, s.SERVER.THREADS) == ("127.0.0.1", 8050, 1, 4)


def test_env_switcher(files, monkeypatch):
    monkeypatch.setenv("TSI_ENV", "testing")
    s = load(files)
    assert config.environment_name(s) == "testing"
    assert s.CACHE.TYPE == "SimpleCache" and s.DATABASE.BACKEND == "sqlite"
    assert s.LOG_LEVEL == "INFO"  # the development preset does not leak


def test_production_preset_merges_single_keys(files, monkeypatch):
    set_env(monkeypatch, MSSQL_ENV)
    s = load(files, "production")
    assert s.DATABASE.BACKEND == "mssql"
    assert s.DATABASE.POOL_SIZE == 4  # untouched sibling of an overridden key
    assert s.DATABASE.SQLITE_PATH == "var/tsi.sqlite3"
    assert s.CACHE.TYPE == "RedisCache" and s.CACHE.DEFAULT_TIMEOUT == 3600
    assert (s.SERVER.HOST, s.SERVER.WORKERS, s.SERVER.PORT) == ("0.0.0.0", 4, 8050)


def test_production_without_secrets_lists_every_problem(files):
    with pytest.raises(ConfigError) as info:
        load(files, "production")
    msg = str(info.value)
    assert msg.startswith("Invalid settings (environment 'production'): ")
    joined = " | ".join(info.value.problems)
    for key in ("MSSQL.SERVER", "MSSQL.DATABASE", "MSSQL.USERNAME", "MSSQL.PASSWORD", "REDIS_URL"):
        assert key in joined


def test_env_var_overrides_one_nested_key(files, monkeypatch):
    monkeypatch.setenv("TSI_DATABASE__MSSQL__PASSWORD", "pw-from-env")
    monkeypatch.setenv("TSI_UI__TOP_N", "25")
    s = load(files)
    assert s.DATABASE.MSSQL.PASSWORD == "pw-from-env"
    assert s.DATABASE.MSSQL.PORT == 1433
    assert s.DATABASE.MSSQL.DRIVER == "ODBC Driver 18 for SQL Server"
    assert s.DATABASE.BACKEND == "sqlite" and s.DATABASE.POOL_SIZE == 4
    assert s.UI.TOP_N == 25 and s.UI.PLOT_HEIGHT == 600


def test_secrets_file_merges(tmp_path):
    secrets = tmp_path / ".secrets.toml"
    secrets.write_text('[default.DATABASE.MSSQL]\nPASSWORD = "from-file"\n', encoding="utf-8")
    s = load_settings(settings_files=[SETTINGS_TOML, secrets])
    assert s.DATABASE.MSSQL.PASSWORD == "from-file"
    assert s.DATABASE.MSSQL.USERNAME == "" and s.DATABASE.MSSQL.PORT == 1433


def test_keyword_overrides(files, tmp_path):
    s = load(files, "testing", DATABASE__SQLITE_PATH=str(tmp_path / "db" / "t.sqlite3"), DATA_SOURCE="ETL")
    assert s.DATA_SOURCE == "etl"
    assert s.DATABASE.POOL_SIZE == 2
    path = sqlite_path(s)
    assert path == tmp_path / "db" / "t.sqlite3" and path.parent.is_dir()
    assert masked_target(s) == str(path)


def test_sqlite_path_relative_to_project_root(files, tmp_path, monkeypatch):
    monkeypatch.setattr(config, "PROJECT_ROOT", tmp_path)
    s = load(files)
    p = sqlite_path(s)
    assert p == tmp_path / "var" / "tsi.sqlite3" and p.parent.is_dir()
    assert config.project_root() == tmp_path


def test_get_settings_cached_and_reset(monkeypatch, files):
    monkeypatch.setattr(config, "DEFAULT_SETTINGS_FILES", tuple(files))
    monkeypatch.setenv("TSI_DATA_SOURCE", "etl")
    first = get_settings()
    assert get_settings() is first and first.DATA_SOURCE == "etl"
    monkeypatch.setenv("TSI_DATA_SOURCE", "legacy")
    assert get_settings().DATA_SOURCE == "etl"
    reset_settings()
    assert get_settings().DATA_SOURCE == "legacy"


# ------------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize("raw", ["ETL", "etl", " Etl ", "LEGACY"])
def test_data_source_case_insensitive(files, monkeypatch, raw):
    monkeypatch.setenv("TSI_DATA_SOURCE", raw)
    assert load(files).DATA_SOURCE == raw.strip().lower()


def test_two_invalid_values_one_error(files, monkeypatch):
    monkeypatch.setenv("TSI_ENV", "production")
    set_env(monkeypatch, MSSQL_ENV)
    monkeypatch.setenv("TSI_DATA_SOURCE", "etll")
    monkeypatch.setenv("TSI_DATABASE__POOL_SIZE", "65")
    with pytest.raises(ConfigError) as info:
        load(files)
    e = info.value
    assert e.problems == [
        "DATA_SOURCE must be 'legacy' or 'etl' (got 'etll')",
        "DATABASE.POOL_SIZE must be an integer from 1 to 64 (got 65)",
    ]
    assert str(e) == (
        "Invalid settings (environment 'production'): DATA_SOURCE must be 'legacy' or 'etl' (got 'etll'); "
        "DATABASE.POOL_SIZE must be an integer from 1 to 64 (got 65)"
    )


@pytest.mark.parametrize(
    "key, value, fragment",
    [
        ("LOG_LEVEL", "TRACE", "LOG_LEVEL must be"),
        ("DATABASE__BACKEND", "postgres", "DATABASE.BACKEND must be"),
        ("DATABASE__POOL_SIZE", "0", "DATABASE.POOL_SIZE"),
        ("DATABASE__MSSQL__PORT", "70000", "DATABASE.MSSQL.PORT"),
        ("DATABASE__MSSQL__AUTHENTICATION", "Kerberos", "DATABASE.MSSQL.AUTHENTICATION"),
        ("DATABASE__MSSQL__ENCRYPT", "maybe", "DATABASE.MSSQL.ENCRYPT"),
        ("CACHE__TYPE", "MemcachedCache", "CACHE.TYPE"),
        ("CACHE__DEFAULT_TIMEOUT", "-1", "CACHE.DEFAULT_TIMEOUT"),
        ("UPLOAD__MAX_BYTES", "1000", "UPLOAD.MAX_BYTES"),
        ("SCHEDULE__UNSCHEDULED_SENTINEL_MJD", "soon", "SCHEDULE.UNSCHEDULED_SENTINEL_MJD"),
        ("UI__DEFAULT_PROJECTION", "mercator", "UI.DEFAULT_PROJECTION"),
        ("UI__PLOT_HEIGHT", "199", "UI.PLOT_HEIGHT"),
        ("UI__PLOT_HEIGHT", "2001", "UI.PLOT_HEIGHT"),
        ("UI__TOP_N", "101", "UI.TOP_N"),
        ("UI__MAX_TABLE_ROWS", "99", "UI.MAX_TABLE_ROWS"),
        ("SERVER__PORT", "0", "SERVER.PORT"),
        ("SERVER__WORKERS", "0", "SERVER.WORKERS"),
        ("SERVER__THREADS", "0", "SERVER.THREADS"),
        ("ENV", "staging", "TSI_ENV must be"),
    ],
)
def test_rules(files, monkeypatch, key, value, fragment):
    monkeypatch.setenv(f"TSI_{key}", value)
    with pytest.raises(ConfigError) as info:
        load(files)
    assert len(info.value.problems) == 1
    assert fragment in info.value.problems[0]


def test_bounds_accepted(files, monkeypatch):
    for key, value in {
        "DATABASE__POOL_SIZE": "64",
        "UI__PLOT_HEIGHT": "2000",
        "UI__TOP_N": "1",
        "UI__MAX_TABLE_ROWS": "100",
        "UPLOAD__MAX_BYTES": "1024",
        "CACHE__DEFAULT_TIMEOUT": "0",
        "SERVER__PORT": "65535",
    }.items():
        monkeypatch.setenv(f"TSI_{key}", value)
    s = load(files)
    assert s.DATABASE.POOL_SIZE == 64 and s.UI.PLOT_HEIGHT == 2000 and s.UPLOAD.MAX_BYTES == 1024


def test_cache_type_requirements(files, monkeypatch):
    monkeypatch.setenv("TSI_CACHE__TYPE", "filesystemcache")
    monkeypatch.setenv("TSI_CACHE__DIR", "")
    with pytest.raises(ConfigError, match="CACHE.DIR must not be empty"):
        load(files)
    monkeypatch.setenv("TSI_CACHE__DIR", "var/cache")
    assert load(files).CACHE.TYPE == "FileSystemCache"
    monkeypatch.setenv("TSI_CACHE__TYPE", "RedisCache")
    with pytest.raises(ConfigError, match="CACHE.REDIS_URL is required"):
        load(files)
    monkeypatch.setenv("TSI_CACHE__REDIS_URL", "redis://cache:6379/0")
    assert load(files).CACHE.TYPE == "RedisCache"


@pytest.mark.parametrize("raw", ["@none", "none", "NULL", ""])
def test_sentinel_disabled(files, monkeypatch, raw):
    monkeypatch.setenv("TSI_SCHEDULE__UNSCHEDULED_SENTINEL_MJD", raw)
    assert load(files).SCHEDULE.UNSCHEDULED_SENTINEL_MJD is None


def test_sentinel_number(files, monkeypatch):
    monkeypatch.setenv("TSI_SCHEDULE__UNSCHEDULED_SENTINEL_MJD", "60000")
    value = load(files).SCHEDULE.UNSCHEDULED_SENTINEL_MJD
    assert value == 60000.0 and isinstance(value, float)


def test_mssql_connection_string_instead_of_keys(files, monkeypatch):
    monkeypatch.setenv("TSI_DATABASE__BACKEND", "mssql")
    with pytest.raises(ConfigError) as info:
        load(files)
    assert len(info.value.problems) == 4  # SERVER, DATABASE, USERNAME, PASSWORD
    cs = "Driver={ODBC Driver 18 for SQL Server};Server=tcp:h.example.org,1444;Database=tsi;UID=a;PWD={x;y}"
    monkeypatch.setenv("TSI_DATABASE__MSSQL__CONNECTION_STRING", cs)
    s = load(files)
    assert mssql_connection_string(s) == cs
    assert masked_target(s) == "h.example.org:1444/tsi"


def test_msi_needs_no_credentials(files, monkeypatch):
    monkeypatch.setenv("TSI_DATABASE__BACKEND", "mssql")
    monkeypatch.setenv("TSI_DATABASE__MSSQL__SERVER", "h")
    monkeypatch.setenv("TSI_DATABASE__MSSQL__DATABASE", "d")
    monkeypatch.setenv("TSI_DATABASE__MSSQL__AUTHENTICATION", "activedirectorymsi")
    s = load(files)
    assert s.DATABASE.MSSQL.AUTHENTICATION == "ActiveDirectoryMsi"
    assert "UID=" not in mssql_connection_string(s)
    monkeypatch.setenv("TSI_DATABASE__MSSQL__DRIVER", "FreeTDS")
    with pytest.raises(ConfigError, match="FreeTDS supports SqlPassword only"):
        load(files)


# ------------------------------------------------------------------------------------------ passwords


@pytest.mark.parametrize("raw, expected", [("123456", "123456"), ("@str 123456", "123456"), ("1_000", "1_000"),
                                           ("0123", "0123"), ("1.50", "1.50")])
def test_digits_only_password_stays_text(files, monkeypatch, raw, expected):
    monkeypatch.setenv("TSI_DATABASE__MSSQL__PASSWORD", raw)
    s = load(files)
    assert s.DATABASE.MSSQL.PASSWORD == expected
    assert isinstance(s.DATABASE.MSSQL.PASSWORD, str)


def test_integer_password_in_file(tmp_path):
    secrets = tmp_path / ".secrets.toml"
    secrets.write_text("[default.DATABASE.MSSQL]\nPASSWORD = 987654\n", encoding="utf-8")
    s = load_settings(settings_files=[SETTINGS_TOML, secrets])
    assert s.DATABASE.MSSQL.PASSWORD == "987654"


def test_env_password_kept_verbatim(files, monkeypatch):
    monkeypatch.setenv("TSI_DATABASE__MSSQL__PASSWORD", "[1, 2]")  # TOML would parse it as an array
    assert load(files).DATABASE.MSSQL.PASSWORD == "[1, 2]"


def test_password_never_in_error(tmp_path):
    secrets = tmp_path / ".secrets.toml"
    secrets.write_text("[default.DATABASE.MSSQL]\nPASSWORD = 31.4159\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(settings_files=[SETTINGS_TOML, secrets])
    assert info.value.problems[0].startswith("DATABASE.MSSQL.PASSWORD must be text;")
    assert "31.4159" not in str(info.value)


# ------------------------------------------------------------------------------------------ connection strings


def mssql(files, monkeypatch, **env):
    base = {
        "TSI_DATABASE__BACKEND": "mssql",
        "TSI_DATABASE__MSSQL__SERVER": "db.example.org",
        "TSI_DATABASE__MSSQL__DATABASE": "tsi",
        "TSI_DATABASE__MSSQL__USERNAME": "app",
        "TSI_DATABASE__MSSQL__PASSWORD": "plain",
    }
    base.update({f"TSI_DATABASE__MSSQL__{k}": v for k, v in env.items()})
    set_env(monkeypatch, base)
    return load(files)


def test_connection_string_microsoft(files, monkeypatch):
    s = mssql(files, monkeypatch)
    assert mssql_connection_string(s) == (
        "DRIVER={ODBC Driver 18 for SQL Server};SERVER=db.example.org,1433;DATABASE=tsi;UID=app;PWD=plain;"
        "Encrypt=yes;TrustServerCertificate=no;Authentication=SqlPassword;ConnectTimeout=15"
    )
    assert masked_target(s) == "db.example.org:1433/tsi"


def test_connection_string_quoting(files, monkeypatch):
    s = mssql(
        files, monkeypatch, PASSWORD="a;b}c", USERNAME="{odd", DATABASE="plain db", ENCRYPT="false",
        TRUST_SERVER_CERTIFICATE="true", PORT="1444",
    )
    cs = mssql_connection_string(s)
    assert "UID={{odd};" in cs
    assert "PWD={a;b}}c};" in cs
    assert "DATABASE=plain db;" in cs
    assert "SERVER=db.example.org,1444;" in cs
    assert "Encrypt=no;TrustServerCertificate=yes;" in cs
    assert "a;b" not in mask_secrets(cs) and "PWD=***" in mask_secrets(cs)


def test_connection_string_freetds(files, monkeypatch):
    s = mssql(files, monkeypatch, DRIVER="FreeTDS", PASSWORD="p;w")
    assert mssql_connection_string(s) == (
        "DRIVER={FreeTDS};SERVER=db.example.org;PORT=1433;DATABASE=tsi;UID=app;PWD={p;w};"
        "TDS_Version=7.4;Encryption=require"
    )
    # FreeTDS reads `Encryption`, not Microsoft's `Encrypt` (which it ignores: the session stayed unencrypted).
    s.DATABASE.MSSQL.ENCRYPT = False
    assert mssql_connection_string(s).endswith(";Encryption=request")
    s.DATABASE.MSSQL.AUTHENTICATION = "ActiveDirectoryPassword"
    with pytest.raises(ConfigError):
        mssql_connection_string(s)


# ------------------------------------------------------------------------------------------ masking


@pytest.fixture
def no_literals():
    clear_registered_secrets()
    yield
    clear_registered_secrets()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("DRIVER={X};PWD=hunter2;Encrypt=yes", "DRIVER={X};PWD=***;Encrypt=yes"),
        ("Server=h;Password={a;b};Database=d", "Server=h;Password=***;Database=d"),
        ("server=h;password={a}}b;c};uid=u", "server=h;password=***;uid=u"),
        ("pwd = secret", "pwd = ***"),
        ("redis://user:pass@host:6379/0", "redis://user:***@host:6379/0"),
        ("redis://:pass@host", "redis://:***@host"),
        ("url rediss://u:p%40ss@cache.example.org:6380 failed", "url rediss://u:***@cache.example.org:6380 failed"),
        ("{'PASSWORD': 'abc'}", "{'PASSWORD': '***'}"),
        ("redis://host:6379/0", "redis://host:6379/0"),
        ("no secrets here", "no secrets here"),
    ],
)
def test_mask_patterns(no_literals, text, expected):
    assert mask_secrets(text) == expected


def test_mask_configured_literals(files, monkeypatch):
    set_env(monkeypatch, MSSQL_ENV)
    s = load(files, "production")
    text = f"login failed for {s.DATABASE.MSSQL.PASSWORD} via {s.CACHE.REDIS_URL}"
    masked = mask_secrets(text)
    assert "s3cret-pass" not in masked and "redispass" not in masked
    assert masked_target(s) == "db.example.org:1433/tsi"


def test_logging_masks(capsys, no_literals):
    logger = setup_logging("info")
    setup_logging("INFO")  # idempotent: one handler
    assert sum(getattr(h, "_tsi_handler", False) for h in logger.handlers) == 1
    logging.getLogger("tsi.db").info("connecting with %s", "SERVER=h;PWD={x;y};Database=d")
    logging.getLogger("tsi.db").debug("hidden")
    err = capsys.readouterr().err
    assert "PWD=***;Database=d" in err and "x;y" not in err
    assert "hidden" not in err
