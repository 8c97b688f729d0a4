"""Database administration tests. Tests marked ``mssql`` need a real SQL Server: they run only when
``TSI_TEST_MSSQL_CONNECTION_STRING`` is set (an ODBC connection string to a server where the login may create
and drop databases, e.g. ``sa`` on a local container; see the README)."""

from __future__ import annotations

import os

import pytest

MSSQL_ENV = "TSI_TEST_MSSQL_CONNECTION_STRING"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", f"mssql: needs a real SQL Server; runs only when {MSSQL_ENV} is set"
    )


def pytest_runtest_setup(item):
    if item.get_closest_marker("mssql") is not None and not os.environ.get(MSSQL_ENV, "").strip():
        pytest.skip(f"needs a SQL Server: set {MSSQL_ENV}")
