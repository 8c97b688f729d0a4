"""TSI on a live T-SQL server, through each SQL Server ODBC driver unixODBC knows (FreeTDS; Microsoft's ODBC
Driver 18), with the settings built from keys as an operator writes them (ENCRYPT = true).

Marked ``mssql``: runs only when TSI_TEST_MSSQL_CONNECTION_STRING names a server where that login may create
databases (see conftest.py and the README). Each test gets a fresh database, dropped afterwards. Everything is
run through the `tsi` command in other processes, as an operator would.
"""

from __future__ import annotations

import json
import os
import threading

import pytest

from servers import tsi_cli

pyodbc = pytest.importorskip("pyodbc")

from tsi.db.tsql import migrations  # noqa: E402
from tsi.db.targets import parse_connection_string  # noqa: E402

pytestmark = pytest.mark.mssql

MS_DRIVER = "ODBC Driver 18 for SQL Server"
ALL_VERSIONS = [m.version for m in migrations("mssql")]  # what a fresh database gets
FLOWS = ("sky-map", "distributions", "visibility-map", "timeline", "insights", "trends", "validation")


def _admin() -> dict[str, str]:
    return parse_connection_string(os.environ.get("TSI_TEST_MSSQL_CONNECTION_STRING", ""))


def _driver_18() -> str | None:
    """Microsoft's ODBC Driver 18: registered with unixODBC under its name, else the library that the
    `mssql-python-odbc` wheel ships (requirements-dev.txt), given by path as DRIVER."""
    if MS_DRIVER in pyodbc.drivers():
        return MS_DRIVER
    try:
        from importlib import resources

        libs = resources.files("mssql_python_odbc") / "libs" / "linux" / "debian_ubuntu" / "x86_64" / "lib"
        found = sorted(p for p in libs.iterdir() if p.name.startswith("libmsodbcsql-18"))
    except (ImportError, FileNotFoundError, OSError):
        return None
    return str(found[-1]) if found else None


def _drivers() -> list[str]:
    drivers = ["FreeTDS" if "FreeTDS" in pyodbc.drivers() else "(FreeTDS: apt-get install tdsodbc)"]
    drivers.append(_driver_18() or "(ODBC Driver 18: pip install mssql-python-odbc)")
    return drivers


def _host_port() -> tuple[str, str]:
    a = _admin()
    server = a.get("server", "127.0.0.1").removeprefix("tcp:")
    host, _, port = server.partition(",")
    return host, port or a.get("port", "1433")


@pytest.fixture(params=_drivers(), ids=lambda d: "freetds" if "FreeTDS" in d else "driver18")
def env(request, fresh_mssql_database_name):
    """TSI_* settings for `tsi` in another process: SQL Server from keys, this driver, encryption required."""
    if request.param.startswith("("):
        pytest.fail(f"driver missing: {request.param}")
    a = _admin()
    host, port = _host_port()
    return {
        "TSI_ENV": "testing",
        "TSI_LOG_LEVEL": "WARNING",
        "TSI_DATABASE__BACKEND": "mssql",
        "TSI_DATABASE__MSSQL__SERVER": host,
        "TSI_DATABASE__MSSQL__PORT": port,
        "TSI_DATABASE__MSSQL__DATABASE": fresh_mssql_database_name,
        "TSI_DATABASE__MSSQL__USERNAME": a.get("uid", ""),
        "TSI_DATABASE__MSSQL__PASSWORD": "@str " + a.get("pwd", ""),
        "TSI_DATABASE__MSSQL__DRIVER": request.param,
        "TSI_DATABASE__MSSQL__ENCRYPT": "true",
        "TSI_DATABASE__MSSQL__TRUST_SERVER_CERTIFICATE": "true",  # the test server's certificate is self-signed
        "TSI_DATABASE__MSSQL__LOGIN_TIMEOUT": "15",
    }


def _ok(out, what: str):
    assert out.returncode == 0, f"{what}: exit {out.returncode}: {out.stderr[-2000:]}"
    return out


@pytest.fixture
def migrated(env):
    _ok(tsi_cli(env, "db", "upgrade"), "tsi db upgrade")
    return env


def test_db_check_reports_the_schema_and_fails_when_it_cannot_check(env):
    before = tsi_cli(env, "db", "check")
    assert before.returncode == 5 and json.loads(before.stdout)["pending"] == ALL_VERSIONS
    assert json.loads(_ok(tsi_cli(env, "db", "upgrade"), "upgrade").stdout) == {"applied": ALL_VERSIONS}
    r = json.loads(_ok(tsi_cli(env, "db", "check"), "db check").stdout)
    assert r["connected"] is True and r["schema_version"] == ALL_VERSIONS[-1] and r["pending"] == [] and "error" not in r
    assert r["server_version"]
    missing = tsi_cli({**env, "TSI_DATABASE__MSSQL__DATABASE": "tsi_no_such_database"}, "db", "check")
    assert missing.returncode == 5 and "error" in json.loads(missing.stdout)


