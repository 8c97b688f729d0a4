//! The embedded SQLite store: ingest (one immediate transaction including the ETL), the legacy loader (joins
//! over the normalized tables), the ETL loader (analytics tables only), and schedule administration.

use std::collections::HashMap;
use std::time::Instant;

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction, TransactionBehavior};

use super::pool::Pool;
use super::{periods_json, AnalyticsState, EtlStatus, IngestResult, ScheduleHeader, ScheduleListing, StoreConfig};
use crate::blockset::{BlockRow, BlockSet, ScheduleFacts};
use crate::error::{CoreError, Result};
use crate::etl::{self, Analytics};
use crate::flows::aggregates::{HeatCell, PriorityRateRow, RateBinRow, TimeBinRow};
use crate::flows::insights::Summary;
use crate::model::ParsedSchedule;
use crate::ETL_VERSION;

/// Analytics tables, in ETL write order (the summary row last: it marks completion).
pub const ANALYTICS_TABLES: [&str; 7] = [
    "analytics_schedule_blocks_analytics",
    "analytics_schedule_priority_rates",
    "analytics_schedule_visibility_bins",
    "analytics_schedule_heatmap_bins",
    "analytics_schedule_visibility_time_bins",
    "analytics_schedule_visibility_metadata",
    "analytics_schedule_summary_analytics",
];

pub struct Store {
    pub cfg: StoreConfig,
    pool: Pool,
}

/// Which pre-aggregated analytics tables a flow reads on the ETL path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Aggregates {
    /// `schedule_summary_analytics`
    pub summary: bool,
    /// `schedule_priority_rates`, `schedule_visibility_bins`, `schedule_heatmap_bins`
    pub rates: bool,
    /// `schedule_visibility_time_bins`
    pub time_bins: bool,
}

/// Pre-computed analytics the ETL path may read besides the block rows.
#[derive(Debug, Clone, Default)]
pub struct StoredAggregates {
    pub summary: Option<Summary>,
    pub priority_rates: Vec<PriorityRateRow>,
    pub visibility_bins: Vec<RateBinRow>,
    pub heatmap: Vec<HeatCell>,
    pub time_bins: Vec<TimeBinRow>,
}

fn now_utc() -> String {
    // SQLite formats the time so that every stamp has the same shape as the column defaults.
    "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')".to_string()
}

