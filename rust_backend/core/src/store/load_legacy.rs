//! The legacy loader: the block set joined from the normalized tables, visibility parsed from the stored JSON
//! (the ETL reads its input this way too).

use super::db::{Db, F, I, ORIGINAL_ID};
use super::dialect::{Dialect, Table};
use super::transport::{nan_f64, opt_text, req_f64, req_i64};
use super::periods_json;
use crate::blockset::{BlockRow, BlockSet};
use crate::error::{CoreError, Result};

/// The legacy loader: `schedule_scheduling_blocks ⨝ scheduling_blocks ⨝ targets ⟕ constraints ⟕ altitude ⟕ azimuth`.
pub fn load_legacy_blocks(db: &mut Db, id: i64, with_visibility: bool) -> Result<BlockSet> {
    let vis_col = if with_visibility { db.long_col(&db.d.legacy_max_json_len(), id, true)? } else { I };
    let cols = [I, ORIGINAL_ID, F, F, F, I, I, F, F, F, F, F, F, F, F, vis_col];
    let mut set = BlockSet::new();
    db.t.query(&db.d.legacy_blocks(with_visibility), &[id.into()], &cols, &mut |r| {
        let block_id = req_i64(r, 0)?;
        let original = opt_text(r, 1)?;
        let sched = db.cfg.scheduled(r.f64(13)?, r.f64(14)?);
        let row = BlockRow {
            block_id,
            original_id: original.unwrap_or_else(|| block_id.to_string()),
            ra_deg: req_f64(r, 2)?,
            dec_deg: req_f64(r, 3)?,
            priority: req_f64(r, 4)?,
            requested_sec: req_i64(r, 5)?,
            min_obs_sec: req_i64(r, 6)?,
            min_alt: nan_f64(r, 7)?,
            max_alt: nan_f64(r, 8)?,
            min_az: nan_f64(r, 9)?,
            max_az: nan_f64(r, 10)?,
            fixed_start: nan_f64(r, 11)?,
            fixed_stop: nan_f64(r, 12)?,
            sched_start: sched.map_or(f64::NAN, |p| p.start),
            sched_stop: sched.map_or(f64::NAN, |p| p.stop),
        };
        let periods = if with_visibility {
            let text = r.bytes(15)?;
            periods_json::decode_bytes(text.as_deref()).map_err(|e| {
                CoreError::db(format!("schedule {id}, block {block_id}: unreadable visibility_periods_json: {e}"))
            })?
        } else {
            Vec::new()
        };
        set.push_raw(row, periods);
        Ok(())
    })?;
    Ok(set)
}

impl Dialect {
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

    /// Every statement of this module (for the T-SQL parse check).
    pub fn legacy_load_statements(self) -> Vec<String> {
        vec![self.legacy_blocks(true), self.legacy_blocks(false), self.legacy_max_json_len()]
    }
}
