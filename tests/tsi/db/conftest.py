"""Database administration tests. Tests marked ``mssql`` need a real SQL Server: they run only when
``TSI_TEST_MSSQL_CONNECTION_STRING`` is set (an ODBC connection string to a server where the login may create
and drop databases, e.g. ``sa`` on a local container; see the README)."""

from __future__ import annotations

import os
import uuid

import pytest

MSSQL_ENV = "TSI_TEST_MSSQL_CONNECTION_STRING"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", f"mssql: needs a real SQL Server; runs only when {MSSQL_ENV} is set"
    )


def pytest_runtest_setup(item):
    if item.get_closest_marker("mssql") is not None and not os.environ.get(MSSQL_ENV, "").strip():
        pytest.skip(f"needs a SQL Server: set {MSSQL_ENV}")


@pytest.fixture
def fresh_mssql_database_name():
    """A new, empty database on the test server (dropped afterwards); yields its name."""
    pyodbc = pytest.importorskip("pyodbc")
    base = os.environ[MSSQL_ENV]
    name = f"tsi_test_{uuid.uuid4().hex[:12]}"
    admin = pyodbc.connect(base, autocommit=True, timeout=15)
    admin.cursor().execute(f"CREATE DATABASE [{name}]")
    try:
        yield name
    finally:
        try:
            admin.cursor().execute(
                f"IF DB_ID(N'{name}') IS NOT NULL BEGIN "
                f"ALTER DATABASE [{name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [{name}]; END")
        except pyodbc.Error:  # engines without SINGLE_USER (Babelfish): the tests' connections are closed by now
            admin.cursor().execute(f"DROP DATABASE [{name}]")
        admin.close()
