"""Connection targets (tsi/db/targets.py): one parser for ODBC connection strings, and what is derived from it."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest

from tsi.db.targets import driver_name, mask, parse_connection_string, with_database


def settings(**mssql):
    ms = {"CONNECTION_STRING": "", "DRIVER": "", "PASSWORD": None, **mssql}
    return SimpleNamespace(DATABASE=SimpleNamespace(BACKEND="mssql", MSSQL=SimpleNamespace(get=ms.get, **ms)))


@pytest.mark.parametrize(
    "cs, expected",
    [
        ("DRIVER={FreeTDS};SERVER=h;PORT=1433", {"driver": "FreeTDS", "server": "h", "port": "1433"}),
        ("Server = h ; Pwd={a;b}}c=d} ;Database=x;", {"server": "h", "pwd": "a;b}c=d", "database": "x"}),
        ("junk;;Initial Catalog=x", {"initial catalog": "x"}),
        ("Database=first;DATABASE=second", {"database": "first"}),  # ODBC: the first occurrence wins
        ("", {}),
    ],
)
def test_parse(cs, expected):
    assert parse_connection_string(cs) == expected


def test_with_database_keeps_every_other_pair_as_written():
    cs = "DRIVER={FreeTDS};Server=h;PWD={p;w}}x};Initial Catalog=old;DATABASE=old"
    assert with_database(cs, "new") == "DRIVER={FreeTDS};Server=h;PWD={p;w}}x};DATABASE=new"
    assert parse_connection_string(with_database(cs, "a;b"))["database"] == "a;b"


def test_driver_name():
    assert driver_name(settings(DRIVER="FreeTDS")) == "FreeTDS"
    assert driver_name(settings(CONNECTION_STRING="Driver={ODBC Driver 18 for SQL Server};Server=h")) == \
        "ODBC Driver 18 for SQL Server"
    assert driver_name(settings(CONNECTION_STRING="DSN=tsi;PWD={x;Driver=y}")) == "(from CONNECTION_STRING)"


def test_mask_knows_the_configured_secrets():
    s = settings(PASSWORD="plain-secret", CONNECTION_STRING="Server=h;UID=u;Trusted=custom-token")
    text = mask("failed: Server=h;UID=u;Trusted=custom-token with plain-secret, PWD=other", s)
    assert "custom-token" not in text and "plain-secret" not in text and "other" not in text


def test_config_and_secrets_import_no_target_code():
    code = ("import sys, tsi.secrets; assert not [m for m in sys.modules if m.startswith('tsi.') and m != 'tsi.secrets']"
            ", sorted(sys.modules); import tsi.config; assert 'tsi.db.targets' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
