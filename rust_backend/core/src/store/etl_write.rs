//! The ETL writer: one schedule's analytics computed from the legacy join and written, inside the caller's
//! transaction, table by table in `ANALYTICS_TABLES` order (the summary row last: it marks completion).

use std::borrow::Cow;
use std::time::Instant;

use super::db::{Db, CHECKSUM};
use super::dialect::{self, multi_row_sizes, placeholders, Dialect, Table, ANALYTICS_TABLES, SUMMARY_COLS};
use super::load_legacy::load_legacy_blocks;
use super::schedules::bump_generation;
use super::transport::{query_opt, req_text, Value};
use crate::blockset::BlockSet;
use crate::error::{CoreError, Result};
use crate::etl::{self, Analytics};
use crate::ETL_VERSION;

/// Run the ETL of one schedule inside the caller's transaction (data-model.md §5): read the legacy join,
/// compute, replace the analytics rows table by table, the summary row last.
pub fn run_etl(db: &mut Db, id: i64) -> Result<Analytics> {
    let t0 = Instant::now();
    let b = load_legacy_blocks(db, id, true)?;
    let a = etl::compute(&b);
    for tb in ANALYTICS_TABLES {
        db.t.execute(&db.d.delete_for_schedule(tb), &[id.into()])?;
    }
    write_blocks(db, id, &b, &a)?;
    write_aggregates(db, id, &a)?;
    let ms = t0.elapsed().as_millis() as i64;
    write_metadata(db, id, &b, &a, ms)?;
    write_summary(db, id, &a)?;
    Ok(a)
}

/// `schedule_blocks_analytics`: one row per block, with its merged visibility intervals.
fn write_blocks(db: &mut Db, id: i64, b: &BlockSet, a: &Analytics) -> Result<()> {
    let nn = |x: f64| if x.is_nan() { None } else { Some(x) };
    bulk_insert(db, Table::BlocksAnalytics, &dialect::BLOCKS_ANALYTICS_COLS, b.len(), &mut |i, buf| {
        buf.extend([
            Value::from(id),
            b.block_id[i].into(),
            Value::from(&b.original_id[i]),
            b.ra_deg[i].into(),
            b.dec_deg[i].into(),
            b.priority[i].into(),
            (a.priority_bins[i] as i64).into(),
            b.requested_sec[i].into(),
            b.min_obs_sec[i].into(),
            nn(b.min_alt[i]).into(),
            nn(b.max_alt[i]).into(),
            nn(b.min_az[i]).into(),
            nn(b.max_az[i]).into(),
            nn(b.fixed_start[i]).into(),
            nn(b.fixed_stop[i]).into(),
            b.is_scheduled(i).into(),
            nn(b.sched_start[i]).into(),
            nn(b.sched_stop[i]).into(),
            b.total_vis_hours[i].into(),
            b.vis_period_count[i].into(),
            etl::encode_intervals(b, i).into(),
        ]);
    })?;
    Ok(())
}

/// The pre-aggregated tables: priority rates, visibility bins, heatmap, time bins, the default view's bins and
/// days.
fn write_aggregates(db: &mut Db, id: i64, a: &Analytics) -> Result<()> {
    bulk_insert(db, Table::PriorityRates, &dialect::PRIORITY_RATES_COLS, a.priority_rates.len(), &mut |i, buf| {
        let r = &a.priority_rates[i];
        buf.extend([
            Value::from(id),
            r.priority_value.into(),
            r.total_count.into(),
            r.scheduled_count.into(),
            r.unscheduled_count.into(),
            r.impossible_count.into(),
            r.scheduling_rate.into(),
            r.visibility_mean_hours.into(),
            r.visibility_total_hours.into(),
            r.requested_mean_hours.into(),
            r.requested_total_hours.into(),
        ]);
    })?;
    bulk_insert(db, Table::VisibilityBins, &dialect::VISIBILITY_BINS_COLS, a.visibility_bins.len(), &mut |i, buf| {
        let r = &a.visibility_bins[i];
        buf.extend([
            Value::from(id),
            r.bin_index.into(),
            r.bin_min.into(),
            r.bin_max.into(),
            r.bin_mid.into(),
            r.total_count.into(),
            r.scheduled_count.into(),
            r.scheduling_rate.into(),
            r.priority_mean.into(),
        ]);
    })?;
    bulk_insert(db, Table::HeatmapBins, &dialect::HEATMAP_COLS, a.heatmap.len(), &mut |i, buf| {
        let c = &a.heatmap[i];
        buf.extend([
            Value::from(id),
            c.visibility_bin_index.into(),
            c.time_bin_index.into(),
            c.visibility_mid_hours.into(),
            c.time_mid_hours.into(),
            c.total_count.into(),
            c.scheduled_count.into(),
            c.scheduling_rate.into(),
        ]);
    })?;
    for (table, rows) in [(Table::VisibilityTimeBins, &a.time_bins), (Table::VisibilityDefaultBins, &a.default_view.bins)] {
        bulk_insert(db, table, &dialect::TIME_BINS_COLS, rows.len(), &mut |i, buf| {
            let r = &rows[i];
            buf.extend([
                Value::from(id),
                r.bin_index.into(),
                r.bin_start_unix.into(),
                r.bin_end_unix.into(),
                r.total_visible_count.into(),
                r.priority_q_count[0].into(),
                r.priority_q_count[1].into(),
                r.priority_q_count[2].into(),
                r.priority_q_count[3].into(),
                r.scheduled_visible_count.into(),
                r.unscheduled_visible_count.into(),
            ]);
        })?;
    }
    let days = &a.default_view.days;
    bulk_insert(db, Table::VisibilityDays, &dialect::DAYS_COLS, days.len(), &mut |i, buf| {
        let r = &days[i];
        buf.extend([Value::from(id), r.day_index.into(), r.visible_blocks.into(), r.visible_block_seconds.into()]);
    })?;
    Ok(())
}

