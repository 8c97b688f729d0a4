//! The dialect half of the storage split: the schema catalogue (tables, their column lists, the lookup tables)
//! and the primitives every statement is built from, for SQLite and for T-SQL. Differences: table names
//! (`analytics_X` vs `analytics.X`, `dbo.` prefix), returning inserted ids (`RETURNING` vs `OUTPUT INSERTED`),
//! NULL-safe comparison (`IS` vs an explicit `OR … IS NULL`), the ingest lock (`BEGIN IMMEDIATE` vs
//! `sp_getapplock` inside the transaction), the time function, text forms of timestamps, and the length
//! function used to size ODBC buffers. Parameters are positional `?` markers in both (rusqlite and ODBC bind
//! them in order). The statements themselves live beside their users, in an `impl Dialect` block of each
//! concern module (`ingest`, `schedules`, `load_legacy`, `load_etl`, `etl_write`, `accounts`); `statements`
//! lists them all.


/// Which SQL dialect statements are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    TSql,
    /// SQLite through a driver that hands every value over as text (SQLite's ODBC driver formats REAL with
    /// 15 significant digits): float result columns are selected as 17-digit text, which the driver's
    /// `strtod` turns back into the stored bits. Otherwise identical to `Sqlite`. `Store::open` picks it for
    /// `Backend::Odbc { dialect: Sqlite }`.
    SqliteText,
}

/// Tables the store touches (logical names; `Dialect::table` gives the physical one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Schedules,
    Targets,
    AltitudeConstraints,
    AzimuthConstraints,
    Constraints,
    SchedulingBlocks,
    ScheduleSchedulingBlocks,
    BlocksAnalytics,
    PriorityRates,
    VisibilityBins,
    HeatmapBins,
    VisibilityTimeBins,
    VisibilityDefaultBins,
    VisibilityDays,
    VisibilityMetadata,
    SummaryAnalytics,
}

/// Analytics tables, in ETL write order (the summary row last: it marks completion).
pub const ANALYTICS_TABLES: [Table; 9] = [
    Table::BlocksAnalytics,
    Table::PriorityRates,
    Table::VisibilityBins,
    Table::HeatmapBins,
    Table::VisibilityTimeBins,
    Table::VisibilityDefaultBins,
    Table::VisibilityDays,
    Table::VisibilityMetadata,
    Table::SummaryAnalytics,
];

impl Table {
    /// Name without schema (`schedule_blocks_analytics`, `schedules`, …).
    pub fn base_name(self) -> &'static str {
        match self {
            Table::Schedules => "schedules",
            Table::Targets => "targets",
            Table::AltitudeConstraints => "altitude_constraints",
            Table::AzimuthConstraints => "azimuth_constraints",
            Table::Constraints => "constraints",
            Table::SchedulingBlocks => "scheduling_blocks",
            Table::ScheduleSchedulingBlocks => "schedule_scheduling_blocks",
            Table::BlocksAnalytics => "schedule_blocks_analytics",
            Table::PriorityRates => "schedule_priority_rates",
            Table::VisibilityBins => "schedule_visibility_bins",
            Table::HeatmapBins => "schedule_heatmap_bins",
            Table::VisibilityTimeBins => "schedule_visibility_time_bins",
            Table::VisibilityDefaultBins => "schedule_visibility_default_bins",
            Table::VisibilityDays => "schedule_visibility_days",
            Table::VisibilityMetadata => "schedule_visibility_metadata",
            Table::SummaryAnalytics => "schedule_summary_analytics",
        }
    }

    pub fn is_analytics(self) -> bool {
        ANALYTICS_TABLES.contains(&self)
    }

    pub const ALL: [Table; 16] = [
        Table::Schedules,
        Table::Targets,
        Table::AltitudeConstraints,
        Table::AzimuthConstraints,
        Table::Constraints,
        Table::SchedulingBlocks,
        Table::ScheduleSchedulingBlocks,
        Table::BlocksAnalytics,
        Table::PriorityRates,
        Table::VisibilityBins,
        Table::HeatmapBins,
        Table::VisibilityTimeBins,
        Table::VisibilityDefaultBins,
        Table::VisibilityDays,
        Table::VisibilityMetadata,
        Table::SummaryAnalytics,
    ];

    /// Accepts `analytics_X`, `analytics.X`, `dbo.X` and `X` (the names people and the bench use).
    pub fn from_name(name: &str) -> Option<Table> {
        let n = name.trim();
        let (analytics, base) = if let Some(b) = n.strip_prefix("analytics_").or_else(|| n.strip_prefix("analytics.")) {
            (true, b)
        } else {
            (false, n.strip_prefix("dbo.").unwrap_or(n))
        };
        Table::ALL.into_iter().find(|t| t.is_analytics() == analytics && t.base_name() == base)
    }
}

