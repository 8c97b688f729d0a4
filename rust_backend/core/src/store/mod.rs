//! Storage, split into a *transport* (how statements reach the database: rusqlite in-process, or ODBC behind
//! the cargo feature `mssql`) and a *dialect* (the SQL text: SQLite or T-SQL). What the store does is written
//! once against both, a module per concern with its statements beside it: `ingest`, `schedules`
//! (administration), `load_legacy`, `load_etl`, `etl_write`, `accounts`, `parity_log`, `migrate`; `dialect` keeps the schema
//! catalogue and the statement primitives. `Store` owns the configuration and a per-process connection pool.

pub mod accounts;
pub mod parity_log;
mod db;
pub mod dialect;
pub mod etl_write;
pub mod ingest;
pub mod load_etl;
pub mod load_legacy;
pub mod migrate;
#[cfg(feature = "mssql")]
pub mod odbc;
pub mod periods_json;
pub mod pool;
pub mod schedules;
pub mod sqlite;
pub mod transport;

use std::time::Instant;

use crate::blockset::{BlockSet, ScheduleFacts};
use crate::error::{CoreError, Result};
use crate::model::{ParsedSchedule, Period};

pub use dialect::Dialect;
pub use db::{is_unique_violation, Db};
pub use load_etl::{Aggregates, Intervals, LoadPlan, StoredAggregates, StoredMeta};
use transport::Transport;

/// Where the data lives.
#[derive(Clone, PartialEq)]
pub enum Backend {
    /// The embedded database file (rusqlite, SQLite dialect). Migrations are applied when the store opens.
    Sqlite { path: String },
    /// An ODBC data source (feature `mssql`). `TSql`: SQL Server, migrated by `tsi db upgrade`; `Sqlite`:
    /// SQLite's ODBC driver (tests of the ODBC transport), migrated by the store like the embedded file.
    Odbc { connection_string: String, dialect: Dialect },
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Backend::Sqlite { path } => f.debug_struct("Sqlite").field("path", path).finish(),
            // The connection string may hold a password: never printed.
            Backend::Odbc { dialect, .. } => {
                f.debug_struct("Odbc").field("connection_string", &"***").field("dialect", dialect).finish()
            }
        }
    }
}

/// How the store was configured by Python (`tsi._core.configure`).
#[derive(Debug, Clone, PartialEq)]
pub struct StoreConfig {
    pub backend: Backend,
    pub pool_size: usize,
    /// The unscheduled sentinel in force (None = disabled).
    pub sentinel_mjd: Option<f64>,
}

impl StoreConfig {
    /// The embedded SQLite database at `path`.
    pub fn sqlite(path: impl Into<String>, pool_size: usize, sentinel_mjd: Option<f64>) -> StoreConfig {
        StoreConfig { backend: Backend::Sqlite { path: path.into() }, pool_size, sentinel_mjd }
    }

    /// The dialect the backend speaks.
    pub fn dialect(&self) -> Dialect {
        match &self.backend {
            Backend::Sqlite { .. } => Dialect::Sqlite,
            Backend::Odbc { dialect, .. } => *dialect,
        }
    }

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

enum Pools {
    Sqlite(pool::Pool),
    #[cfg(feature = "mssql")]
    Odbc(odbc::OdbcPool),
}

/// A pooled connection of either transport.
pub enum Conn<'a> {
    Sqlite(pool::PooledConn<'a>),
    #[cfg(feature = "mssql")]
    Odbc(odbc::PooledOdbc<'a>),
}

impl Conn<'_> {
    pub fn transport(&mut self) -> &mut dyn Transport {
        match self {
            Conn::Sqlite(c) => &mut **c,
            #[cfg(feature = "mssql")]
            Conn::Odbc(c) => &mut **c,
        }
    }
}

/// The store: configuration, dialect and the per-process pool.
pub struct Store {
    pub cfg: StoreConfig,
    dialect: Dialect,
    pools: Pools,
}

impl Store {
    /// Open the store. SQLite: create the file's directory and apply pending migrations. ODBC with the
    /// SQLite dialect: apply the SQLite migrations through the transport. ODBC with T-SQL: connect only
    /// (migrations are `tsi db upgrade`'s job).
    pub fn open(cfg: StoreConfig) -> Result<Store> {
        // SQLite's ODBC driver hands values over as text: floats are selected as exact text.
        let dialect = dialect_in_use(&cfg);
        let pools = match &cfg.backend {
            Backend::Sqlite { path } => {
                if let Some(dir) = std::path::Path::new(path).parent() {
                    if !dir.as_os_str().is_empty() {
                        std::fs::create_dir_all(dir)
                            .map_err(|e| CoreError::db(format!("cannot create directory {}: {e}", dir.display())))?;
                    }
                }
                let pool = pool::Pool::new(path, cfg.pool_size);
                {
                    let mut c = pool.get()?;
                    migrate::upgrade(&mut *c)?;
                }
                Pools::Sqlite(pool)
            }
            #[cfg(feature = "mssql")]
            Backend::Odbc { connection_string, .. } => {
                let pool = odbc::OdbcPool::new(connection_string, dialect_in_use(&cfg), cfg.pool_size);
                {
                    let mut c = pool.get()?;
                    if dialect_in_use(&cfg) != Dialect::TSql {
                        migrate::upgrade(&mut *c)?;
                    }
                }
                Pools::Odbc(pool)
            }
            #[cfg(not(feature = "mssql"))]
            Backend::Odbc { .. } => return Err(no_odbc()),
        };
        Ok(Store { cfg, dialect, pools })
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// A pooled connection.
    pub fn conn(&self) -> Result<Conn<'_>> {
        match &self.pools {
            Pools::Sqlite(p) => Ok(Conn::Sqlite(p.get()?)),
            #[cfg(feature = "mssql")]
            Pools::Odbc(p) => Ok(Conn::Odbc(p.get()?)),
        }
    }