/// `schedule_visibility_metadata`, with the ETL's duration so far (`ms`).
fn write_metadata(db: &mut Db, id: i64, b: &BlockSet, a: &Analytics, ms: i64) -> Result<()> {
    let m = &a.metadata;
    bulk_insert(db, Table::VisibilityMetadata, &dialect::METADATA_COLS, 1, &mut |_, buf| {
        buf.extend([
            Value::from(id),
            m.time_range_start_unix.into(),
            m.time_range_end_unix.into(),
            m.bin_duration_seconds.into(),
            m.total_bins.into(),
            m.total_blocks.into(),
            m.blocks_with_visibility.into(),
            m.priority_min.into(),
            m.priority_max.into(),
            m.max_visible_in_bin.into(),
            m.mean_visible_per_bin.into(),
            ms.into(),
            (b.vis.len() as i64).into(),
            (a.default_view.bins.len() as i64).into(),
        ]);
    })?;
    Ok(())
}

/// The summary row, stamped with the ETL version, the source checksum and the sentinel: written last, it
/// marks the analytics complete.
fn write_summary(db: &mut Db, id: i64, a: &Analytics) -> Result<()> {
    let checksum = query_opt(db.t, &db.d.checksum_of(), &[id.into()], &[CHECKSUM], |r| req_text(r, 0))?
        .ok_or(CoreError::NotFound { schedule_id: id })?;
    let s = &a.summary;
    let params: [Value; 46] = [
        id.into(),
        s.total_blocks.into(),
        s.scheduled_blocks.into(),
        s.unscheduled_blocks.into(),
        s.impossible_blocks.into(),
        s.scheduling_rate.into(),
        s.priority_min.into(),
        s.priority_max.into(),
        s.priority_mean.into(),
        s.priority_median.into(),
        s.priority_std.into(),
        s.priority_scheduled_mean.into(),
        s.priority_scheduled_median.into(),
        s.priority_unscheduled_mean.into(),
        s.priority_unscheduled_median.into(),
        s.visibility_total_hours.into(),
        s.visibility_mean_hours.into(),
        s.visibility_median_hours.into(),
        s.visibility_min_hours.into(),
        s.visibility_max_hours.into(),
        s.requested_total_hours.into(),
        s.requested_mean_hours.into(),
        s.requested_median_hours.into(),
        s.requested_min_hours.into(),
        s.requested_max_hours.into(),
        s.scheduled_total_hours.into(),
        s.scheduled_mean_hours.into(),
        s.elevation_mean_deg.into(),
        s.elevation_min_deg.into(),
        s.elevation_max_deg.into(),
        s.ra_min.into(),
        s.ra_max.into(),
        s.dec_min.into(),
        s.dec_max.into(),
        s.scheduled_time_min_mjd.into(),
        s.scheduled_time_max_mjd.into(),
        s.corr_priority_visibility.into(),
        s.corr_priority_requested.into(),
        s.corr_visibility_requested.into(),
        s.corr_priority_elevation.into(),
        s.corr_visibility_elevation.into(),
        s.corr_requested_elevation.into(),
        s.conflict_count.into(),
        ETL_VERSION.into(),
        Value::Text(Some(Cow::Owned(checksum))),
        db.cfg.sentinel_mjd.into(),
    ];
    db.t.execute(&db.d.insert_summary(), &params)?;
    Ok(())
}

/// Re-run the ETL of one schedule in its own transaction.
pub fn backfill_in_tx(db: &mut Db, id: i64) -> Result<()> {
    let begin = db.d.begin_sql();
    db.in_transaction(begin, |db| {
        run_etl(db, id)?;
        bump_generation(db)
    })
}

fn bulk_insert<'a>(
    db: &mut Db,
    table: Table,
    cols: &[&str],
    nrows: usize,
    fill: &mut dyn FnMut(usize, &mut Vec<Value<'a>>),
) -> Result<()> {
    if nrows == 0 {
        return Ok(());
    }
    let per = db.chunk(cols.len());
    db.t.bulk(&|k| db.d.insert(table, cols, k, &[]), nrows, per, fill, None)
}

impl Dialect {
    pub fn checksum_of(self) -> String {
        format!("SELECT checksum FROM {} WHERE schedule_id = ?", self.table(Table::Schedules))
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

    /// Every statement of this module (for the T-SQL parse check).
    pub fn etl_write_statements(self) -> Vec<String> {
        let mut v = vec![self.checksum_of()];
        for (t, cols) in [
            (Table::BlocksAnalytics, &dialect::BLOCKS_ANALYTICS_COLS[..]),
            (Table::PriorityRates, &dialect::PRIORITY_RATES_COLS[..]),
            (Table::VisibilityBins, &dialect::VISIBILITY_BINS_COLS[..]),
            (Table::HeatmapBins, &dialect::HEATMAP_COLS[..]),
            (Table::VisibilityTimeBins, &dialect::TIME_BINS_COLS[..]),
            (Table::VisibilityDefaultBins, &dialect::TIME_BINS_COLS[..]),
            (Table::VisibilityDays, &dialect::DAYS_COLS[..]),
            (Table::VisibilityMetadata, &dialect::METADATA_COLS[..]),
        ] {
            for n in multi_row_sizes(self, cols.len()) {
                v.push(self.insert(t, cols, n, &[]));
            }
        }
        v.push(self.insert_summary());
        v
    }
}
