//! Schedule administration: the catalogue generation, listing, headers and analytics freshness, delete,
//! `tsi etl status`, the schedule row the loaders start from, and the benchmark's raw scan.

use super::db::{Db, CHECKSUM, F, I, NAME, STAMP};
use super::dialect::{multi_row_sizes, placeholders, Dialect, Table, ANALYTICS_TABLES};
use super::transport::{opt_text, query_opt, query_vec, req_i64, req_text, ColType, Value};
use super::{periods_json, AnalyticsState, EtlStatus, IngestResult, ScheduleListing};
use crate::blockset::ScheduleFacts;
use crate::error::{CoreError, Result};
use crate::ETL_VERSION;

/// The catalogue generation (operations.md §3): bumped by every change, read once per request.
pub fn catalogue_generation(db: &mut Db) -> Result<i64> {
    query_opt(db.t, &db.d.catalogue_generation(), &[], &[I], |r| req_i64(r, 0))?
        .ok_or_else(|| CoreError::db("the catalogue generation row is missing (run `tsi db upgrade`)"))
}

/// Bump the catalogue generation inside the caller's write transaction.
pub(super) fn bump_generation(db: &mut Db) -> Result<()> {
    db.t.execute(&db.d.bump_generation(), &[]).map(|_| ())
}

/// The stored schedule with this checksum as an ingest result (`created = false`). Both reads see one
/// snapshot, so a concurrent delete yields either the whole row or nothing, never an error in between.
pub fn find_by_checksum(db: &mut Db, checksum: &str) -> Result<Option<IngestResult>> {
    let begin = db.d.begin_read_sql();
    db.in_transaction(begin, |db| find_by_checksum_in_tx(db, checksum))
}

