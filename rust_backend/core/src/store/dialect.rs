//! The dialect half of the storage split: the SQL text of every statement the store runs, for SQLite and
//! for T-SQL. Differences: table names (`analytics_X` vs `analytics.X`, `dbo.` prefix), returning inserted
//! ids (`RETURNING` vs `OUTPUT INSERTED`), NULL-safe comparison (`IS` vs an explicit `OR … IS NULL`), the
//! ingest lock (`BEGIN IMMEDIATE` vs `sp_getapplock` inside the transaction), the time function, text forms
//! of timestamps, and the length function used to size ODBC buffers. Parameters are positional `?`
//! markers in both (rusqlite and ODBC bind them in order).

use crate::blockset::{BlockCol, BlockCols};

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

/// Summary columns in table order (also the order of the summary INSERT).
pub const SUMMARY_COLS: [&str; 42] = [
    "total_blocks",
    "scheduled_blocks",
    "unscheduled_blocks",
    "impossible_blocks",
    "scheduling_rate",
    "priority_min",
    "priority_max",
    "priority_mean",
    "priority_median",
    "priority_std",
    "priority_scheduled_mean",
    "priority_scheduled_median",
    "priority_unscheduled_mean",
    "priority_unscheduled_median",
    "visibility_total_hours",
    "visibility_mean_hours",
    "visibility_median_hours",
    "visibility_min_hours",
    "visibility_max_hours",
    "requested_total_hours",
    "requested_mean_hours",
    "requested_median_hours",
    "requested_min_hours",
    "requested_max_hours",
    "scheduled_total_hours",
    "scheduled_mean_hours",
    "elevation_mean_deg",
    "elevation_min_deg",
    "elevation_max_deg",
    "ra_min",
    "ra_max",
    "dec_min",
    "dec_max",
    "scheduled_time_min_mjd",
    "scheduled_time_max_mjd",
    "corr_priority_visibility",
    "corr_priority_requested",
    "corr_visibility_requested",
    "corr_priority_elevation",
    "corr_visibility_elevation",
    "corr_requested_elevation",
    "conflict_count",
];

pub const BLOCKS_ANALYTICS_COLS: [&str; 21] = [
    "schedule_id",
    "scheduling_block_id",
    "original_block_id",
    "target_ra_deg",
    "target_dec_deg",
    "priority",
    "priority_bucket",
    "requested_duration_sec",
    "min_observation_sec",
    "min_altitude_deg",
    "max_altitude_deg",
    "min_azimuth_deg",
    "max_azimuth_deg",
    "fixed_time_start_mjd",
    "fixed_time_stop_mjd",
    "is_scheduled",
    "scheduled_start_mjd",
    "scheduled_stop_mjd",
    "total_visibility_hours",
    "visibility_period_count",
    "visibility_intervals",
];

pub const PRIORITY_RATES_COLS: [&str; 11] = [
    "schedule_id",
    "priority_value",
    "total_count",
    "scheduled_count",
    "unscheduled_count",
    "impossible_count",
    "scheduling_rate",
    "visibility_mean_hours",
    "visibility_total_hours",
    "requested_mean_hours",
    "requested_total_hours",
];

pub const VISIBILITY_BINS_COLS: [&str; 9] = [
    "schedule_id",
    "bin_index",
    "bin_min_hours",
    "bin_max_hours",
    "bin_mid_hours",
    "total_count",
    "scheduled_count",
    "scheduling_rate",
    "priority_mean",
];

pub const HEATMAP_COLS: [&str; 8] = [
    "schedule_id",
    "visibility_bin_index",
    "time_bin_index",
    "visibility_mid_hours",
    "time_mid_hours",
    "total_count",
    "scheduled_count",
    "scheduling_rate",
];

/// `visible_block_ids` is not written: it stays NULL (data-model.md §3).
pub const TIME_BINS_COLS: [&str; 11] = [
    "schedule_id",
    "bin_index",
    "bin_start_unix",
    "bin_end_unix",
    "total_visible_count",
    "priority_q1_count",
    "priority_q2_count",
    "priority_q3_count",
    "priority_q4_count",
    "scheduled_visible_count",
    "unscheduled_visible_count",
];