impl Store {
    /// Open (lazily creating) the database file and apply pending migrations.
    pub fn open(cfg: StoreConfig) -> Result<Store> {
        if let Some(dir) = std::path::Path::new(&cfg.sqlite_path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| CoreError::db(format!("cannot create directory {}: {e}", dir.display())))?;
            }
        }
        let pool = Pool::new(&cfg.sqlite_path, cfg.pool_size);
        {
            let mut c = pool.get()?;
            super::migrate::upgrade(&mut c)?;
        }
        Ok(Store { cfg, pool })
    }

    pub fn conn(&self) -> Result<super::pool::PooledConn<'_>> {
        self.pool.get()
    }

    // ---------------------------------------------------------------- ingest

    /// Store a parsed upload with its analytics in one transaction. The caller has computed the checksum and
    /// checked `find_by_checksum` already (so no file is parsed twice); a concurrent identical upload that wins
    /// the race still yields `created = false` here.
    pub fn ingest(&self, parsed: &ParsedSchedule, name: &str, checksum: &str) -> Result<IngestResult> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let dark_json = periods_json::encode(&parsed.dark_periods);
        let sp = parsed.schedule_period;
        let site = parsed.site;
        let inserted = tx.execute(
            "INSERT INTO schedules (schedule_name, checksum, dark_periods_json, source_format,
                 schedule_period_start_mjd, schedule_period_stop_mjd, site_lon_deg, site_lat_deg, site_height_m)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                name,
                checksum,
                dark_json,
                parsed.format.as_str(),
                sp.map(|p| p.start),
                sp.map(|p| p.stop),
                site.map(|s| s.lon_deg),
                site.map(|s| s.lat_deg),
                site.map(|s| s.height_m)
            ],
        );
        if let Err(e) = inserted {
            if is_unique_violation(&e) {
                drop(tx);
                drop(conn);
                return self.find_by_checksum(checksum)?.ok_or_else(|| CoreError::db(e.to_string()));
            }
            return Err(e.into());
        }
        let schedule_id = tx.last_insert_rowid();
        let block_ids = insert_blocks(&tx, parsed)?;
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO schedule_scheduling_blocks (schedule_id, scheduling_block_id, start_time_mjd, stop_time_mjd)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (b, id) in parsed.blocks.iter().zip(&block_ids) {
                st.execute(params![schedule_id, id, b.scheduled.map(|p| p.start), b.scheduled.map(|p| p.stop)])?;
            }
        }
        run_etl(&tx, &self.cfg, schedule_id)?;
        tx.commit()?;
        Ok(IngestResult {
            schedule_id,
            name: name.to_string(),
            checksum: checksum.to_string(),
            blocks: parsed.blocks.len() as i64,
            scheduled: parsed.blocks.iter().filter(|b| b.scheduled.is_some()).count() as i64,
            created: true,
            warnings: parsed.warnings.clone(),
        })
    }

    /// The stored schedule with this checksum, as an ingest result with `created = false`.
    pub fn find_by_checksum(&self, checksum: &str) -> Result<Option<IngestResult>> {
        let conn = self.conn()?;
        let id: Option<i64> = conn
            .query_row("SELECT schedule_id FROM schedules WHERE checksum = ?1", [checksum], |r| r.get(0))
            .optional()?;
        let Some(id) = id else { return Ok(None) };
        let l = self.list_where(&conn, Some(id))?.into_iter().next().ok_or(CoreError::NotFound { schedule_id: id })?;
        Ok(Some(IngestResult {
            schedule_id: id,
            name: l.name,
            checksum: l.checksum,
            blocks: l.blocks,
            scheduled: l.scheduled,
            created: false,
            warnings: Vec::new(),
        }))
    }

    // ---------------------------------------------------------------- administration

    pub fn list_schedules(&self) -> Result<Vec<ScheduleListing>> {
        let conn = self.conn()?;
        self.list_where(&conn, None)
    }

    fn list_where(&self, conn: &Connection, only: Option<i64>) -> Result<Vec<ScheduleListing>> {
        let sql = "SELECT s.schedule_id, s.schedule_name, s.upload_timestamp, s.checksum,
                (SELECT COUNT(*) FROM schedule_scheduling_blocks m WHERE m.schedule_id = s.schedule_id),
                (SELECT COUNT(*) FROM schedule_scheduling_blocks m WHERE m.schedule_id = s.schedule_id
                    AND m.start_time_mjd IS NOT NULL AND m.stop_time_mjd IS NOT NULL
                    AND (?1 IS NULL OR ABS(m.start_time_mjd - ?1) > 1e-6))
             FROM schedules s WHERE (?2 IS NULL OR s.schedule_id = ?2) ORDER BY s.schedule_id DESC";
        let mut st = conn.prepare_cached(sql)?;
        let rows = st
            .query_map(params![self.cfg.sentinel_mjd, only], |r| {
                Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?, r.get(4)?, r.get(5)?))
            })?
            .collect::<std::result::Result<Vec<(i64, String, String, String, i64, i64)>, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, name, ts, checksum, blocks, scheduled) in rows {
            let state = self.analytics_state(conn, id, &checksum)?.0;
            out.push(ScheduleListing { schedule_id: id, name, upload_timestamp: ts, checksum, blocks, scheduled, analytics: state });
        }
        Ok(out)
    }

    /// Freshness and stamp of a schedule's analytics.
    fn analytics_state(&self, conn: &Connection, id: i64, checksum: &str) -> Result<(AnalyticsState, Option<String>, Option<i64>, Option<String>)> {
        let row: Option<(Option<i64>, Option<String>, Option<f64>, String)> = conn
            .query_row(
                "SELECT etl_version, source_checksum, unscheduled_sentinel_mjd, updated_at
                 FROM analytics_schedule_summary_analytics WHERE schedule_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((ver, src, sentinel, updated)) = row else { return Ok((AnalyticsState::Missing, None, None, None)) };
        let has_meta: bool = conn
            .query_row("SELECT 1 FROM analytics_schedule_visibility_metadata WHERE schedule_id = ?1", [id], |_| Ok(()))
            .optional()?
            .is_some();
        let sentinel_ok = match (sentinel, self.cfg.sentinel_mjd) {
            (None, None) => true,
            (Some(a), Some(b)) => a == b,
            _ => false,
        };
        let fresh = ver == Some(ETL_VERSION) && src.as_deref() == Some(checksum) && sentinel_ok && has_meta;
        let stamp = Some(format!("{}.{}", ver.unwrap_or(0), updated));
        let state = if fresh { AnalyticsState::Fresh } else { AnalyticsState::Stale };
        Ok((state, stamp, ver, Some(updated)))
    }

    pub fn header(&self, id: i64) -> Result<ScheduleHeader> {
        let conn = self.conn()?;
        let row: Option<(String, String, String)> = conn
            .query_row(
                "SELECT schedule_name, checksum, upload_timestamp FROM schedules WHERE schedule_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (name, checksum, ts) = row.ok_or(CoreError::NotFound { schedule_id: id })?;
        let (state, stamp, _, _) = self.analytics_state(&conn, id, &checksum)?;
        Ok(ScheduleHeader { schedule_id: id, name, checksum, upload_timestamp: ts, analytics_state: state, analytics_stamp: stamp })
    }

    /// Delete a schedule with its analytics and the blocks no other schedule references.
    pub fn delete(&self, id: i64) -> Result<bool> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists = tx.query_row("SELECT 1 FROM schedules WHERE schedule_id = ?1", [id], |_| Ok(())).optional()?.is_some();
        if !exists {
            return Ok(false);
        }
        for t in ANALYTICS_TABLES {
            tx.execute(&format!("DELETE FROM {t} WHERE schedule_id = ?1"), [id])?;
        }
        tx.execute(
            "CREATE TEMP TABLE IF NOT EXISTS tsi_deleted_blocks (id INTEGER PRIMARY KEY)",
            [],
        )?;
        tx.execute("DELETE FROM temp.tsi_deleted_blocks", [])?;
        tx.execute(
            "INSERT INTO temp.tsi_deleted_blocks SELECT scheduling_block_id FROM schedule_scheduling_blocks WHERE schedule_id = ?1",
            [id],
        )?;
        tx.execute("DELETE FROM schedules WHERE schedule_id = ?1", [id])?;
        tx.execute(
            "DELETE FROM scheduling_blocks WHERE scheduling_block_id IN (SELECT id FROM temp.tsi_deleted_blocks)
               AND NOT EXISTS (SELECT 1 FROM schedule_scheduling_blocks m WHERE m.scheduling_block_id = scheduling_blocks.scheduling_block_id)",
            [],
        )?;
        tx.execute("DELETE FROM temp.tsi_deleted_blocks", [])?;
        tx.commit()?;
        Ok(true)
    }

    pub fn etl_status(&self, only: Option<i64>) -> Result<Vec<EtlStatus>> {
        let conn = self.conn()?;
        let ids: Vec<(i64, String, String)> = {
            let mut st = conn.prepare(
                "SELECT schedule_id, schedule_name, checksum FROM schedules WHERE (?1 IS NULL OR schedule_id = ?1) ORDER BY schedule_id",
            )?;
            let v = st.query_map([only], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<std::result::Result<_, _>>()?;
            v
        };
        if let (Some(id), true) = (only, ids.is_empty()) {
            return Err(CoreError::NotFound { schedule_id: id });
        }
        let mut out = Vec::new();
        for (id, name, checksum) in ids {
            let (state, _, ver, updated) = self.analytics_state(&conn, id, &checksum)?;
            let src: Option<String> = conn
                .query_row("SELECT source_checksum FROM analytics_schedule_summary_analytics WHERE schedule_id = ?1", [id], |r| r.get(0))
                .optional()?
                .flatten();
            let ms: Option<i64> = conn
                .query_row("SELECT etl_duration_ms FROM analytics_schedule_visibility_metadata WHERE schedule_id = ?1", [id], |r| r.get(0))
                .optional()?;
            let mut counts = Vec::new();
            for t in ANALYTICS_TABLES {
                let n: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM {t} WHERE schedule_id = ?1"), [id], |r| r.get(0))?;
                counts.push((t.trim_start_matches("analytics_").to_string(), n));
            }
            out.push(EtlStatus {
                schedule_id: id,
                name,
                state,
                etl_version: ver,
                checksum_match: src.as_deref() == Some(checksum.as_str()),
                updated_at: updated,
                etl_duration_ms: ms,
                row_counts: counts,
            });
        }
        Ok(out)
    }

    /// Re-run the ETL of one schedule in its own transaction. Returns (state before, milliseconds).
    pub fn backfill(&self, id: i64, force: bool) -> Result<(AnalyticsState, bool, i64)> {
        let before = self.header(id)?.analytics_state;
        if before == AnalyticsState::Fresh && !force {
            return Ok((before, false, 0));
        }
        let t = Instant::now();
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        run_etl(&tx, &self.cfg, id)?;
        tx.commit()?;
        Ok((before, true, t.elapsed().as_millis() as i64))
    }

    /// Benchmark reference ("the limit"): read the given columns of one analytics table for a schedule and
    /// touch every value, doing nothing else. Returns (rows, values touched).
    pub fn raw_scan(&self, id: i64, table: &str, columns: &[String]) -> Result<(i64, i64)> {
        let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok(table) || !columns.iter().all(|c| ok(c)) || columns.is_empty() {
            return Err(CoreError::value("raw_scan: table and column names must be identifiers"));
        }
        let conn = self.conn()?;
        let sql = format!("SELECT {} FROM {table} WHERE schedule_id = ?1", columns.join(", "));
        let mut st = conn.prepare_cached(&sql)?;
        let mut rows = st.query([id])?;
        let (mut n, mut touched) = (0i64, 0i64);
        while let Some(r) = rows.next()? {
            n += 1;
            for k in 0..columns.len() {
                let v = r.get_ref(k)?;
                touched += match v {
                    rusqlite::types::ValueRef::Null => 0,
                    rusqlite::types::ValueRef::Blob(b) => (b.len() > 0) as i64,
                    _ => 1,
                };
            }
        }
        Ok((n, touched))
    }

    pub fn all_schedule_ids(&self) -> Result<Vec<i64>> {
        let conn = self.conn()?;
        let mut st = conn.prepare("SELECT schedule_id FROM schedules ORDER BY schedule_id")?;
        let v = st.query_map([], |r| r.get(0))?.collect::<std::result::Result<Vec<i64>, _>>()?;
        Ok(v)
    }

    // ---------------------------------------------------------------- loaders

    pub fn facts(&self, id: i64) -> Result<ScheduleFacts> {
        let conn = self.conn()?;
        load_facts(&conn, id)
    }

    /// Legacy path: joins over the normalized tables, visibility parsed from the stored JSON.
    pub fn load_legacy(&self, id: i64, with_visibility: bool) -> Result<(ScheduleFacts, BlockSet)> {
        let conn = self.conn()?;
        let facts = load_facts(&conn, id)?;
        let blocks = load_legacy_blocks(&conn, &self.cfg, id, with_visibility)?;
        Ok((facts, blocks))
    }

    /// ETL path: serves fresh analytics only; block rows from `schedule_blocks_analytics`, plus the
    /// pre-aggregated tables a flow asks for.
    pub fn load_etl(&self, id: i64, intervals: bool, aggregates: Aggregates) -> Result<(ScheduleFacts, BlockSet, StoredAggregates)> {
        let conn = self.conn()?;
        let facts = load_facts(&conn, id)?;
        let (state, _, _, _) = self.analytics_state(&conn, id, &facts.checksum)?;
        if state != AnalyticsState::Fresh {
            return Err(CoreError::AnalyticsMissing { schedule_id: id, reason: state.as_str().to_string() });
        }
        let blocks = load_etl_blocks(&conn, id, intervals)?;
        let agg = load_aggregates(&conn, id, aggregates)?;
        Ok((facts, blocks, agg))
    }
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation)
}

