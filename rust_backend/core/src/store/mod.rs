//! Storage. `Store` owns the configuration and a per-process connection pool; `sqlite` holds the SQL of the
//! embedded database (transport rusqlite, SQLite dialect); `periods_json` the stored period encoding.

pub mod migrate;
pub mod periods_json;
pub mod pool;
pub mod sqlite;

use crate::model::Period;

/// How the store was configured by Python (`tsi._core.configure`).
#[derive(Debug, Clone, PartialEq)]
pub struct StoreConfig {
    pub sqlite_path: String,
    pub pool_size: usize,
    /// The unscheduled sentinel in force (None = disabled).
    pub sentinel_mjd: Option<f64>,
}

impl StoreConfig {
    /// True when a stored scheduled start is the placeholder meaning "unscheduled".
    pub fn is_sentinel(&self, start: f64) -> bool {
        self.sentinel_mjd.is_some_and(|s| (start - s).abs() <= 1e-6)
    }

    /// The scheduled period after the sentinel rule, or None.
    pub fn scheduled(&self, start: Option<f64>, stop: Option<f64>) -> Option<Period> {
        match (start, stop) {
            (Some(s), Some(e)) if !self.is_sentinel(s) => Some(Period::new(s, e)),
            _ => None,
        }
    }
}

/// Analytics freshness (data-model.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalyticsState {
    Fresh,
    Stale,
    Missing,
}

impl AnalyticsState {
    pub fn as_str(&self) -> &'static str {
        match self {
            AnalyticsState::Fresh => "fresh",
            AnalyticsState::Stale => "stale",
            AnalyticsState::Missing => "missing",
        }
    }
}

/// Row of `list_schedules` (flows.md §9).
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleListing {
    pub schedule_id: i64,
    pub name: String,
    pub upload_timestamp: String,
    pub checksum: String,
    pub blocks: i64,
    pub scheduled: i64,
    pub analytics: AnalyticsState,
}

/// `schedule_header` (architecture.md §3).
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleHeader {
    pub schedule_id: i64,
    pub name: String,
    pub checksum: String,
    pub upload_timestamp: String,
    pub analytics_state: AnalyticsState,
    /// `<etl_version>.<updated_at>` of the analytics, when any exist.
    pub analytics_stamp: Option<String>,
}

/// Per-schedule analytics status (`tsi etl status`).
#[derive(Debug, Clone, PartialEq)]
pub struct EtlStatus {
    pub schedule_id: i64,
    pub name: String,
    pub state: AnalyticsState,
    pub etl_version: Option<i64>,
    pub checksum_match: bool,
    pub updated_at: Option<String>,
    pub etl_duration_ms: Option<i64>,
    /// (table, rows) for every analytics table.
    pub row_counts: Vec<(String, i64)>,
}

/// Result of ingest (data-model.md §4).
#[derive(Debug, Clone, PartialEq)]
pub struct IngestResult {
    pub schedule_id: i64,
    pub name: String,
    pub checksum: String,
    pub blocks: i64,
    pub scheduled: i64,
    pub created: bool,
    pub warnings: Vec<String>,
}