/// SQL Server caps a statement at 2,100 parameters and a `VALUES` list at 1,000 rows.
pub const MAX_PARAMS: usize = 2000;
pub const MAX_VALUES_ROWS: usize = 1000;

pub const SCHEDULE_COLS: [&str; 9] = [
    "schedule_name",
    "checksum",
    "dark_periods_json",
    "source_format",
    "schedule_period_start_mjd",
    "schedule_period_stop_mjd",
    "site_lon_deg",
    "site_lat_deg",
    "site_height_m",
];

pub const BLOCK_COLS: [&str; 7] = [
    "target_id",
    "constraints_id",
    "priority",
    "min_observation_sec",
    "requested_duration_sec",
    "visibility_periods_json",
    "original_block_id",
];

pub const MEMBERSHIP_COLS: [&str; 4] = ["schedule_id", "scheduling_block_id", "start_time_mjd", "stop_time_mjd"];

/// A get-or-create lookup table: id column, natural key columns (nullable or not), extra insert columns.
#[derive(Debug, Clone, Copy)]
pub struct Lookup {
    pub table: Table,
    pub id: &'static str,
    pub keys: &'static [(&'static str, bool)],
    /// Inserted before the key columns (targets: `name`).
    pub extra: &'static [&'static str],
}

pub const TARGETS: Lookup = Lookup {
    table: Table::Targets,
    id: "target_id",
    keys: &[("ra_deg", false), ("dec_deg", false), ("ra_pm_masyr", false), ("dec_pm_masyr", false), ("equinox", false)],
    extra: &["name"],
};
pub const ALTITUDES: Lookup =
    Lookup { table: Table::AltitudeConstraints, id: "altitude_constraints_id", keys: &[("min_alt_deg", false), ("max_alt_deg", false)], extra: &[] };
pub const AZIMUTHS: Lookup =
    Lookup { table: Table::AzimuthConstraints, id: "azimuth_constraints_id", keys: &[("min_az_deg", false), ("max_az_deg", false)], extra: &[] };
pub const CONSTRAINT_SETS: Lookup = Lookup {
    table: Table::Constraints,
    id: "constraints_id",
    keys: &[("start_time_mjd", true), ("stop_time_mjd", true), ("altitude_constraints_id", true), ("azimuth_constraints_id", true)],
    extra: &[],
};

impl Lookup {
    /// Parameters one key takes in the lookup SELECT.
    pub fn select_params_per_key(&self, d: Dialect) -> usize {
        self.keys.iter().map(|(_, nullable)| d.null_safe_params(*nullable)).sum()
    }
}