fn find_by_checksum_in_tx(db: &mut Db, checksum: &str) -> Result<Option<IngestResult>> {
    let id = query_opt(db.t, &db.d.schedule_id_by_checksum(), &[checksum.into()], &[I], |r| req_i64(r, 0))?;
    let Some(id) = id else { return Ok(None) };
    let Some(l) = list_where(db, Some(id))?.into_iter().next() else { return Ok(None) };
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

pub fn list_where(db: &mut Db, only: Option<i64>) -> Result<Vec<ScheduleListing>> {
    let s = db.cfg.sentinel_mjd;
    let rows = query_vec(
        db.t,
        &db.d.list_schedules(),
        &[s.into(), s.into(), only.into(), only.into()],
        &[I, NAME, STAMP, CHECKSUM, I, I],
        |r| Ok((req_i64(r, 0)?, req_text(r, 1)?, req_text(r, 2)?, req_text(r, 3)?, req_i64(r, 4)?, req_i64(r, 5)?)),
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, name, ts, checksum, blocks, scheduled) in rows {
        let state = analytics_state(db, id, &checksum)?.0;
        out.push(ScheduleListing { schedule_id: id, name, upload_timestamp: ts, checksum, blocks, scheduled, analytics: state });
    }
    Ok(out)
}

/// Freshness, stamp, ETL version and `updated_at` of a schedule's analytics.
pub type AnalyticsInfo = (AnalyticsState, Option<String>, Option<i64>, Option<String>);

pub fn analytics_state(db: &mut Db, id: i64, checksum: &str) -> Result<AnalyticsInfo> {
    let row = query_opt(db.t, &db.d.summary_state(), &[id.into()], &[I, CHECKSUM, F, STAMP], |r| {
        Ok((r.i64(0)?, opt_text(r, 1)?, r.f64(2)?, req_text(r, 3)?))
    })?;
    let Some((ver, src, sentinel, updated)) = row else { return Ok((AnalyticsState::Missing, None, None, None)) };
    let has_meta = query_opt(db.t, &db.d.metadata_exists(), &[id.into()], &[I], |_| Ok(()))?.is_some();
    let sentinel_ok = match (sentinel, db.cfg.sentinel_mjd) {
        (None, None) => true,
        (Some(a), Some(b)) => a == b,
        _ => false,
    };
    let fresh = ver == Some(ETL_VERSION) && src.as_deref() == Some(checksum) && sentinel_ok && has_meta;
    let stamp = Some(format!("{}.{}", ver.unwrap_or(0), updated));
    let state = if fresh { AnalyticsState::Fresh } else { AnalyticsState::Stale };
    Ok((state, stamp, ver, Some(updated)))
}

pub fn header(db: &mut Db, id: i64) -> Result<super::ScheduleHeader> {
    let row = query_opt(db.t, &db.d.header(), &[id.into()], &[NAME, CHECKSUM, STAMP], |r| {
        Ok((req_text(r, 0)?, req_text(r, 1)?, req_text(r, 2)?))
    })?;
    let (name, checksum, ts) = row.ok_or(CoreError::NotFound { schedule_id: id })?;
    let (state, stamp, _, _) = analytics_state(db, id, &checksum)?;
    Ok(super::ScheduleHeader { schedule_id: id, name, checksum, upload_timestamp: ts, analytics_state: state, analytics_stamp: stamp })
}

/// Delete a schedule with its analytics and the blocks no other schedule references (data-model.md §6).
pub fn delete(db: &mut Db, id: i64) -> Result<bool> {
    let begin = db.d.begin_sql();
    db.in_transaction(begin, |db| {
        if query_opt(db.t, &db.d.schedule_exists(), &[id.into()], &[I], |_| Ok(()))?.is_none() {
            return Ok(false);
        }
        for tb in ANALYTICS_TABLES {
            db.t.execute(&db.d.delete_for_schedule(tb), &[id.into()])?;
        }
        let blocks = query_vec(db.t, &db.d.member_block_ids(), &[id.into()], &[I], |r| req_i64(r, 0))?;
        // Membership rows cascade with the schedule row.
        db.t.execute(&db.d.delete_for_schedule(Table::Schedules), &[id.into()])?;
        let per = db.d.rows_per_statement(1);
        for part in blocks.chunks(per) {
            let params: Vec<Value> = part.iter().map(|&b| b.into()).collect();
            db.t.execute(&db.d.delete_orphan_blocks(part.len()), &params)?;
        }
        bump_generation(db)?;
        Ok(true)
    })
}

pub fn etl_status(db: &mut Db, only: Option<i64>) -> Result<Vec<EtlStatus>> {
    let ids = query_vec(db.t, &db.d.schedules_for_status(), &[only.into(), only.into()], &[I, NAME, CHECKSUM], |r| {
        Ok((req_i64(r, 0)?, req_text(r, 1)?, req_text(r, 2)?))
    })?;
    if let (Some(id), true) = (only, ids.is_empty()) {
        return Err(CoreError::NotFound { schedule_id: id });
    }
    let mut out = Vec::new();
    for (id, name, checksum) in ids {
        let (state, _, ver, updated) = analytics_state(db, id, &checksum)?;
        let src = query_opt(db.t, &db.d.source_checksum(), &[id.into()], &[CHECKSUM], |r| opt_text(r, 0))?.flatten();
        let ms = query_opt(db.t, &db.d.etl_duration(), &[id.into()], &[I], |r| req_i64(r, 0))?;
        let mut counts = Vec::new();
        for tb in ANALYTICS_TABLES {
            let n = query_opt(db.t, &db.d.count_for_schedule(tb), &[id.into()], &[I], |r| req_i64(r, 0))?.unwrap_or(0);
            counts.push((tb.base_name().to_string(), n));
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

/// Benchmark reference: read the given columns of one table for a schedule and touch every value.
pub fn raw_scan(db: &mut Db, id: i64, table: &str, columns: &[String]) -> Result<(i64, i64)> {
    let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok(table.replace('.', "_").as_str()) || !columns.iter().all(|c| ok(c)) || columns.is_empty() {
        return Err(CoreError::value("raw_scan: table and column names must be identifiers"));
    }
    let tb = Table::from_name(table).ok_or_else(|| CoreError::value(format!("raw_scan: unknown table '{table}'")))?;
    let cols = vec![ColType::Any; columns.len()];
    let (mut n, mut touched) = (0i64, 0i64);
    db.t.query(&db.d.raw_scan(tb, columns), &[id.into()], &cols, &mut |r| {
        n += 1;
        for k in 0..columns.len() {
            touched += r.touch(k)?;
        }
        Ok(())
    })?;
    Ok((n, touched))
}

pub fn all_schedule_ids(db: &mut Db) -> Result<Vec<i64>> {
    query_vec(db.t, &db.d.all_schedule_ids(), &[], &[I], |r| req_i64(r, 0))
}

/// The schedule row; its dark periods only with `dark_periods` (else empty, and the JSON is not read).
pub fn load_facts(db: &mut Db, id: i64, dark_periods: bool) -> Result<ScheduleFacts> {
    let row = query_opt(db.t, &db.d.facts(dark_periods), &[id.into()], &[NAME, CHECKSUM, ColType::LongText], |r| {
        Ok((req_text(r, 0)?, req_text(r, 1)?, opt_text(r, 2)?))
    })?;
    let (name, checksum, dark) = row.ok_or(CoreError::NotFound { schedule_id: id })?;
    let mut dark_periods = periods_json::decode(dark.as_deref())
        .map_err(|e| CoreError::db(format!("schedule {id}: unreadable dark_periods_json: {e}")))?;
    dark_periods.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.stop.total_cmp(&b.stop)));
    Ok(ScheduleFacts { schedule_id: id, name, checksum, dark_periods })
}

impl Dialect {
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

    /// Every statement of this module (for the T-SQL parse check).
    pub fn schedule_statements(self) -> Vec<String> {
        let mut v = vec![
            self.catalogue_generation(),
            self.bump_generation(),
            self.list_schedules(),
            self.summary_state(),
            self.metadata_exists(),
            self.header(),
            self.schedule_exists(),
        ];
        for t in ANALYTICS_TABLES {
            v.push(self.delete_for_schedule(t));
            v.push(self.count_for_schedule(t));
        }
        v.push(self.delete_for_schedule(Table::Schedules));
        v.push(self.member_block_ids());
        for n in multi_row_sizes(self, 1) {
            v.push(self.delete_orphan_blocks(n));
        }
        v.push(self.schedules_for_status());
        v.push(self.source_checksum());
        v.push(self.etl_duration());
        v.push(self.all_schedule_ids());
        v.push(self.raw_scan(Table::BlocksAnalytics, &["priority".into(), "total_visibility_hours".into()]));
        v.push(self.facts(true));
        v.push(self.facts(false));
        v
    }
}
