"""The T-SQL migration scripts, checked without a SQL Server (architecture.md §9).

* Every batch is parsed by sqlglot's T-SQL parser and must yield exactly one guarded statement
  ``IF <guard> BEGIN <CREATE|ALTER ... ADD> END`` with no part left unparsed (no ``exp.Command`` fallback);
  the one-row catalogue's seed is ``IF NOT EXISTS (SELECT 1 FROM <table> WHERE id = 1) BEGIN INSERT … END``.
* One construct sqlglot (30.x) cannot parse: ``EXEC(N'CREATE SCHEMA analytics')`` — dynamic SQL, needed
  because CREATE SCHEMA must be alone in its batch. sqlglot raises "Expected table name" on it. That batch is
  matched exactly by a regular expression instead, and its two parts are parsed separately: the guard
  condition (as ``SELECT <condition>``) and the string handed to EXEC (as a T-SQL statement).
* The tables and columns are the same as the SQLite scripts' (``analytics_`` prefix <-> ``analytics.``
  schema), with the type mapping of data-model.md, and the same nullability.
* The scripts never drop, rename or rewrite, and every CREATE / ALTER ... ADD is guarded by the matching
  existence check.
"""

from __future__ import annotations

import hashlib
import re

import pytest

sqlglot = pytest.importorskip("sqlglot")
from sqlglot import exp  # noqa: E402

from tsi.db.tsql import MIGRATIONS_DIR, migrations, split_batches  # noqa: E402

MSSQL = migrations("mssql")
SQLITE = migrations("sqlite")
BATCHES = [(m.name, i, b) for m in MSSQL for i, b in enumerate(split_batches(m.sql), 1)]
BATCH_IDS = [f"{name}#{i}" for name, i, _ in BATCHES]