pub(crate) fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 3);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('?');
    }
    s
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite | Dialect::SqliteText => "sqlite",
            Dialect::TSql => "tsql",
        }
    }

    /// A float result column: as is, or as exact text for `SqliteText`.
    pub fn fcol(self, expr: &str) -> String {
        match self {
            Dialect::SqliteText => format!("CASE WHEN {expr} IS NULL THEN NULL ELSE printf('%!.17g', {expr}) END"),
            _ => expr.to_string(),
        }
    }

    pub(crate) fn fcols(self, exprs: &[&str]) -> String {
        exprs.iter().map(|e| self.fcol(e)).collect::<Vec<_>>().join(", ")
    }

    /// Physical table name.
    pub fn table(self, t: Table) -> String {
        match self {
            Dialect::Sqlite | Dialect::SqliteText if t.is_analytics() => format!("analytics_{}", t.base_name()),
            Dialect::Sqlite | Dialect::SqliteText => t.base_name().to_string(),
            Dialect::TSql if t.is_analytics() => format!("analytics.{}", t.base_name()),
            // CONSTRAINTS is not reserved, but the migrations bracket it; do the same.
            Dialect::TSql if t == Table::Constraints => "dbo.[constraints]".to_string(),
            Dialect::TSql => format!("dbo.{}", t.base_name()),
        }
    }

    /// Rows per multi-row statement for a row of `params_per_row` parameters.
    pub fn rows_per_statement(self, params_per_row: usize) -> usize {
        (MAX_PARAMS / params_per_row.max(1)).clamp(1, MAX_VALUES_ROWS)
    }

    /// The current UTC time in the text form of the column defaults (SQLite) / as DATETIME2 (T-SQL).
    pub fn now(self) -> &'static str {
        match self {
            Dialect::Sqlite | Dialect::SqliteText => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            Dialect::TSql => "SYSUTCDATETIME()",
        }
    }

    /// A timestamp column as ISO-8601 UTC text with milliseconds (`2025-01-31T12:00:00.000Z`). SQLite stores
    /// that text already; T-SQL converts DATETIMEOFFSET / DATETIME2 (both written in UTC).
    pub fn timestamp_text(self, col: &str, with_offset: bool) -> String {
        match self {
            Dialect::Sqlite | Dialect::SqliteText => col.to_string(),
            Dialect::TSql => {
                let utc = if with_offset { format!("SWITCHOFFSET({col}, '+00:00')") } else { col.to_string() };
                format!("REPLACE(CONVERT(NVARCHAR(23), CAST({utc} AS DATETIME2(3)), 121), ' ', 'T') + 'Z'")
            }
        }
    }

    /// Length in bytes of a text or binary value (used to size ODBC buffers).
    pub fn length_fn(self) -> &'static str {
        match self {
            Dialect::Sqlite | Dialect::SqliteText => "length",
            Dialect::TSql => "DATALENGTH",
        }
    }

    pub fn null_safe_params(self, nullable: bool) -> usize {
        match (self, nullable) {
            (Dialect::TSql, true) => 2,
            _ => 1,
        }
    }

    /// `col` equals the next parameter, NULL equal to NULL when `nullable`. T-SQL takes the value twice.
    pub fn null_safe_eq(self, col: &str, nullable: bool) -> String {
        match (self, nullable) {
            (_, false) => format!("{col} = ?"),
            (Dialect::Sqlite | Dialect::SqliteText, true) => format!("{col} IS ?"),
            (Dialect::TSql, true) => format!("({col} = ? OR ({col} IS NULL AND ? IS NULL))"),
        }
    }

    /// Explicit statement that begins the ingest/admin write transaction, if the dialect uses one; None =
    /// the transport begins it (ODBC: autocommit off).
    pub fn begin_sql(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite | Dialect::SqliteText => Some("BEGIN IMMEDIATE"),
            Dialect::TSql => None,
        }
    }

    /// Statement starting a read-only transaction: the reads of one flow (facts, analytics state, blocks,
    /// aggregates) then see one snapshot. SQLite: a deferred transaction (a WAL read snapshot, no write lock);
    /// SQL Server: the driver's default (READ COMMITTED SNAPSHOT gives statement-level snapshots).
    pub fn begin_read_sql(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite | Dialect::SqliteText => Some("BEGIN DEFERRED"),
            Dialect::TSql => None,
        }
    }

    /// Statements run once on every new connection.
    pub fn session_setup(self) -> &'static [&'static str] {
        match self {
            Dialect::Sqlite | Dialect::SqliteText => &["PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 30000"],
            // Any error rolls back the whole transaction (no half-applied batch survives).
            Dialect::TSql => &["SET XACT_ABORT ON"],
        }
    }

    /// Multi-row INSERT of `nrows` rows, optionally returning columns of the inserted rows.
    pub fn insert(self, t: Table, cols: &[&str], nrows: usize, returning: &[&str]) -> String {
        let row = format!("({})", placeholders(cols.len()));
        let mut values = String::with_capacity(nrows * (row.len() + 2));
        for i in 0..nrows {
            if i > 0 {
                values.push_str(", ");
            }
            values.push_str(&row);
        }
        let table = self.table(t);
        let cols = cols.join(", ");
        match (self, returning.is_empty()) {
            (_, true) => format!("INSERT INTO {table} ({cols}) VALUES {values}"),
            (Dialect::Sqlite | Dialect::SqliteText, false) => {
                format!("INSERT INTO {table} ({cols}) VALUES {values} RETURNING {}", returning.join(", "))
            }
            (Dialect::TSql, false) => {
                let out: Vec<String> = returning.iter().map(|c| format!("INSERTED.{c}")).collect();
                format!("INSERT INTO {table} ({cols}) OUTPUT {} VALUES {values}", out.join(", "))
            }
        }
    }
}

/// Every statement text the T-SQL dialect can emit (multi-row forms at one, two and the maximum number of
/// rows), for parsing by a T-SQL parser in the Python test suite.
pub fn tsql_statements() -> Vec<String> {
    statements(Dialect::TSql)
}