/// Natural key of a float tuple (bit patterns; -0.0 and 0.0 are normalised so lookups match SQLite's equality).
fn key(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| if *x == 0.0 { 0u64 } else { x.to_bits() }).collect()
}

/// Get-or-create lookup rows, then insert the blocks and map their ids by original id (RETURNING).
fn insert_blocks(tx: &Transaction, parsed: &ParsedSchedule) -> Result<Vec<i64>> {
    let mut targets: HashMap<Vec<u64>, i64> = HashMap::new();
    let mut alts: HashMap<Vec<u64>, i64> = HashMap::new();
    let mut azs: HashMap<Vec<u64>, i64> = HashMap::new();
    let mut cons: HashMap<(Option<u64>, Option<u64>, i64, i64), i64> = HashMap::new();
    let mut sel_t = tx.prepare_cached(
        "SELECT target_id FROM targets WHERE ra_deg = ?1 AND dec_deg = ?2 AND ra_pm_masyr = ?3 AND dec_pm_masyr = ?4 AND equinox = ?5",
    )?;
    let mut ins_t = tx.prepare_cached(
        "INSERT INTO targets (name, ra_deg, dec_deg, ra_pm_masyr, dec_pm_masyr, equinox) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING target_id",
    )?;
    let mut sel_alt = tx.prepare_cached("SELECT altitude_constraints_id FROM altitude_constraints WHERE min_alt_deg = ?1 AND max_alt_deg = ?2")?;
    let mut ins_alt = tx.prepare_cached("INSERT INTO altitude_constraints (min_alt_deg, max_alt_deg) VALUES (?1, ?2) RETURNING altitude_constraints_id")?;
    let mut sel_az = tx.prepare_cached("SELECT azimuth_constraints_id FROM azimuth_constraints WHERE min_az_deg = ?1 AND max_az_deg = ?2")?;
    let mut ins_az = tx.prepare_cached("INSERT INTO azimuth_constraints (min_az_deg, max_az_deg) VALUES (?1, ?2) RETURNING azimuth_constraints_id")?;
    // NULL-safe lookup with SQLite's IS operator.
    let mut sel_c = tx.prepare_cached(
        "SELECT constraints_id FROM constraints WHERE start_time_mjd IS ?1 AND stop_time_mjd IS ?2
           AND altitude_constraints_id IS ?3 AND azimuth_constraints_id IS ?4",
    )?;
    let mut ins_c = tx.prepare_cached(
        "INSERT INTO constraints (start_time_mjd, stop_time_mjd, altitude_constraints_id, azimuth_constraints_id)
         VALUES (?1, ?2, ?3, ?4) RETURNING constraints_id",
    )?;
    let mut ins_b = tx.prepare_cached(
        "INSERT INTO scheduling_blocks (target_id, constraints_id, priority, min_observation_sec, requested_duration_sec,
             visibility_periods_json, original_block_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         RETURNING scheduling_block_id, original_block_id",
    )?;
    let mut by_original: HashMap<String, i64> = HashMap::with_capacity(parsed.blocks.len());
    for b in &parsed.blocks {
        let tk = key(&[b.ra_deg, b.dec_deg, b.ra_pm_masyr, b.dec_pm_masyr, b.equinox]);
        let target_id = match targets.get(&tk) {
            Some(&id) => id,
            None => {
                let p = params![b.ra_deg, b.dec_deg, b.ra_pm_masyr, b.dec_pm_masyr, b.equinox];
                let id = match sel_t.query_row(p, |r| r.get(0)).optional()? {
                    Some(id) => id,
                    None => ins_t.query_row(
                        params![b.target_name, b.ra_deg, b.dec_deg, b.ra_pm_masyr, b.dec_pm_masyr, b.equinox],
                        |r| r.get(0),
                    )?,
                };
                targets.insert(tk, id);
                id
            }
        };
        let ak = key(&[b.min_alt_deg, b.max_alt_deg]);
        let alt_id = match alts.get(&ak) {
            Some(&id) => id,
            None => {
                let id = match sel_alt.query_row(params![b.min_alt_deg, b.max_alt_deg], |r| r.get(0)).optional()? {
                    Some(id) => id,
                    None => ins_alt.query_row(params![b.min_alt_deg, b.max_alt_deg], |r| r.get(0))?,
                };
                alts.insert(ak, id);
                id
            }
        };
        let zk = key(&[b.min_az_deg, b.max_az_deg]);
        let az_id = match azs.get(&zk) {
            Some(&id) => id,
            None => {
                let id = match sel_az.query_row(params![b.min_az_deg, b.max_az_deg], |r| r.get(0)).optional()? {
                    Some(id) => id,
                    None => ins_az.query_row(params![b.min_az_deg, b.max_az_deg], |r| r.get(0))?,
                };
                azs.insert(zk, id);
                id
            }
        };
        let fs = b.fixed_window.map(|p| p.start);
        let fe = b.fixed_window.map(|p| p.stop);
        let ck = (fs.map(f64::to_bits), fe.map(f64::to_bits), alt_id, az_id);
        let cons_id = match cons.get(&ck) {
            Some(&id) => id,
            None => {
                let id = match sel_c.query_row(params![fs, fe, alt_id, az_id], |r| r.get(0)).optional()? {
                    Some(id) => id,
                    None => ins_c.query_row(params![fs, fe, alt_id, az_id], |r| r.get(0))?,
                };
                cons.insert(ck, id);
                id
            }
        };
        let vis = periods_json::encode(&b.visibility);
        let (id, orig): (i64, String) = ins_b.query_row(
            params![target_id, cons_id, b.priority, b.min_observation_sec, b.requested_duration_sec, vis, b.original_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        by_original.insert(orig, id);
    }
    parsed
        .blocks
        .iter()
        .map(|b| by_original.get(&b.original_id).copied().ok_or_else(|| CoreError::db("inserted block id not returned")))
        .collect()
}

fn load_facts(conn: &Connection, id: i64) -> Result<ScheduleFacts> {
    let row: Option<(String, String, Option<String>)> = conn
        .query_row(
            "SELECT schedule_name, checksum, dark_periods_json FROM schedules WHERE schedule_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (name, checksum, dark) = row.ok_or(CoreError::NotFound { schedule_id: id })?;
    let mut dark_periods = periods_json::decode(dark.as_deref())
        .map_err(|e| CoreError::db(format!("schedule {id}: unreadable dark_periods_json: {e}")))?;
    dark_periods.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.stop.total_cmp(&b.stop)));
    Ok(ScheduleFacts { schedule_id: id, name, checksum, dark_periods })
}

fn opt_f(r: &Row, i: usize) -> rusqlite::Result<f64> {
    Ok(r.get::<_, Option<f64>>(i)?.unwrap_or(f64::NAN))
}

/// The legacy loader: `schedule_scheduling_blocks ⨝ scheduling_blocks ⨝ targets ⟕ constraints ⟕ altitude ⟕ azimuth`.
pub fn load_legacy_blocks(conn: &Connection, cfg: &StoreConfig, id: i64, with_visibility: bool) -> Result<BlockSet> {
    let sql = "SELECT b.scheduling_block_id, b.original_block_id, t.ra_deg, t.dec_deg, b.priority,
                      b.requested_duration_sec, b.min_observation_sec, ac.min_alt_deg, ac.max_alt_deg,
                      az.min_az_deg, az.max_az_deg, c.start_time_mjd, c.stop_time_mjd,
                      m.start_time_mjd, m.stop_time_mjd, {vis}
               FROM schedule_scheduling_blocks m
               JOIN scheduling_blocks b ON b.scheduling_block_id = m.scheduling_block_id
               JOIN targets t ON t.target_id = b.target_id
               LEFT JOIN constraints c ON c.constraints_id = b.constraints_id
               LEFT JOIN altitude_constraints ac ON ac.altitude_constraints_id = c.altitude_constraints_id
               LEFT JOIN azimuth_constraints az ON az.azimuth_constraints_id = c.azimuth_constraints_id
               WHERE m.schedule_id = ?1
               ORDER BY b.scheduling_block_id";
    // Not selecting the JSON when it is not needed keeps SQLite from reading its overflow pages.
    let sql = sql.replace("{vis}", if with_visibility { "b.visibility_periods_json" } else { "NULL" });
    let mut st = conn.prepare_cached(&sql)?;
    let mut rows = st.query([id])?;
    let mut set = BlockSet::new();
    while let Some(r) = rows.next()? {
        let block_id: i64 = r.get(0)?;
        let original: Option<String> = r.get(1)?;
        let sched = cfg.scheduled(r.get(13)?, r.get(14)?);
        let row = BlockRow {
            block_id,
            original_id: original.unwrap_or_else(|| block_id.to_string()),
            ra_deg: r.get(2)?,
            dec_deg: r.get(3)?,
            priority: r.get(4)?,
            requested_sec: r.get(5)?,
            min_obs_sec: r.get(6)?,
            min_alt: opt_f(r, 7)?,
            max_alt: opt_f(r, 8)?,
            min_az: opt_f(r, 9)?,
            max_az: opt_f(r, 10)?,
            fixed_start: opt_f(r, 11)?,
            fixed_stop: opt_f(r, 12)?,
            sched_start: sched.map_or(f64::NAN, |p| p.start),
            sched_stop: sched.map_or(f64::NAN, |p| p.stop),
        };
        let periods = if with_visibility {
            let text = r.get_ref(15)?.as_bytes_or_null().map_err(|e| CoreError::db(e.to_string()))?;
            periods_json::decode_bytes(text).map_err(|e| {
                CoreError::db(format!("schedule {id}, block {block_id}: unreadable visibility_periods_json: {e}"))
            })?
        } else {
            Vec::new()
        };
        set.push_raw(row, periods);
    }
    Ok(set)
}

/// The ETL loader: only `analytics.schedule_blocks_analytics`.
fn load_etl_blocks(conn: &Connection, id: i64, intervals: bool) -> Result<BlockSet> {
    let sql = "SELECT scheduling_block_id, original_block_id, target_ra_deg, target_dec_deg, priority,
                      requested_duration_sec, min_observation_sec, min_altitude_deg, max_altitude_deg,
                      min_azimuth_deg, max_azimuth_deg, fixed_time_start_mjd, fixed_time_stop_mjd,
                      scheduled_start_mjd, scheduled_stop_mjd, {intervals}, visibility_period_count,
                      total_visibility_hours
               FROM analytics_schedule_blocks_analytics WHERE schedule_id = ?1 ORDER BY scheduling_block_id";
    let sql = sql.replace("{intervals}", if intervals { "visibility_intervals" } else { "NULL" });
    let mut st = conn.prepare_cached(&sql)?;
    let mut rows = st.query([id])?;
    let mut set = BlockSet::new();
    while let Some(r) = rows.next()? {
        let block_id: i64 = r.get(0)?;
        let original: Option<String> = r.get(1)?;
        let row = BlockRow {
            block_id,
            original_id: original.unwrap_or_else(|| block_id.to_string()),
            ra_deg: r.get(2)?,
            dec_deg: r.get(3)?,
            priority: r.get(4)?,
            requested_sec: r.get(5)?,
            min_obs_sec: r.get(6)?,
            min_alt: opt_f(r, 7)?,
            max_alt: opt_f(r, 8)?,
            min_az: opt_f(r, 9)?,
            max_az: opt_f(r, 10)?,
            fixed_start: opt_f(r, 11)?,
            fixed_stop: opt_f(r, 12)?,
            sched_start: opt_f(r, 13)?,
            sched_stop: opt_f(r, 14)?,
        };
        let blob = r.get_ref(15)?.as_blob_or_null().map_err(|e| CoreError::db(e.to_string()))?;
        let merged = match blob {
            None => Vec::new(),
            Some(b) => etl::decode_intervals(b)
                .ok_or_else(|| CoreError::db(format!("schedule {id}, block {block_id}: corrupt visibility_intervals")))?,
        };
        set.push_merged(row, &merged, r.get(16)?, r.get(17)?);
    }
    Ok(set)
}

fn load_aggregates(conn: &Connection, id: i64, want: Aggregates) -> Result<StoredAggregates> {
    let mut agg = StoredAggregates::default();
    if want.summary {
        agg.summary = load_summary(conn, id)?;
    }
    if want.rates {
        let mut st = conn.prepare_cached(
            "SELECT priority_value, total_count, scheduled_count, unscheduled_count, impossible_count, scheduling_rate,
                    visibility_mean_hours, visibility_total_hours, requested_mean_hours, requested_total_hours
             FROM analytics_schedule_priority_rates WHERE schedule_id = ?1 ORDER BY priority_value",
        )?;
        agg.priority_rates = st
            .query_map([id], |r| {
                Ok(PriorityRateRow {
                    priority_value: r.get(0)?,
                    total_count: r.get(1)?,
                    scheduled_count: r.get(2)?,
                    unscheduled_count: r.get(3)?,
                    impossible_count: r.get(4)?,
                    scheduling_rate: r.get(5)?,
                    visibility_mean_hours: r.get(6)?,
                    visibility_total_hours: r.get(7)?,
                    requested_mean_hours: r.get(8)?,
                    requested_total_hours: r.get(9)?,
                })
            })?
            .collect::<std::result::Result<_, _>>()?;
    }
    if want.rates {
        let mut st = conn.prepare_cached(
            "SELECT bin_index, bin_min_hours, bin_max_hours, bin_mid_hours, total_count, scheduled_count, scheduling_rate, priority_mean
             FROM analytics_schedule_visibility_bins WHERE schedule_id = ?1 ORDER BY bin_index",
        )?;
        agg.visibility_bins = st
            .query_map([id], |r| {
                Ok(RateBinRow {
                    bin_index: r.get(0)?,
                    bin_min: r.get(1)?,
                    bin_max: r.get(2)?,
                    bin_mid: r.get(3)?,
                    total_count: r.get(4)?,
                    scheduled_count: r.get(5)?,
                    scheduling_rate: r.get(6)?,
                    priority_mean: r.get(7)?,
                })
            })?
            .collect::<std::result::Result<_, _>>()?;
    }
    if want.rates {
        let mut st = conn.prepare_cached(
            "SELECT visibility_bin_index, time_bin_index, visibility_mid_hours, time_mid_hours, total_count, scheduled_count, scheduling_rate
             FROM analytics_schedule_heatmap_bins WHERE schedule_id = ?1 ORDER BY visibility_bin_index, time_bin_index",
        )?;
        agg.heatmap = st
            .query_map([id], |r| {
                Ok(HeatCell {
                    visibility_bin_index: r.get(0)?,
                    time_bin_index: r.get(1)?,
                    visibility_mid_hours: r.get(2)?,
                    time_mid_hours: r.get(3)?,
                    total_count: r.get(4)?,
                    scheduled_count: r.get(5)?,
                    scheduling_rate: r.get(6)?,
                })
            })?
            .collect::<std::result::Result<_, _>>()?;
    }
    if want.time_bins {
        let mut st = conn.prepare_cached(
            "SELECT bin_index, bin_start_unix, bin_end_unix, total_visible_count, priority_q1_count, priority_q2_count,
                    priority_q3_count, priority_q4_count, scheduled_visible_count, unscheduled_visible_count
             FROM analytics_schedule_visibility_time_bins WHERE schedule_id = ?1 ORDER BY bin_index",
        )?;
        agg.time_bins = st
            .query_map([id], |r| {
                Ok(TimeBinRow {
                    bin_index: r.get(0)?,
                    bin_start_unix: r.get(1)?,
                    bin_end_unix: r.get(2)?,
                    total_visible_count: r.get(3)?,
                    priority_q_count: [r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?],
                    scheduled_visible_count: r.get(8)?,
                    unscheduled_visible_count: r.get(9)?,
                })
            })?
            .collect::<std::result::Result<_, _>>()?;
    }
    Ok(agg)
}

/// Summary columns in table order (also the order of the INSERT below).
const SUMMARY_COLS: &str = "total_blocks, scheduled_blocks, unscheduled_blocks, impossible_blocks, scheduling_rate,
    priority_min, priority_max, priority_mean, priority_median, priority_std, priority_scheduled_mean,
    priority_scheduled_median, priority_unscheduled_mean, priority_unscheduled_median, visibility_total_hours,
    visibility_mean_hours, visibility_median_hours, visibility_min_hours, visibility_max_hours, requested_total_hours,
    requested_mean_hours, requested_median_hours, requested_min_hours, requested_max_hours, scheduled_total_hours,
    scheduled_mean_hours, elevation_mean_deg, elevation_min_deg, elevation_max_deg, ra_min, ra_max, dec_min, dec_max,
    scheduled_time_min_mjd, scheduled_time_max_mjd, corr_priority_visibility, corr_priority_requested,
    corr_visibility_requested, corr_priority_elevation, corr_visibility_elevation, corr_requested_elevation, conflict_count";

fn load_summary(conn: &Connection, id: i64) -> Result<Option<Summary>> {
    let sql = format!("SELECT {SUMMARY_COLS} FROM analytics_schedule_summary_analytics WHERE schedule_id = ?1");
    let s = conn
        .query_row(&sql, [id], |r| {
            Ok(Summary {
                total_blocks: r.get(0)?,
                scheduled_blocks: r.get(1)?,
                unscheduled_blocks: r.get(2)?,
                impossible_blocks: r.get(3)?,
                scheduling_rate: r.get(4)?,
                priority_min: r.get(5)?,
                priority_max: r.get(6)?,
                priority_mean: r.get(7)?,
                priority_median: r.get(8)?,
                priority_std: r.get(9)?,
                priority_scheduled_mean: r.get(10)?,
                priority_scheduled_median: r.get(11)?,
                priority_unscheduled_mean: r.get(12)?,
                priority_unscheduled_median: r.get(13)?,
                visibility_total_hours: r.get(14)?,
                visibility_mean_hours: r.get(15)?,
                visibility_median_hours: r.get(16)?,
                visibility_min_hours: r.get(17)?,
                visibility_max_hours: r.get(18)?,
                requested_total_hours: r.get(19)?,
                requested_mean_hours: r.get(20)?,
                requested_median_hours: r.get(21)?,
                requested_min_hours: r.get(22)?,
                requested_max_hours: r.get(23)?,
                scheduled_total_hours: r.get(24)?,
                scheduled_mean_hours: r.get(25)?,
                elevation_mean_deg: r.get(26)?,
                elevation_min_deg: r.get(27)?,
                elevation_max_deg: r.get(28)?,
                ra_min: r.get(29)?,
                ra_max: r.get(30)?,
                dec_min: r.get(31)?,
                dec_max: r.get(32)?,
                scheduled_time_min_mjd: r.get(33)?,
                scheduled_time_max_mjd: r.get(34)?,
                corr_priority_visibility: r.get(35)?,
                corr_priority_requested: r.get(36)?,
                corr_visibility_requested: r.get(37)?,
                corr_priority_elevation: r.get(38)?,
                corr_visibility_elevation: r.get(39)?,
                corr_requested_elevation: r.get(40)?,
                conflict_count: r.get(41)?,
            })
        })
        .optional()?;
    Ok(s)
}

/// Run the ETL of one schedule inside the caller's transaction (data-model.md §5).
pub fn run_etl(tx: &Transaction, cfg: &StoreConfig, id: i64) -> Result<Analytics> {
    let t0 = Instant::now();
    let b = load_legacy_blocks(tx, cfg, id, true)?;
    let a = etl::compute(&b);
    for t in ANALYTICS_TABLES {
        tx.execute(&format!("DELETE FROM {t} WHERE schedule_id = ?1"), [id])?;
    }
    {
        let mut st = tx.prepare_cached(
            "INSERT INTO analytics_schedule_blocks_analytics (schedule_id, scheduling_block_id, original_block_id,
                target_ra_deg, target_dec_deg, priority, priority_bucket, requested_duration_sec, min_observation_sec,
                min_altitude_deg, max_altitude_deg, min_azimuth_deg, max_azimuth_deg, fixed_time_start_mjd,
                fixed_time_stop_mjd, is_scheduled, scheduled_start_mjd, scheduled_stop_mjd, total_visibility_hours,
                visibility_period_count, visibility_intervals)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
        )?;
        let nn = |x: f64| if x.is_nan() { None } else { Some(x) };
        for i in 0..b.len() {
            st.execute(params![
                id,
                b.block_id[i],
                b.original_id[i],
                b.ra_deg[i],
                b.dec_deg[i],
                b.priority[i],
                a.priority_bins[i],
                b.requested_sec[i],
                b.min_obs_sec[i],
                nn(b.min_alt[i]),
                nn(b.max_alt[i]),
                nn(b.min_az[i]),
                nn(b.max_az[i]),
                nn(b.fixed_start[i]),
                nn(b.fixed_stop[i]),
                b.is_scheduled(i),
                nn(b.sched_start[i]),
                nn(b.sched_stop[i]),
                b.total_vis_hours[i],
                b.vis_period_count[i],
                etl::encode_intervals(&b, i)
            ])?;
        }
    }
    {
        let mut st = tx.prepare_cached(
            "INSERT INTO analytics_schedule_priority_rates (schedule_id, priority_value, total_count, scheduled_count,
                unscheduled_count, impossible_count, scheduling_rate, visibility_mean_hours, visibility_total_hours,
                requested_mean_hours, requested_total_hours) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        for r in &a.priority_rates {
            st.execute(params![
                id,
                r.priority_value,
                r.total_count,
                r.scheduled_count,
                r.unscheduled_count,
                r.impossible_count,
                r.scheduling_rate,
                r.visibility_mean_hours,
                r.visibility_total_hours,
                r.requested_mean_hours,
                r.requested_total_hours
            ])?;
        }
    }
    {
        let mut st = tx.prepare_cached(
            "INSERT INTO analytics_schedule_visibility_bins (schedule_id, bin_index, bin_min_hours, bin_max_hours,
                bin_mid_hours, total_count, scheduled_count, scheduling_rate, priority_mean)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for r in &a.visibility_bins {
            st.execute(params![id, r.bin_index, r.bin_min, r.bin_max, r.bin_mid, r.total_count, r.scheduled_count, r.scheduling_rate, r.priority_mean])?;
        }
    }
    {
        let mut st = tx.prepare_cached(
            "INSERT INTO analytics_schedule_heatmap_bins (schedule_id, visibility_bin_index, time_bin_index,
                visibility_mid_hours, time_mid_hours, total_count, scheduled_count, scheduling_rate)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for c in &a.heatmap {
            st.execute(params![
                id,
                c.visibility_bin_index,
                c.time_bin_index,
                c.visibility_mid_hours,
                c.time_mid_hours,
                c.total_count,
                c.scheduled_count,
                c.scheduling_rate
            ])?;
        }
    }
    {
        let mut st = tx.prepare_cached(
            "INSERT INTO analytics_schedule_visibility_time_bins (schedule_id, bin_index, bin_start_unix, bin_end_unix,
                total_visible_count, priority_q1_count, priority_q2_count, priority_q3_count, priority_q4_count,
                scheduled_visible_count, unscheduled_visible_count, visible_block_ids)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL)",
        )?;
        for r in &a.time_bins {
            st.execute(params![
                id,
                r.bin_index,
                r.bin_start_unix,
                r.bin_end_unix,
                r.total_visible_count,
                r.priority_q_count[0],
                r.priority_q_count[1],
                r.priority_q_count[2],
                r.priority_q_count[3],
                r.scheduled_visible_count,
                r.unscheduled_visible_count
            ])?;
        }
    }
    let m = &a.metadata;
    tx.execute(
        "INSERT INTO analytics_schedule_visibility_metadata (schedule_id, time_range_start_unix, time_range_end_unix,
            bin_duration_seconds, total_bins, total_blocks, blocks_with_visibility, priority_min, priority_max,
            max_visible_in_bin, mean_visible_per_bin, etl_duration_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            id,
            m.time_range_start_unix,
            m.time_range_end_unix,
            m.bin_duration_seconds,
            m.total_bins,
            m.total_blocks,
            m.blocks_with_visibility,
            m.priority_min,
            m.priority_max,
            m.max_visible_in_bin,
            m.mean_visible_per_bin,
            t0.elapsed().as_millis() as i64
        ],
    )?;
    let s = &a.summary;
    let placeholders: Vec<String> = (1..=46).map(|k| format!("?{k}")).collect();
    let sql = format!(
        "INSERT INTO analytics_schedule_summary_analytics (schedule_id, {SUMMARY_COLS}, etl_version, source_checksum,
            unscheduled_sentinel_mjd, updated_at)
         VALUES ({}, {})",
        placeholders.join(", "),
        now_utc()
    );
    let checksum: String = tx.query_row("SELECT checksum FROM schedules WHERE schedule_id = ?1", [id], |r| r.get(0))?;
    tx.execute(
        &sql,
        rusqlite::params_from_iter::<Vec<Box<dyn rusqlite::ToSql>>>(vec![
            Box::new(id),
            Box::new(s.total_blocks),
            Box::new(s.scheduled_blocks),
            Box::new(s.unscheduled_blocks),
            Box::new(s.impossible_blocks),
            Box::new(s.scheduling_rate),
            Box::new(s.priority_min),
            Box::new(s.priority_max),
            Box::new(s.priority_mean),
            Box::new(s.priority_median),
            Box::new(s.priority_std),
            Box::new(s.priority_scheduled_mean),
            Box::new(s.priority_scheduled_median),
            Box::new(s.priority_unscheduled_mean),
            Box::new(s.priority_unscheduled_median),
            Box::new(s.visibility_total_hours),
            Box::new(s.visibility_mean_hours),
            Box::new(s.visibility_median_hours),
            Box::new(s.visibility_min_hours),
            Box::new(s.visibility_max_hours),
            Box::new(s.requested_total_hours),
            Box::new(s.requested_mean_hours),
            Box::new(s.requested_median_hours),
            Box::new(s.requested_min_hours),
            Box::new(s.requested_max_hours),
            Box::new(s.scheduled_total_hours),
            Box::new(s.scheduled_mean_hours),
            Box::new(s.elevation_mean_deg),
            Box::new(s.elevation_min_deg),
            Box::new(s.elevation_max_deg),
            Box::new(s.ra_min),
            Box::new(s.ra_max),
            Box::new(s.dec_min),
            Box::new(s.dec_max),
            Box::new(s.scheduled_time_min_mjd),
            Box::new(s.scheduled_time_max_mjd),
            Box::new(s.corr_priority_visibility),
            Box::new(s.corr_priority_requested),
            Box::new(s.corr_visibility_requested),
            Box::new(s.corr_priority_elevation),
            Box::new(s.corr_visibility_elevation),
            Box::new(s.corr_requested_elevation),
            Box::new(s.conflict_count),
            Box::new(ETL_VERSION),
            Box::new(checksum),
            Box::new(cfg.sentinel_mjd),
        ]),
    )?;
    Ok(a)
}

