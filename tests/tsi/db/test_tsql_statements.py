"""Every T-SQL statement the native core can emit parses with a T-SQL parser (no SQL Server runs here)."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from tsi import _core


def test_core_tsql_statements_parse_without_fallback():
    statements = _core.tsql_statements()
    assert len(statements) > 50
    for sql in statements:
        trees = sqlglot.parse(sql, read="tsql")
        assert trees and all(t is not None for t in trees), sql
        # A `Command` node means sqlglot gave up and kept the text verbatim.
        assert not any(isinstance(t, exp.Command) for t in trees), sql


ALLOWED_LITERALS = {"tsi_ingest", "Exclusive", "Transaction", "+00:00", " ", "T", "Z"}


def test_tsql_statements_inline_no_values():
    """Values travel as parameters: the only string literals are fixed lock names and date formatting."""
    for sql in _core.tsql_statements():
        for tree in sqlglot.parse(sql, read="tsql"):
            literals = {lit.this for lit in tree.find_all(exp.Literal) if lit.is_string}
            assert literals <= ALLOWED_LITERALS, (literals - ALLOWED_LITERALS, sql[:200])