/// Every statement text a dialect can emit (see `tsql_statements`): the session and transaction statements,
/// then each concern module's own.
pub fn statements(d: Dialect) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    v.extend(d.session_setup().iter().map(|s| s.to_string()));
    v.extend(d.begin_sql().map(str::to_string));
    v.extend(d.ingest_statements());
    v.extend(d.schedule_statements());
    v.extend(d.legacy_load_statements());
    v.extend(d.etl_load_statements());
    v.extend(d.etl_write_statements());
    v.extend(d.account_statements());
    v.extend(d.parity_log_statements());
    v
}

/// The row counts a multi-row statement is listed at: one, two and the most a statement takes.
pub(crate) fn multi_row_sizes(d: Dialect, params_per_row: usize) -> Vec<usize> {
    let mut s = vec![1, 2, d.rows_per_statement(params_per_row)];
    s.dedup();
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count_markers(s: &str) -> usize {
        s.matches('?').count()
    }

    #[test]
    fn table_names() {
        assert_eq!(Dialect::Sqlite.table(Table::BlocksAnalytics), "analytics_schedule_blocks_analytics");
        assert_eq!(Dialect::TSql.table(Table::BlocksAnalytics), "analytics.schedule_blocks_analytics");
        assert_eq!(Dialect::TSql.table(Table::Constraints), "dbo.[constraints]");
        assert_eq!(Dialect::TSql.table(Table::Schedules), "dbo.schedules");
        assert_eq!(Table::from_name("analytics_schedule_blocks_analytics"), Some(Table::BlocksAnalytics));
        assert_eq!(Table::from_name("analytics.schedule_summary_analytics"), Some(Table::SummaryAnalytics));
        assert_eq!(Table::from_name("dbo.targets"), Some(Table::Targets));
        assert_eq!(Table::from_name("schedule_blocks_analytics"), None);
    }

    #[test]
    fn tsql_inserts_use_output_and_stay_within_limits() {
        let d = Dialect::TSql;
        let s = d.insert_blocks(2);
        assert!(s.contains("OUTPUT INSERTED.scheduling_block_id, INSERTED.original_block_id VALUES"), "{s}");
        assert!(!s.contains("RETURNING"));
        let s = Dialect::Sqlite.insert_blocks(1);
        assert!(s.ends_with("RETURNING scheduling_block_id, original_block_id"), "{s}");
        for s in tsql_statements() {
            assert!(count_markers(&s) <= 2100, "too many parameters: {}", &s[..80.min(s.len())]);
            assert!(!s.contains("RETURNING") && !s.contains("strftime") && !s.contains(" IS ?"), "{s}");
            assert!(!s.contains("analytics_schedule"), "{s}");
            assert!(s.matches("VALUES (").count() <= 1);
        }
        assert_eq!(d.rows_per_statement(21), 95);
        assert_eq!(d.rows_per_statement(1), 1000);
    }

    #[test]
    fn null_safe_comparison() {
        assert_eq!(Dialect::Sqlite.null_safe_eq("a", true), "a IS ?");
        assert_eq!(Dialect::TSql.null_safe_eq("a", true), "(a = ? OR (a IS NULL AND ? IS NULL))");
        assert_eq!(Dialect::TSql.null_safe_eq("a", false), "a = ?");
        let s = Dialect::TSql.lookup_select(&CONSTRAINT_SETS, 3);
        assert_eq!(count_markers(&s), 3 * CONSTRAINT_SETS.select_params_per_key(Dialect::TSql));
        assert_eq!(CONSTRAINT_SETS.select_params_per_key(Dialect::TSql), 8);
        assert_eq!(CONSTRAINT_SETS.select_params_per_key(Dialect::Sqlite), 4);
    }

    #[test]
    fn lock_and_time() {
        let lock = Dialect::TSql.ingest_lock_sql().unwrap();
        assert!(lock.contains("sp_getapplock @Resource = N'tsi_ingest', @LockMode = N'Exclusive', @LockOwner = N'Transaction'"));
        assert_eq!(Dialect::Sqlite.begin_sql(), Some("BEGIN IMMEDIATE"));
        assert!(Dialect::TSql.insert_summary().contains("SYSUTCDATETIME()"));
        assert!(Dialect::Sqlite.insert_summary().contains("strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"));
    }

    /// Writes every T-SQL statement to `target/tsql_statements.sql` (one per batch, `GO`-separated) for
    /// inspection and for parsers that read files.
    #[test]
    fn tsql_statements_file() {
        let stmts = tsql_statements();
        assert!(stmts.len() > 60);
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
        let _ = std::fs::create_dir_all(&target);
        let mut text = String::new();
        for s in &stmts {
            text.push_str(s);
            text.push_str("\nGO\n");
        }
        std::fs::write(target.join("tsql_statements.sql"), text).unwrap();
    }
}