def test_encrypt_true_gives_an_encrypted_session(migrated):
    code = ("from tsi.db.migrate import connect_mssql, fetch_all\n"
            "c = connect_mssql()\n"
            "print(fetch_all(c, 'SELECT encrypt_option FROM sys.dm_exec_connections WHERE session_id = @@SPID')"
            "[0][0])\n")
    import subprocess
    import sys

    full = {k: v for k, v in os.environ.items() if not k.startswith("TSI_")} | migrated
    out = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().upper() == "TRUE"


def test_concurrent_first_uploads_store_one_schedule(migrated, generated):
    d = generated["season"]
    args = ("ingest", str(d / "schedule.json"), "--visibility", str(d / "possible_periods.json"),
            "--dark", str(d / "dark_periods.json"))
    results = [None, None]

    def run(k):
        results[k] = tsi_cli(migrated, *args)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    answers = [json.loads(_ok(r, "concurrent ingest").stdout) for r in results]
    assert sorted(a["created"] for a in answers) == [False, True], answers
    assert answers[0]["schedule_id"] == answers[1]["schedule_id"]
    assert len(json.loads(_ok(tsi_cli(migrated, "schedules"), "schedules").stdout)) == 1


def test_payloads_are_identical_to_sqlite_holding_the_same_files(migrated, generated, tmp_path):
    lite = {"TSI_ENV": "testing", "TSI_LOG_LEVEL": "WARNING", "TSI_DATABASE__SQLITE_PATH": str(tmp_path / "t.sqlite3")}
    ids = {}
    for name, where in (("mssql", migrated), ("sqlite", lite)):
        got = []
        for g in ("season", "night"):
            d = generated[g]
            extra = ("--visibility", str(d / "possible_periods.json"), "--dark", str(d / "dark_periods.json")) \
                if (d / "possible_periods.json").exists() else ()
            got.append(json.loads(_ok(tsi_cli(where, "ingest", str(d / "schedule.json"), *extra), "ingest").stdout))
        ids[name] = [r["schedule_id"] for r in got]
    for k in range(2):
        for flow in FLOWS:
            for source in ("legacy", "etl"):
                a = _ok(tsi_cli(migrated, "export", str(ids["mssql"][k]), flow, "--source", source), flow).stdout
                b = _ok(tsi_cli(lite, "export", str(ids["sqlite"][k]), flow, "--source", source), flow).stdout
                assert a == b, (flow, source, k)
    a = _ok(tsi_cli(migrated, "export", str(ids["mssql"][0]), "compare", "--with", str(ids["mssql"][1])), "compare")
    b = _ok(tsi_cli(lite, "export", str(ids["sqlite"][0]), "compare", "--with", str(ids["sqlite"][1])), "compare")
    assert a.stdout == b.stdout
    _ok(tsi_cli(migrated, "parity", "--all"), "parity")
    _check_migration_evidence(migrated, ids["mssql"][0])
    _ok(tsi_cli(migrated, "delete", str(ids["mssql"][1])), "delete")
    assert tsi_cli(migrated, "export", str(ids["mssql"][1]), "sky-map").returncode == 4


SHADOW_EVENT = """
import sys
from tsi import data
sid = int(sys.argv[1])
data.core().parity_event_append(sid, "timeline", '{}', "legacy", "match", "0.1.0")
data.core().parity_event_append(sid, "timeline", '{}', "legacy", "mismatch", "0.1.0", diff_path="blocks.priority[0]",
                                legacy_value="1.0", etl_value="2.0")
"""


def _check_migration_evidence(env, sid: int) -> None:
    """The cockpit's tables on T-SQL: the stored parity run, and shadow events as the shadow thread writes them."""
    import subprocess
    import sys

    from servers import ROOT

    full = {k: v for k, v in os.environ.items() if not k.startswith("TSI_")} | env
    subprocess.run([sys.executable, "-c", SHADOW_EVENT, str(sid)], cwd=ROOT, env=full, check=True, timeout=120)
    shadowing = {**env, "TSI_MIGRATION__SHADOW_RATE": "1", "TSI_MIGRATION__MIN_SHADOW": "1"}
    out = tsi_cli(shadowing, "migration", "status", "--json", "--metrics-url", "http://127.0.0.1:9/metrics")
    assert out.returncode == 1, out.stderr
    r = json.loads(out.stdout)
    assert r["parity"]["clean"] and r["parity"]["checks"] > 0
    assert r["shadow"]["by_flow"] == {"timeline": {"match": 1, "mismatch": 1, "error": 0}}
    [e] = r["recent_problems"]
    assert (e["result"], e["diff_path"], e["etl_value"]) == ("mismatch", "blocks.priority[0]", "2.0")