pub const METADATA_COLS: [&str; 14] = [
    "schedule_id",
    "time_range_start_unix",
    "time_range_end_unix",
    "bin_duration_seconds",
    "total_bins",
    "total_blocks",
    "blocks_with_visibility",
    "priority_min",
    "priority_max",
    "max_visible_in_bin",
    "mean_visible_per_bin",
    "etl_duration_ms",
    "merged_interval_count",
    "default_view_bins",
];

/// The block columns the ETL loader can read, indexed by `BlockCol` (`etl_blocks`; the interval blob apart).
pub const ETL_BLOCK_COLS: [&str; 17] = [
    "scheduling_block_id",
    "original_block_id",
    "target_ra_deg",
    "target_dec_deg",
    "priority",
    "requested_duration_sec",
    "min_observation_sec",
    "min_altitude_deg",
    "max_altitude_deg",
    "min_azimuth_deg",
    "max_azimuth_deg",
    "fixed_time_start_mjd",
    "fixed_time_stop_mjd",
    "scheduled_start_mjd",
    "scheduled_stop_mjd",
    "visibility_period_count",
    "total_visibility_hours",
];

/// `schedule_visibility_default_bins` has the columns of `schedule_visibility_time_bins`.
pub const DAYS_COLS: [&str; 4] = ["schedule_id", "day_index", "visible_blocks", "visible_block_seconds"];

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