    /// The context the store functions take, for one pooled connection.
    pub fn db<'c>(&'c self, c: &'c mut Conn<'_>) -> Db<'c> {
        Db::new(c.transport(), self.dialect, &self.cfg)
    }

    /// Store a parsed upload with its analytics in one transaction. The caller has computed the checksum and
    /// checked `find_by_checksum` already (so no file is parsed twice); a concurrent identical upload that wins
    /// the race still yields `created = false` here.
    pub fn ingest(&self, parsed: &ParsedSchedule, name: &str, checksum: &str) -> Result<IngestResult> {
        let r = {
            let mut c = self.conn()?;
            ingest::ingest(&mut self.db(&mut c), parsed, name, checksum)?
        };
        match r {
            Some(r) => Ok(r),
            None => self
                .find_by_checksum(checksum)?
                .ok_or_else(|| CoreError::db("a schedule with this checksum exists but cannot be read")),
        }
    }

    /// The stored schedule with this checksum, as an ingest result with `created = false`.
    pub fn find_by_checksum(&self, checksum: &str) -> Result<Option<IngestResult>> {
        let mut c = self.conn()?;
        schedules::find_by_checksum(&mut self.db(&mut c), checksum)
    }

    pub fn user_add(&self, name: &str, password_hash: Option<&str>, role: &str) -> Result<()> {
        let mut c = self.conn()?;
        accounts::user_add(&mut self.db(&mut c), name, password_hash, role)
    }

    pub fn user_get(&self, name: &str) -> Result<Option<accounts::UserRow>> {
        let mut c = self.conn()?;
        accounts::user_get(&mut self.db(&mut c), name)
    }

    pub fn user_list(&self) -> Result<Vec<accounts::UserRow>> {
        let mut c = self.conn()?;
        accounts::user_list(&mut self.db(&mut c))
    }

    pub fn user_update(&self, name: &str, password_hash: Option<&str>, disabled: Option<bool>) -> Result<bool> {
        let mut c = self.conn()?;
        accounts::user_update(&mut self.db(&mut c), name, password_hash, disabled)
    }

    pub fn audit_append(&self, entry: &accounts::AuditEntry) -> Result<()> {
        let mut c = self.conn()?;
        accounts::audit_append(&mut self.db(&mut c), entry)
    }

    pub fn audit_list(&self, since: Option<&str>, limit: i64) -> Result<Vec<accounts::AuditRow>> {
        let mut c = self.conn()?;
        accounts::audit_list(&mut self.db(&mut c), since, limit)
    }

    pub fn parity_event_append(&self, event: &parity_log::ParityEvent) -> Result<()> {
        let mut c = self.conn()?;
        parity_log::event_append(&mut self.db(&mut c), event)
    }

    pub fn parity_event_list(&self, since: Option<&str>, problems_only: bool, limit: i64) -> Result<Vec<parity_log::ParityEventRow>> {
        let mut c = self.conn()?;
        parity_log::event_list(&mut self.db(&mut c), since, problems_only, limit)
    }

    pub fn parity_event_counts(&self, since: Option<&str>) -> Result<Vec<parity_log::ParityCount>> {
        let mut c = self.conn()?;
        parity_log::event_counts(&mut self.db(&mut c), since)
    }

    pub fn parity_run_append(&self, run: &parity_log::ParityRun) -> Result<()> {
        let mut c = self.conn()?;
        parity_log::run_append(&mut self.db(&mut c), run)
    }

    pub fn parity_run_last(&self, scope: Option<&str>) -> Result<Option<parity_log::ParityRunRow>> {
        let mut c = self.conn()?;
        parity_log::run_last(&mut self.db(&mut c), scope)
    }

    /// The catalogue generation: changes whenever a schedule is stored, deleted or recomputed.
    pub fn catalogue_generation(&self) -> Result<i64> {
        let mut c = self.conn()?;
        schedules::catalogue_generation(&mut self.db(&mut c))
    }

    pub fn list_schedules(&self) -> Result<Vec<ScheduleListing>> {
        let mut c = self.conn()?;
        schedules::list_where(&mut self.db(&mut c), None)
    }

    pub fn header(&self, id: i64) -> Result<ScheduleHeader> {
        let mut c = self.conn()?;
        schedules::header(&mut self.db(&mut c), id)
    }

    /// Delete a schedule with its analytics and the blocks no other schedule references.
    pub fn delete(&self, id: i64) -> Result<bool> {
        let mut c = self.conn()?;
        schedules::delete(&mut self.db(&mut c), id)
    }

    pub fn etl_status(&self, only: Option<i64>) -> Result<Vec<EtlStatus>> {
        let mut c = self.conn()?;
        schedules::etl_status(&mut self.db(&mut c), only)
    }

    /// Re-run the ETL of one schedule in its own transaction. Returns (state before, ran, milliseconds).
    pub fn backfill(&self, id: i64, force: bool) -> Result<(AnalyticsState, bool, i64)> {
        let before = self.header(id)?.analytics_state;
        if before == AnalyticsState::Fresh && !force {
            return Ok((before, false, 0));
        }
        let t = Instant::now();
        let mut c = self.conn()?;
        etl_write::backfill_in_tx(&mut self.db(&mut c), id)?;
        Ok((before, true, t.elapsed().as_millis() as i64))
    }

    /// Benchmark reference ("the limit"): read the given columns of one table for a schedule and touch every
    /// value, doing nothing else. Returns (rows, values touched).
    pub fn raw_scan(&self, id: i64, table: &str, columns: &[String]) -> Result<(i64, i64)> {
        let mut c = self.conn()?;
        schedules::raw_scan(&mut self.db(&mut c), id, table, columns)
    }

    pub fn all_schedule_ids(&self) -> Result<Vec<i64>> {
        let mut c = self.conn()?;
        schedules::all_schedule_ids(&mut self.db(&mut c))
    }

    /// Legacy path: joins over the normalized tables, visibility parsed from the stored JSON.
    pub fn load_legacy(&self, id: i64, plan: &LoadPlan) -> Result<(ScheduleFacts, BlockSet)> {
        let mut c = self.conn()?;
        let mut db = self.db(&mut c);
        db.in_transaction(self.dialect.begin_read_sql(), |db| {
            let facts = schedules::load_facts(db, id, plan.dark_periods)?;
            let blocks = load_legacy::load_legacy_blocks(db, id, plan.visibility)?;
            Ok((facts, blocks))
        })
    }

    /// ETL path: serves fresh analytics only; block rows from `schedule_blocks_analytics`, plus the
    /// pre-aggregated tables a flow asks for (`plan` says which columns and tables).
    pub fn load_etl(&self, id: i64, plan: &LoadPlan) -> Result<(ScheduleFacts, BlockSet, StoredAggregates)> {
        let mut c = self.conn()?;
        let mut db = self.db(&mut c);
        db.in_transaction(self.dialect.begin_read_sql(), |db| {
            let facts = schedules::load_facts(db, id, plan.dark_periods)?;
            let (state, _, _, _) = schedules::analytics_state(db, id, &facts.checksum)?;
            if state != AnalyticsState::Fresh {
                return Err(CoreError::AnalyticsMissing { schedule_id: id, reason: state.as_str().to_string() });
            }
            let meta = load_etl::load_stored_meta(db, id)?;
            let agg = load_etl::load_aggregates(db, id, plan.aggregates, &meta)?;
            // A stored default view replaces the intervals (the largest column by far).
            let intervals = if agg.default_view.is_some() { Intervals::Skip } else { plan.intervals };
            let blocks = load_etl::load_etl_blocks(db, id, plan.columns, intervals, &meta)?;
            Ok((facts, blocks, agg))
        })
    }
}

/// The dialect statements are written in for a configuration (see `Dialect::SqliteText`).
fn dialect_in_use(cfg: &StoreConfig) -> Dialect {
    match (&cfg.backend, cfg.dialect()) {
        (Backend::Odbc { .. }, Dialect::Sqlite) => Dialect::SqliteText,
        (_, d) => d,
    }
}

/// The error of a build without the `mssql` feature asked for an ODBC backend.
pub fn no_odbc() -> CoreError {
    CoreError::Config {
        message: "this build of tsi._core has no SQL Server support (backend 'mssql'); rebuild with \
                  `maturin develop --release --features mssql` (needs unixODBC)"
            .into(),
    }
}