# The one batch sqlglot cannot parse (see the module docstring), matched exactly.
SCHEMA_EXEC_RE = re.compile(
    r"""^(?:\s*--[^\n]*\n)*\s*
        IF\s+(?P<guard>SCHEMA_ID\(N'(?P<schema>\w+)'\)\s+IS\s+NULL)\s+
        BEGIN\s+EXEC\(N'(?P<inner>CREATE\s+SCHEMA\s+(?P=schema))'\);\s+END\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

TYPE_MAP = {  # T-SQL -> SQLite (data-model.md "Types")
    "FLOAT": "REAL", "DOUBLE": "REAL",
    "INT": "INTEGER", "BIGINT": "INTEGER", "TINYINT": "INTEGER", "UTINYINT": "INTEGER", "BIT": "INTEGER",
    "NVARCHAR": "TEXT", "VARCHAR": "TEXT", "TEXT": "TEXT",
    "VARBINARY": "BLOB",
    "TIMESTAMPTZ": "TEXT", "DATETIMEOFFSET": "TEXT", "DATETIME2": "TEXT",
}


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def _parse_guarded(batch: str):
    """(guard condition, the one CREATE/ALTER — or seed-row INSERT — inside) of a batch; asserts the shape."""
    trees = [t for t in sqlglot.parse(batch, read="tsql") if t is not None]
    assert len(trees) == 1, f"one statement per batch, got {[type(t).__name__ for t in trees]}"
    tree = trees[0]
    assert not list(tree.find_all(exp.Command)), "part of the batch was not parsed (Command fallback)"
    assert isinstance(tree, exp.IfBlock), f"not guarded: {type(tree).__name__}"
    assert not tree.args.get("false"), "no ELSE branch expected"
    body = [s for s in tree.args["true"].expressions if not isinstance(s, exp.EndStatement)]
    assert len(body) == 1 and isinstance(body[0], (exp.Create, exp.Alter, exp.Insert)), [type(s).__name__ for s in body]
    return tree.this, body[0]


def _table_name(table: exp.Table) -> str:
    return f"{table.db}.{table.name}" if table.db else table.name


def _guarded_statements():
    """[(script, batch number, guard SQL, statement)] for every batch but the schema one."""
    out = []
    for name, i, batch in BATCHES:
        if SCHEMA_EXEC_RE.match(batch):
            continue
        guard, stmt = _parse_guarded(batch)
        out.append((name, i, guard.sql(dialect="tsql"), stmt))
    return out


def _tsql_columns() -> dict[str, dict[str, tuple[str | None, bool]]]:
    """{sqlite-style table name: {column: (SQLite type or None for computed, nullable)}} of the T-SQL scripts."""
    tables: dict[str, dict[str, tuple[str | None, bool]]] = {}

    def coldef(c: exp.ColumnDef):
        constraints = [k.args.get("kind") for k in c.args.get("constraints") or []]
        if any(isinstance(k, exp.ComputedColumnConstraint) for k in constraints):
            return None, True
        not_null = any(isinstance(k, exp.NotNullColumnConstraint) and not k.args.get("allow_null")
                       for k in constraints)
        pk = any(isinstance(k, exp.PrimaryKeyColumnConstraint) for k in constraints)
        kind = c.args["kind"].this.name
        assert kind in TYPE_MAP, f"unmapped T-SQL type {kind} of {c.name}"
        return TYPE_MAP[kind], not (not_null or pk)

    for _, _, _, stmt in _guarded_statements():
        if isinstance(stmt, exp.Create) and stmt.kind == "TABLE":
            schema = stmt.this
            key = _sqlite_name(_table_name(schema.this))
            cols = tables.setdefault(key, {})
            for c in schema.expressions:
                if isinstance(c, exp.ColumnDef):
                    cols[c.name] = coldef(c)
            pk_cols = [col.name for pk in schema.find_all(exp.PrimaryKey) for col in pk.expressions]
            for name in pk_cols:  # composite PRIMARY KEY (...) columns are NOT NULL
                cols[name] = (cols[name][0], False)
        elif isinstance(stmt, exp.Alter):
            key = _sqlite_name(_table_name(stmt.this))
            for c in stmt.args["actions"]:
                assert isinstance(c, exp.ColumnDef), f"only ADD column is allowed: {c.sql()}"
                tables[key][c.name] = coldef(c)
    return tables


def _sqlite_name(tsql_name: str) -> str:
    schema, _, table = tsql_name.rpartition(".")
    assert schema in ("dbo", "analytics"), f"unexpected schema in {tsql_name}"
    return table if schema == "dbo" else f"analytics_{table}"


def _sqlite_columns() -> dict[str, dict[str, tuple[str | None, bool]]]:
    tables: dict[str, dict[str, tuple[str | None, bool]]] = {}

    def coldef(c: exp.ColumnDef):
        constraints = [k.args.get("kind") for k in c.args.get("constraints") or []]
        if any(isinstance(k, exp.ComputedColumnConstraint) for k in constraints):
            return None, True
        not_null = any(isinstance(k, exp.NotNullColumnConstraint) and not k.args.get("allow_null")
                       for k in constraints)
        pk = any(isinstance(k, exp.PrimaryKeyColumnConstraint) for k in constraints)
        kind = c.args["kind"].this.name
        sqlite_kind = {"INT": "INTEGER", "DOUBLE": "REAL", "FLOAT": "REAL", "VARBINARY": "BLOB"}.get(kind, kind)
        return sqlite_kind, not (not_null or pk)

    for m in SQLITE:
        for stmt in sqlglot.parse(m.sql, read="sqlite"):
            if stmt is None:
                continue
            assert not list(stmt.find_all(exp.Command)), stmt.sql()
            if isinstance(stmt, exp.Create) and stmt.kind == "TABLE":
                cols = tables.setdefault(stmt.this.this.name, {})
                for c in stmt.this.expressions:
                    if isinstance(c, exp.ColumnDef):
                        cols[c.name] = coldef(c)
                for pk in stmt.this.find_all(exp.PrimaryKey):
                    for col in pk.expressions:
                        cols[col.name] = (cols[col.name][0], False)
            elif isinstance(stmt, exp.Alter):
                for c in stmt.args["actions"]:
                    tables[stmt.this.name][c.name] = coldef(c)
    return tables


# --------------------------------------------------------------------------------------------- files


def test_migration_files_are_numbered_and_hashed():
    assert [m.version for m in MSSQL] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [m.name for m in MSSQL] == ["0001_normalized", "0002_analytics", "0003_added_columns", "0004_interval_count",
                                       "0005_default_visibility_view", "0006_catalogue_generation", "0007_access",
                                       "0008_parity_events"]
    assert [(m.version, m.name) for m in SQLITE] == [(m.version, m.name) for m in MSSQL]
    for m in MSSQL:
        raw = (MIGRATIONS_DIR / "mssql" / f"{m.name}.sql").read_bytes()
        assert m.sha256 == hashlib.sha256(raw).hexdigest()
        assert m.sql == raw.decode("utf-8")
    with pytest.raises(ValueError):
        migrations("oracle")


# --------------------------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("name,number,batch", BATCHES, ids=BATCH_IDS)
def test_every_batch_parses_as_one_guarded_statement(name, number, batch):
    m = SCHEMA_EXEC_RE.match(batch)
    if m:
        # sqlglot 30 raises ParseError on EXEC(N'...') (see module docstring); the regex above matched the
        # whole batch exactly, so parse its two parts separately.
        guard = sqlglot.parse_one(f"SELECT {m.group('guard')}", read="tsql")
        assert guard.find(exp.Is) is not None
        inner = sqlglot.parse_one(m.group("inner"), read="tsql")
        assert isinstance(inner, exp.Create) and inner.kind == "SCHEMA"
        assert inner.this.db == "analytics" == m.group("schema")
        return
    _parse_guarded(batch)


def test_only_the_schema_batch_needs_the_workaround():
    special = [(n, i) for n, i, b in BATCHES if SCHEMA_EXEC_RE.match(b)]
    assert special == [("0002_analytics", 1)]
    # EXEC appears nowhere else.
    rest = "\n".join(_strip_comments(b) for n, i, b in BATCHES if (n, i) not in special)
    assert "EXEC" not in rest.upper()


def test_every_create_and_alter_is_guarded_by_the_matching_check():
    for name, number, guard, stmt in _guarded_statements():
        where = f"{name} batch {number}"
        if isinstance(stmt, exp.Create) and stmt.kind == "TABLE":
            table = _table_name(stmt.this.this)
            assert re.fullmatch(rf"OBJECT_ID\(N'{re.escape(table)}', N'U'\) IS NULL", guard), (where, guard)
        elif isinstance(stmt, exp.Create) and stmt.kind.endswith("INDEX"):
            index = stmt.this.name
            table = _table_name(stmt.this.args["table"])
            assert re.fullmatch(
                rf"NOT EXISTS\(SELECT 1 FROM sys\.indexes WHERE name = N'{index}' "
                rf"AND object_id = OBJECT_ID\(N'{re.escape(table)}'\)\)",
                guard,
            ), (where, guard)
        elif isinstance(stmt, exp.Alter):
            table = _table_name(stmt.this)
            (column,) = stmt.args["actions"]
            assert isinstance(column, exp.ColumnDef), where
            assert re.fullmatch(
                rf"COL_LENGTH\(N'{re.escape(table)}', N'{column.name}'\) IS NULL", guard
            ), (where, guard)
        elif isinstance(stmt, exp.Insert):
            # A seed row (the one-row catalogue), inserted only when its key is absent.
            table = _table_name(stmt.this.this)
            assert re.fullmatch(rf"NOT EXISTS\(SELECT 1 FROM {re.escape(table)} WHERE id = 1\)", guard), (where, guard)
        else:
            pytest.fail(f"{where}: unexpected statement {stmt.sql()[:80]}")


def test_no_drop_rename_or_rewrite():
    forbidden = re.compile(r"\b(DROP|RENAME|SP_RENAME|TRUNCATE|DELETE|UPDATE|MERGE|ALTER\s+COLUMN|"
                           r"DROP_EXISTING|REBUILD)\b", re.IGNORECASE)
    for m in MSSQL:
        # Referential actions are not statements: ON DELETE CASCADE / SET NULL are wanted.
        code = re.sub(r"\bON\s+DELETE\s+(CASCADE|SET\s+NULL)\b", "", _strip_comments(m.sql), flags=re.I)
        assert not forbidden.search(code), (m.name, forbidden.search(code).group(0))
        for batch in split_batches(m.sql):
            if SCHEMA_EXEC_RE.match(batch):
                continue
            for tree in sqlglot.parse(batch, read="tsql"):
                assert not list(tree.find_all(exp.Drop)), m.name
    for _, _, _, stmt in _guarded_statements():
        if isinstance(stmt, exp.Alter):
            assert all(isinstance(a, exp.ColumnDef) for a in stmt.args["actions"])


# --------------------------------------------------------------------------------------------- contents


def test_same_tables_and_columns_as_sqlite():
    tsql = _tsql_columns()
    lite = _sqlite_columns()
    assert sorted(tsql) == sorted(lite)
    for table in tsql:
        assert sorted(tsql[table]) == sorted(lite[table]), table
        for column, (kind, nullable) in tsql[table].items():
            other_kind, other_nullable = lite[table][column]
            if kind is None or other_kind is None:  # computed on both sides
                assert kind is None and other_kind is None, (table, column)
                continue
            assert kind == other_kind, (table, column, kind, other_kind)
            assert nullable == other_nullable, (table, column, nullable, other_nullable)


def _creates() -> dict[str, str]:
    """{table or index name: its CREATE statement in T-SQL}."""
    out = {}
    for _, _, _, stmt in _guarded_statements():
        if isinstance(stmt, exp.Create):
            key = _table_name(stmt.this.this) if stmt.kind == "TABLE" else stmt.this.name
            out[key] = stmt.sql(dialect="tsql")
    return out


def test_key_types_keys_and_defaults():
    c = _creates()
    s = c["dbo.schedules"]
    assert "schedule_id BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT PK_schedules PRIMARY KEY" in s
    assert "upload_timestamp DATETIMEOFFSET(3) NOT NULL CONSTRAINT DF_schedules_upload_timestamp DEFAULT SYSUTCDATETIME()" in s
    assert "checksum NVARCHAR(64) NOT NULL CONSTRAINT UQ_schedules_checksum UNIQUE" in s
    for table, pk in [("dbo.targets", "target_id"), ("dbo.altitude_constraints", "altitude_constraints_id"),
                      ("dbo.azimuth_constraints", "azimuth_constraints_id"), ("dbo.constraints", "constraints_id"),
                      ("dbo.scheduling_blocks", "scheduling_block_id")]:
        assert re.search(rf"\b{pk} BIGINT IDENTITY\(1, 1\) NOT NULL CONSTRAINT PK_\w+ PRIMARY KEY", c[table]), table
    for table in [t for t in c if t.startswith("analytics.")]:
        assert re.search(r"\bid BIGINT IDENTITY\(1, 1\) NOT NULL CONSTRAINT PK_\w+ PRIMARY KEY", c[table]), table
        assert re.search(r"\bschedule_id BIGINT NOT NULL\b", c[table]), table
        assert "created_at DATETIME2 NOT NULL CONSTRAINT" in c[table] and "DEFAULT SYSUTCDATETIME()" in c[table]
        assert "REFERENCES" not in c[table], f"{table}: analytics tables have no foreign keys"
    assert "UNIQUE (ra_deg, dec_deg, ra_pm_masyr, dec_pm_masyr, equinox)" in c["dbo.targets"]
    assert "UNIQUE (start_time_mjd, stop_time_mjd, altitude_constraints_id, azimuth_constraints_id)" in c["dbo.constraints"]
    assert "CHECK (ra_deg >= 0 AND ra_deg < 360)" in c["dbo.targets"]
    assert "CHECK (dec_deg >= -90 AND dec_deg <= 90)" in c["dbo.targets"]
    assert "UNIQUE (schedule_id, scheduling_block_id)" in c["analytics.schedule_blocks_analytics"]
    assert "schedule_id BIGINT NOT NULL CONSTRAINT UQ_summary_schedule UNIQUE" in c["analytics.schedule_summary_analytics"]
    assert "schedule_id BIGINT NOT NULL CONSTRAINT UQ_visibility_metadata UNIQUE" in c["analytics.schedule_visibility_metadata"]
    assert "priority_bucket TINYINT NOT NULL" in c["analytics.schedule_blocks_analytics"]
    assert "is_scheduled BIT NOT NULL" in c["analytics.schedule_blocks_analytics"]
    assert "visible_block_ids VARCHAR(MAX) NULL" in c["analytics.schedule_visibility_time_bins"]


def test_foreign_keys_and_delete_actions():
    c = _creates()
    ssb = c["dbo.schedule_scheduling_blocks"]
    assert "REFERENCES dbo.schedules (schedule_id) ON DELETE CASCADE" in ssb
    assert "REFERENCES dbo.scheduling_blocks (scheduling_block_id) ON DELETE CASCADE" in ssb
    assert "PRIMARY KEY (schedule_id, scheduling_block_id)" in ssb
    con = c["dbo.constraints"]
    assert "REFERENCES dbo.altitude_constraints (altitude_constraints_id) ON DELETE SET NULL" in con
    assert "REFERENCES dbo.azimuth_constraints (azimuth_constraints_id) ON DELETE SET NULL" in con
    sb = c["dbo.scheduling_blocks"]
    assert "REFERENCES dbo.targets (target_id)" in sb
    assert re.search(r"REFERENCES dbo\.\[?constraints\]? \(constraints_id\)", sb)


def test_computed_columns():
    def computed(table):
        (stmt,) = [s for _, _, _, s in _guarded_statements()
                   if isinstance(s, exp.Create) and s.kind == "TABLE" and _table_name(s.this.this) == table]
        out = {}
        for col in stmt.this.expressions:
            for k in col.args.get("constraints") or []:
                if isinstance(k.args.get("kind"), exp.ComputedColumnConstraint):
                    out[col.name] = k.args["kind"]
        return out

    ssb = computed("dbo.schedule_scheduling_blocks")
    assert list(ssb) == ["duration_sec"] and ssb["duration_sec"].args.get("persisted")
    sba = computed("analytics.schedule_blocks_analytics")
    assert sorted(sba) == ["elevation_range_deg", "is_impossible", "requested_hours", "scheduled_duration_sec"]


def test_indexes_and_filters():
    c = _creates()
    assert "INCLUDE (scheduling_block_id, start_time_mjd, stop_time_mjd)" in c["IX_ssb_schedule"]
    assert "ON dbo.schedule_scheduling_blocks(schedule_id)" in c["IX_ssb_schedule"]
    assert "ON dbo.scheduling_blocks(target_id)" in c["IX_scheduling_blocks_target"]
    assert "ON dbo.scheduling_blocks(constraints_id)" in c["IX_scheduling_blocks_constraints"]
    assert "ON analytics.schedule_visibility_time_bins(schedule_id, bin_start_unix)" in c["IX_visibility_time_bins_start"]
    assert "ON analytics.schedule_blocks_analytics(schedule_id)" in c["IX_sba_schedule"]
    assert "original_block_id" in c["IX_sba_schedule"]
    # Filtered indexes: SQL Server rejects computed columns in a filter (error 10609), so is_impossible's
    # index filters on its defining base expression.
    assert c["IX_sba_scheduled"].endswith("WHERE is_scheduled = 1")
    assert c["IX_sba_impossible"].endswith("WHERE total_visibility_hours = 0")
    assert "is_impossible" not in c["IX_sba_impossible"]


# --------------------------------------------------------------------------------------------- splitting


def test_split_basic_and_case_insensitive():
    assert split_batches("SELECT 1\nGO\nSELECT 2\ngo\n  Go  \nSELECT 3") == ["SELECT 1", "SELECT 2", "SELECT 3"]


def test_split_count_and_comment():
    assert split_batches("SELECT 1\nGO 3\nSELECT 2\nGO -- done\nSELECT 4\nGO 2 -- twice") == [
        "SELECT 1", "SELECT 1", "SELECT 1", "SELECT 2", "SELECT 4", "SELECT 4"]
    with pytest.raises(ValueError):
        split_batches("SELECT 1\nGO 0\n")


def test_split_ignores_go_inside_comments_strings_and_identifiers():
    script = (
        "/* outer\nGO\n/* nested\nGO\n*/ still comment\nGO\n*/\n"
        "SELECT 'it''s\nGO\nstill a string' AS a, [odd\nGO\nname], \"quoted\nGO\nname\"\n"
        "GO\n"
        "SELECT 2 -- GO in a line comment\n"
        "GO"
    )
    batches = split_batches(script)
    assert len(batches) == 2
    assert batches[0].startswith("/* outer") and batches[0].endswith("name\"")
    assert batches[1] == "SELECT 2 -- GO in a line comment"


def test_split_requires_go_alone_on_its_line():
    script = "SELECT 1 GO\nGOTO label\nGO;\nGOX\nlabel: SELECT 2"
    assert split_batches(script) == [script]


def test_split_drops_empty_batches_and_handles_crlf():
    assert split_batches("GO\n\n-- only a comment\nGO\n/* x */\nGO\n") == []
    assert split_batches("SELECT 1\r\nGO\r\nSELECT 2\r\n") == ["SELECT 1", "SELECT 2"]
    assert split_batches("") == []
    assert split_batches("SELECT 1") == ["SELECT 1"]


# --------------------------------------------------------------------------------------------- runner SQL


def test_ledger_ddl_of_the_runner():
    from tsi.db.migrate import MSSQL as dialect

    guard, stmt = _parse_guarded(dialect.create_ledger)
    assert guard.sql(dialect="tsql") == "OBJECT_ID(N'dbo.tsi_schema_migrations', N'U') IS NULL"
    assert isinstance(stmt, exp.Create) and _table_name(stmt.this.this) == "dbo.tsi_schema_migrations"
    cols = {c.name: c.args["kind"].sql(dialect="tsql") for c in stmt.this.expressions if isinstance(c, exp.ColumnDef)}
    # sqlglot spells INT as INTEGER when generating T-SQL (same type).
    assert cols == {"version": "INTEGER", "name": "NVARCHAR(200)", "script_sha256": "NVARCHAR(64)",
                    "applied_at": "DATETIMEOFFSET(3)"}
    assert "version INTEGER NOT NULL CONSTRAINT PK_tsi_schema_migrations PRIMARY KEY" in stmt.sql(dialect="tsql")
    sqlglot.parse_one(f"SELECT {dialect.now}", read="tsql")
    sqlglot.parse_one(dialect.ledger_exists, read="tsql")