fn placeholders(n: usize) -> String {
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

    fn fcols(self, exprs: &[&str]) -> String {
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

    /// Statement taking the exclusive ingest lock inside the transaction; returns one row with the lock
    /// result (negative = not granted). None when the transaction itself is the lock (SQLite).
    pub fn ingest_lock_sql(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite | Dialect::SqliteText => None,
            Dialect::TSql => Some(
                "SET NOCOUNT ON; DECLARE @tsi_lock INT; \
                 EXEC @tsi_lock = sp_getapplock @Resource = N'tsi_ingest', @LockMode = N'Exclusive', \
                 @LockOwner = N'Transaction', @LockTimeout = 30000; SELECT @tsi_lock AS lock_result",
            ),
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

    /// Existing rows of a lookup table for `nkeys` natural keys: `SELECT id, k1, … WHERE (k = ? …) OR …`.
    pub fn lookup_select(self, l: &Lookup, nkeys: usize) -> String {
        let one = l.keys.iter().map(|(c, n)| self.null_safe_eq(c, *n)).collect::<Vec<_>>().join(" AND ");
        let cond = (0..nkeys).map(|_| format!("({one})")).collect::<Vec<_>>().join(" OR ");
        let cols = self.fcols(&l.keys.iter().map(|(c, _)| *c).collect::<Vec<_>>());
        format!("SELECT {}, {cols} FROM {} WHERE {cond}", l.id, self.table(l.table))
    }

    /// Multi-row insert into a lookup table returning the id and the key columns.
    pub fn lookup_insert(self, l: &Lookup, nrows: usize) -> String {
        let mut cols: Vec<&str> = l.extra.to_vec();
        cols.extend(l.keys.iter().map(|(c, _)| *c));
        let mut ret = vec![l.id.to_string()];
        ret.extend(l.keys.iter().map(|(c, _)| self.fcol(c)));
        let ret: Vec<&str> = ret.iter().map(String::as_str).collect();
        self.insert(l.table, &cols, nrows, &ret)
    }

    pub fn insert_schedule(self) -> String {
        self.insert(Table::Schedules, &SCHEDULE_COLS, 1, &["schedule_id"])
    }

    pub fn insert_blocks(self, nrows: usize) -> String {
        self.insert(Table::SchedulingBlocks, &BLOCK_COLS, nrows, &["scheduling_block_id", "original_block_id"])
    }

    pub fn insert_membership(self, nrows: usize) -> String {
        self.insert(Table::ScheduleSchedulingBlocks, &MEMBERSHIP_COLS, nrows, &[])
    }

    /// The one-row catalogue table (migration 0006), outside the `Table` catalogue of schedule data.
    fn catalogue_table(self) -> &'static str {
        match self {
            Dialect::Sqlite | Dialect::SqliteText => "tsi_catalogue",
            Dialect::TSql => "dbo.tsi_catalogue",
        }
    }

    pub fn catalogue_generation(self) -> String {
        format!("SELECT generation FROM {} WHERE id = 1", self.catalogue_table())
    }

    pub fn bump_generation(self) -> String {
        format!("UPDATE {} SET generation = generation + 1 WHERE id = 1", self.catalogue_table())
    }

    pub fn schedule_id_by_checksum(self) -> String {
        format!("SELECT schedule_id FROM {} WHERE checksum = ?", self.table(Table::Schedules))
    }

    pub fn checksum_of(self) -> String {
        format!("SELECT checksum FROM {} WHERE schedule_id = ?", self.table(Table::Schedules))
    }

    /// Parameters: sentinel, sentinel, only, only.
    pub fn list_schedules(self) -> String {
        let m = self.table(Table::ScheduleSchedulingBlocks);
        format!(
            "SELECT s.schedule_id, s.schedule_name, {ts}, s.checksum,
                (SELECT COUNT(*) FROM {m} m WHERE m.schedule_id = s.schedule_id),
                (SELECT COUNT(*) FROM {m} m WHERE m.schedule_id = s.schedule_id
                    AND m.start_time_mjd IS NOT NULL AND m.stop_time_mjd IS NOT NULL
                    AND (? IS NULL OR ABS(m.start_time_mjd - ?) > 1e-6))
             FROM {s} s WHERE (? IS NULL OR s.schedule_id = ?) ORDER BY s.schedule_id DESC",
            ts = self.timestamp_text("s.upload_timestamp", true),
            s = self.table(Table::Schedules),
        )
    }

    pub fn summary_state(self) -> String {
        format!(
            "SELECT etl_version, source_checksum, {}, {} FROM {} WHERE schedule_id = ?",
            self.fcol("unscheduled_sentinel_mjd"),
            self.timestamp_text("updated_at", false),
            self.table(Table::SummaryAnalytics)
        )
    }

    pub fn metadata_exists(self) -> String {
        format!("SELECT 1 FROM {} WHERE schedule_id = ?", self.table(Table::VisibilityMetadata))
    }

    /// The facts of the metadata row the ETL loaders use: block and merged-interval counts (capacities; the
    /// interval count is NULL before migration 0004), the schedule range, and the number of stored
    /// default-view bins (NULL: not stored, analytics written before 0005).
    pub fn stored_meta(self) -> String {
        format!(
            "SELECT total_blocks, merged_interval_count, time_range_start_unix, time_range_end_unix, default_view_bins
             FROM {} WHERE schedule_id = ?",
            self.table(Table::VisibilityMetadata)
        )
    }

    pub fn header(self) -> String {
        format!(
            "SELECT schedule_name, checksum, {} FROM {} WHERE schedule_id = ?",
            self.timestamp_text("upload_timestamp", true),
            self.table(Table::Schedules)
        )
    }

    pub fn schedule_exists(self) -> String {
        format!("SELECT 1 FROM {} WHERE schedule_id = ?", self.table(Table::Schedules))
    }

    pub fn delete_for_schedule(self, t: Table) -> String {
        format!("DELETE FROM {} WHERE schedule_id = ?", self.table(t))
    }

    pub fn member_block_ids(self) -> String {
        format!("SELECT scheduling_block_id FROM {} WHERE schedule_id = ?", self.table(Table::ScheduleSchedulingBlocks))
    }

    /// Delete `n` of the given blocks unless another schedule still references them.
    pub fn delete_orphan_blocks(self, n: usize) -> String {
        let b = self.table(Table::SchedulingBlocks);
        format!(
            "DELETE FROM {b} WHERE scheduling_block_id IN ({})
               AND NOT EXISTS (SELECT 1 FROM {m} m WHERE m.scheduling_block_id = {b}.scheduling_block_id)",
            placeholders(n),
            m = self.table(Table::ScheduleSchedulingBlocks),
        )
    }

    /// Parameters: only, only.
    pub fn schedules_for_status(self) -> String {
        format!(
            "SELECT schedule_id, schedule_name, checksum FROM {} WHERE (? IS NULL OR schedule_id = ?) ORDER BY schedule_id",
            self.table(Table::Schedules)
        )
    }

    pub fn source_checksum(self) -> String {
        format!("SELECT source_checksum FROM {} WHERE schedule_id = ?", self.table(Table::SummaryAnalytics))
    }

    pub fn etl_duration(self) -> String {
        format!("SELECT etl_duration_ms FROM {} WHERE schedule_id = ?", self.table(Table::VisibilityMetadata))
    }

    pub fn count_for_schedule(self, t: Table) -> String {
        format!("SELECT COUNT(*) FROM {} WHERE schedule_id = ?", self.table(t))
    }

    pub fn all_schedule_ids(self) -> String {
        format!("SELECT schedule_id FROM {} ORDER BY schedule_id", self.table(Table::Schedules))
    }

    pub fn raw_scan(self, t: Table, cols: &[String]) -> String {
        format!("SELECT {} FROM {} WHERE schedule_id = ?", cols.join(", "), self.table(t))
    }

    pub fn facts(self, dark_periods: bool) -> String {
        format!(
            "SELECT schedule_name, checksum, {} FROM {} WHERE schedule_id = ?",
            if dark_periods { "dark_periods_json" } else { "NULL" },
            self.table(Table::Schedules)
        )
    }

    fn legacy_from(self) -> String {
        format!(
            "FROM {m} m
               JOIN {b} b ON b.scheduling_block_id = m.scheduling_block_id
               JOIN {t} t ON t.target_id = b.target_id
               LEFT JOIN {c} c ON c.constraints_id = b.constraints_id
               LEFT JOIN {ac} ac ON ac.altitude_constraints_id = c.altitude_constraints_id
               LEFT JOIN {az} az ON az.azimuth_constraints_id = c.azimuth_constraints_id
               WHERE m.schedule_id = ?",
            m = self.table(Table::ScheduleSchedulingBlocks),
            b = self.table(Table::SchedulingBlocks),
            t = self.table(Table::Targets),
            c = self.table(Table::Constraints),
            ac = self.table(Table::AltitudeConstraints),
            az = self.table(Table::AzimuthConstraints),
        )
    }

    /// The legacy loader's join. Without visibility the JSON column is not selected (`NULL` instead), which
    /// keeps SQLite from reading its overflow pages.
    pub fn legacy_blocks(self, with_visibility: bool) -> String {
        format!(
            "SELECT b.scheduling_block_id, b.original_block_id, {f1},
                    b.requested_duration_sec, b.min_observation_sec, {f2}, {vis}
             {from}
             ORDER BY b.scheduling_block_id",
            f1 = self.fcols(&["t.ra_deg", "t.dec_deg", "b.priority"]),
            f2 = self.fcols(&[
                "ac.min_alt_deg",
                "ac.max_alt_deg",
                "az.min_az_deg",
                "az.max_az_deg",
                "c.start_time_mjd",
                "c.stop_time_mjd",
                "m.start_time_mjd",
                "m.stop_time_mjd",
            ]),
            vis = if with_visibility { "b.visibility_periods_json" } else { "NULL" },
            from = self.legacy_from()
        )
    }

    /// Longest stored visibility JSON of a schedule (bytes), to size fetch buffers.
    pub fn legacy_max_json_len(self) -> String {
        format!("SELECT MAX({}(b.visibility_periods_json)) {}", self.length_fn(), self.legacy_from())
    }

    /// The ETL loader. Without intervals the blob is not selected.
    /// The ETL loader's block query: `cols` in `BlockCol` order, then the interval blob when asked for.
    pub fn etl_blocks(self, cols: BlockCols, intervals: bool) -> String {
        let mut select: Vec<String> = cols
            .iter()
            .map(|c| {
                let name = ETL_BLOCK_COLS[c as usize];
                if c.is_float() { self.fcol(name) } else { name.to_string() }
            })
            .collect();
        if intervals {
            select.push("visibility_intervals".to_string());
        }
        format!(
            "SELECT {} FROM {} WHERE schedule_id = ? ORDER BY scheduling_block_id",
            select.join(", "),
            self.table(Table::BlocksAnalytics)
        )
    }

    pub fn etl_max_blob_len(self) -> String {
        format!(
            "SELECT MAX({}(visibility_intervals)) FROM {} WHERE schedule_id = ?",
            self.length_fn(),
            self.table(Table::BlocksAnalytics)
        )
    }

    pub fn priority_rates(self) -> String {
        format!(
            "SELECT priority_value, total_count, scheduled_count, unscheduled_count, impossible_count, {}
             FROM {} WHERE schedule_id = ? ORDER BY priority_value",
            self.fcols(&[
                "scheduling_rate",
                "visibility_mean_hours",
                "visibility_total_hours",
                "requested_mean_hours",
                "requested_total_hours"
            ]),
            self.table(Table::PriorityRates)
        )
    }

    pub fn visibility_bins(self) -> String {
        format!(
            "SELECT bin_index, {}, total_count, scheduled_count, {}
             FROM {} WHERE schedule_id = ? ORDER BY bin_index",
            self.fcols(&["bin_min_hours", "bin_max_hours", "bin_mid_hours"]),
            self.fcols(&["scheduling_rate", "priority_mean"]),
            self.table(Table::VisibilityBins)
        )
    }

    pub fn heatmap(self) -> String {
        format!(
            "SELECT visibility_bin_index, time_bin_index, {}, total_count, scheduled_count, {}
             FROM {} WHERE schedule_id = ? ORDER BY visibility_bin_index, time_bin_index",
            self.fcols(&["visibility_mid_hours", "time_mid_hours"]),
            self.fcol("scheduling_rate"),
            self.table(Table::HeatmapBins)
        )
    }

    pub fn time_bins(self) -> String {
        self.time_bin_rows(Table::VisibilityTimeBins)
    }

    /// The stored default-view histogram (same columns as the 900-s bins).
    pub fn default_bins(self) -> String {
        self.time_bin_rows(Table::VisibilityDefaultBins)
    }

    fn time_bin_rows(self, t: Table) -> String {
        format!(
            "SELECT bin_index, bin_start_unix, bin_end_unix, total_visible_count, priority_q1_count, priority_q2_count,
                    priority_q3_count, priority_q4_count, scheduled_visible_count, unscheduled_visible_count
             FROM {} WHERE schedule_id = ? ORDER BY bin_index",
            self.table(t)
        )
    }

    pub fn visibility_days(self) -> String {
        format!(
            "SELECT day_index, visible_blocks, {} FROM {} WHERE schedule_id = ? ORDER BY day_index",
            self.fcols(&["visible_block_seconds"]),
            self.table(Table::VisibilityDays)
        )
    }

    pub fn summary(self) -> String {
        // Counts (columns 0-3 and the last) are integers, every other summary column a float.
        let cols: Vec<String> = SUMMARY_COLS
            .iter()
            .enumerate()
            .map(|(k, c)| if k < 4 || k == SUMMARY_COLS.len() - 1 { c.to_string() } else { self.fcol(c) })
            .collect();
        format!("SELECT {} FROM {} WHERE schedule_id = ?", cols.join(", "), self.table(Table::SummaryAnalytics))
    }

    /// The summary row (schedule_id, the summary columns, etl_version, source_checksum, sentinel) stamped now.
    pub fn insert_summary(self) -> String {
        format!(
            "INSERT INTO {} (schedule_id, {}, etl_version, source_checksum, unscheduled_sentinel_mjd, updated_at)
             VALUES ({}, {})",
            self.table(Table::SummaryAnalytics),
            SUMMARY_COLS.join(", "),
            placeholders(SUMMARY_COLS.len() + 4),
            self.now()
        )
    }
}

/// Every statement text the T-SQL dialect can emit (multi-row forms at one, two and the maximum number of
/// rows), for parsing by a T-SQL parser in the Python test suite.
pub fn tsql_statements() -> Vec<String> {
    statements(Dialect::TSql)
}

/// Every statement text a dialect can emit (see `tsql_statements`).
pub fn statements(d: Dialect) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    let sizes = |ppr: usize| {
        let mut s = vec![1, 2, d.rows_per_statement(ppr)];
        s.dedup();
        s
    };
    v.extend(d.session_setup().iter().map(|s| s.to_string()));
    v.extend(d.begin_sql().map(str::to_string));
    v.extend(d.ingest_lock_sql().map(str::to_string));
    v.push(d.insert_schedule());
    for l in [TARGETS, ALTITUDES, AZIMUTHS, CONSTRAINT_SETS] {
        for n in sizes(l.select_params_per_key(d)) {
            v.push(d.lookup_select(&l, n));
        }
        for n in sizes(l.extra.len() + l.keys.len()) {
            v.push(d.lookup_insert(&l, n));
        }
    }
    for n in sizes(BLOCK_COLS.len()) {
        v.push(d.insert_blocks(n));
    }
    for n in sizes(MEMBERSHIP_COLS.len()) {
        v.push(d.insert_membership(n));
    }
    v.push(d.schedule_id_by_checksum());
    v.push(d.catalogue_generation());
    v.push(d.bump_generation());
    v.push(d.checksum_of());
    v.push(d.list_schedules());
    v.push(d.summary_state());
    v.push(d.metadata_exists());
    v.push(d.stored_meta());
    v.push(d.header());
    v.push(d.schedule_exists());
    for t in ANALYTICS_TABLES {
        v.push(d.delete_for_schedule(t));
        v.push(d.count_for_schedule(t));
    }
    v.push(d.delete_for_schedule(Table::Schedules));
    v.push(d.member_block_ids());
    for n in sizes(1) {
        v.push(d.delete_orphan_blocks(n));
    }
    v.push(d.schedules_for_status());
    v.push(d.source_checksum());
    v.push(d.etl_duration());
    v.push(d.all_schedule_ids());
    v.push(d.raw_scan(Table::BlocksAnalytics, &["priority".into(), "total_visibility_hours".into()]));
    v.push(d.facts(true));
    v.push(d.facts(false));
    for b in [true, false] {
        v.push(d.legacy_blocks(b));
        v.push(d.etl_blocks(BlockCols::ALL, b));
    }
    v.push(d.etl_blocks(BlockCols::of(&[BlockCol::Priority]), false));
    v.push(d.legacy_max_json_len());
    v.push(d.etl_max_blob_len());
    v.push(d.priority_rates());
    v.push(d.visibility_bins());
    v.push(d.heatmap());
    v.push(d.time_bins());
    v.push(d.default_bins());
    v.push(d.visibility_days());
    v.push(d.summary());
    for (t, cols) in [
        (Table::BlocksAnalytics, &BLOCKS_ANALYTICS_COLS[..]),
        (Table::PriorityRates, &PRIORITY_RATES_COLS[..]),
        (Table::VisibilityBins, &VISIBILITY_BINS_COLS[..]),
        (Table::HeatmapBins, &HEATMAP_COLS[..]),
        (Table::VisibilityTimeBins, &TIME_BINS_COLS[..]),
        (Table::VisibilityDefaultBins, &TIME_BINS_COLS[..]),
        (Table::VisibilityDays, &DAYS_COLS[..]),
        (Table::VisibilityMetadata, &METADATA_COLS[..]),
    ] {
        for n in sizes(cols.len()) {
            v.push(d.insert(t, cols, n, &[]));
        }
    }
    v.push(d.insert_summary());
    v.extend(d.account_statements());
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etl_block_cols_are_what_the_loader_selects() {
        for d in [Dialect::Sqlite, Dialect::TSql, Dialect::SqliteText] {
            let sql = d.etl_blocks(BlockCols::ALL, false);
            let select = &sql[..sql.find(" FROM").unwrap()];
            for c in ETL_BLOCK_COLS {
                assert!(select.contains(c), "{c} not selected by {d:?}");
            }
            assert!(!select.contains("visibility_intervals"));
            assert!(d.etl_blocks(BlockCols::ALL, true).contains(", visibility_intervals FROM"));
        }
        // a narrow read selects the block id and the asked columns, in BlockCol order
        let sql = Dialect::Sqlite.etl_blocks(BlockCols::of(&[BlockCol::TotalVisHours, BlockCol::Priority]), false);
        assert!(sql.starts_with("SELECT scheduling_block_id, priority, total_visibility_hours FROM"), "{sql}");
        let text = Dialect::SqliteText.etl_blocks(BlockCols::of(&[BlockCol::Priority, BlockCol::RequestedSec]), false);
        assert!(text.starts_with("SELECT scheduling_block_id, CASE WHEN priority IS NULL"), "{text}");
        assert!(text.contains("END, requested_duration_sec FROM"), "{text}");
    }

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
