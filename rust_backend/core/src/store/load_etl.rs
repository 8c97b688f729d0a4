//! The ETL loader: block rows from `schedule_blocks_analytics` (only the columns a flow reads) and the
//! pre-aggregated analytics tables, with the plan that says which.

use std::fmt::Write as _;

use super::db::{Db, F, I, ORIGINAL_ID};
use super::dialect::{Dialect, Table};
use super::transport::{nan_f64, query_opt, query_vec, req_f64, req_i64, ColType};
use crate::blockset::{BlockCol, BlockCols, BlockSet, WindowDigest};
use crate::error::{CoreError, Result};
use crate::etl::blocks::{decode_intervals_into, ETL_BLOCK_COLS};
use crate::etl::{DayRow, DefaultView, HeatCell, PriorityRateRow, RateBinRow, Row, Summary, TimeBinRow};
use crate::model::Period;

/// Which pre-aggregated analytics tables a flow reads on the ETL path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Aggregates {
    /// `schedule_summary_analytics`
    pub summary: bool,
    /// `schedule_priority_rates`, `schedule_visibility_bins`, `schedule_heatmap_bins`
    pub rates: bool,
    /// `schedule_visibility_time_bins`
    pub time_bins: bool,
    /// `schedule_visibility_default_bins`, `schedule_visibility_days` and the range from the metadata row
    pub default_view: bool,
}

/// What one request loads of a schedule; each data path uses the parts that apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadPlan {
    /// Block columns: the ETL loader selects only these (the legacy join reads every column).
    pub columns: BlockCols,
    /// Legacy path: parse the stored visibility JSON.
    pub visibility: bool,
    /// ETL path: what to do with the stored interval blobs.
    pub intervals: Intervals,
    /// ETL path: pre-aggregated tables.
    pub aggregates: Aggregates,
    /// Decode the schedule's dark periods (a JSON column; only flows that draw or check against them).
    pub dark_periods: bool,
}

impl LoadPlan {
    /// Everything either path can load.
    pub const EVERYTHING: LoadPlan = LoadPlan {
        columns: BlockCols::ALL,
        visibility: true,
        intervals: Intervals::Full,
        aggregates: Aggregates { summary: true, rates: true, time_bins: true, default_view: true },
        dark_periods: true,
    };
}

/// What the ETL loader does with the stored interval blobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intervals {
    /// Not read.
    Skip,
    /// Decoded into the block set (flows that sweep them: the visibility map).
    Full,
    /// Read and summarised per block as they arrive (`WindowDigest`), then dropped: validation needs only the
    /// longest window and whether the scheduled period fits one, and a year of intervals is 7.9 MB to keep.
    Digest,
}

/// The metadata row's facts the ETL loaders use, read once per load.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StoredMeta {
    pub total_blocks: Option<i64>,
    /// NULL before migration 0004.
    pub merged_interval_count: Option<i64>,
    /// The schedule range t0, t1 (both 0 when no block has visibility).
    pub range: (i64, i64),
    /// Bins of the stored default visibility view; NULL: not stored (analytics written before 0005).
    pub default_view_bins: Option<i64>,
}

pub fn load_stored_meta(db: &mut Db, id: i64) -> Result<StoredMeta> {
    let row = query_opt(db.t, &db.d.stored_meta(), &[id.into()], &[I; 5], |r| {
        Ok(StoredMeta {
            total_blocks: r.i64(0)?,
            merged_interval_count: r.i64(1)?,
            range: (r.i64(2)?.unwrap_or(0), r.i64(3)?.unwrap_or(0)),
            default_view_bins: r.i64(4)?,
        })
    })?;
    Ok(row.unwrap_or_default())
}

/// Pre-computed analytics the ETL path may read besides the block rows.
#[derive(Debug, Clone, Default)]
pub struct StoredAggregates {
    pub summary: Option<Summary>,
    pub priority_rates: Vec<PriorityRateRow>,
    pub visibility_bins: Vec<RateBinRow>,
    pub heatmap: Vec<HeatCell>,
    pub time_bins: Vec<TimeBinRow>,
    /// None when not asked for, or not stored (analytics written before migration 0005).
    pub default_view: Option<DefaultView>,
}

/// The ETL loader: only `analytics.schedule_blocks_analytics`, and of it only the columns `cols` (the rest of the
/// block set stays empty). A digest needs the scheduled times, which are then read too.
pub fn load_etl_blocks(
    db: &mut Db,
    id: i64,
    cols: BlockCols,
    intervals: Intervals,
    meta: &StoredMeta,
) -> Result<BlockSet> {
    let cols = match intervals {
        Intervals::Digest => cols.union(BlockCols::of(&BlockCols::SCHEDULED)),
        _ => cols,
    };
    let read_blob = intervals != Intervals::Skip;
    let wanted: Vec<BlockCol> = cols.iter().collect();
    let mut types: Vec<ColType> = wanted
        .iter()
        .map(|&c| match c {
            BlockCol::OriginalId => ORIGINAL_ID,
            c if c.is_float() => F,
            _ => I,
        })
        .collect();
    let blob_at = types.len();
    if read_blob {
        types.push(db.long_col(&db.d.etl_max_blob_len(), id, false)?);
    }
    let mut set = BlockSet::new();
    set.columns = cols;
    // Reserve every column once: regrowing them (and a year of intervals, 7.9 MB) would copy them again.
    let cap = |n: Option<i64>| n.unwrap_or(0).clamp(0, 1 << 32) as usize;
    set.reserve_blocks(cap(meta.total_blocks));
    if intervals == Intervals::Full {
        set.vis.reserve_exact(cap(meta.merged_interval_count));
    }
    let mut scratch: Vec<Period> = Vec::new();
    db.t.query(&db.d.etl_blocks(cols, read_blob), &[id.into()], &types, &mut |r| {
        let block_id = req_i64(r, 0)?;
        // wanted[0] is the block id
        for (k, &c) in wanted.iter().enumerate().skip(1) {
            match c {
                BlockCol::OriginalId => match r.text(k)? {
                    Some(s) => set.original_id.push(&s),
                    None => set.original_id.push_with(|buf| {
                        let _ = write!(buf, "{block_id}");
                    }),
                },
                BlockCol::RequestedSec => set.requested_sec.push(req_i64(r, k)?),
                BlockCol::MinObsSec => set.min_obs_sec.push(req_i64(r, k)?),
                BlockCol::PeriodCount => set.vis_period_count.push(req_i64(r, k)?),
                BlockCol::Ra | BlockCol::Dec | BlockCol::Priority | BlockCol::TotalVisHours => {
                    let v = req_f64(r, k)?;
                    set.f64_col_mut(c).push(v)
                }
                c => {
                    let v = nan_f64(r, k)?;
                    set.f64_col_mut(c).push(v)
                }
            }
        }
        set.block_id.push(block_id);
        let blob = if read_blob { r.bytes(blob_at)? } else { None };
        let corrupt = || CoreError::db(format!("schedule {id}, block {block_id}: corrupt visibility_intervals"));
        match intervals {
            Intervals::Digest => {
                scratch.clear();
                if let Some(b) = blob {
                    if !decode_intervals_into(&b, &mut scratch) {
                        return Err(corrupt());
                    }
                }
                let i = set.block_id.len() - 1;
                let digest = WindowDigest::of(&scratch, set.sched_start[i], set.sched_stop[i]);
                set.digests.get_or_insert_with(Vec::new).push(digest);
            }
            Intervals::Full => {
                if let Some(b) = blob {
                    if !decode_intervals_into(&b, &mut set.vis) {
                        return Err(corrupt());
                    }
                }
            }
            Intervals::Skip => {}
        }
        set.vis_offsets.push(set.vis.len());
        Ok(())
    })?;
    Ok(set)
}

pub fn load_aggregates(db: &mut Db, id: i64, want: Aggregates, meta: &StoredMeta) -> Result<StoredAggregates> {
    let mut agg = StoredAggregates::default();
    if want.summary {
        agg.summary = load_summary(db, id)?;
    }
    if want.rates {
        agg.priority_rates = load_rows(db, PriorityRateRow::TABLE, id)?;
        agg.visibility_bins = load_rows(db, RateBinRow::TABLE, id)?;
        agg.heatmap = load_rows(db, HeatCell::TABLE, id)?;
    }
    if want.default_view {
        agg.default_view = load_default_view(db, id, meta)?;
    }
    if want.time_bins {
        agg.time_bins = load_rows(db, TimeBinRow::TABLE, id)?;
    }
    Ok(agg)
}

/// Every row of one analytics table (`table`: `R::TABLE`, or a table with the same columns) of a schedule.
fn load_rows<R: Row>(db: &mut Db, table: Table, id: i64) -> Result<Vec<R>> {
    query_vec(db.t, &db.d.select_rows::<R>(table), &[id.into()], &R::col_types(), R::from_row)
}

/// The stored default view; None when the ETL that wrote the schedule's analytics did not store one.
fn load_default_view(db: &mut Db, id: i64, meta: &StoredMeta) -> Result<Option<DefaultView>> {
    let Some(n_bins) = meta.default_view_bins else { return Ok(None) };
    let (t0, t1) = meta.range;
    let bins: Vec<TimeBinRow> = load_rows(db, Table::VisibilityDefaultBins, id)?;
    let days: Vec<DayRow> = load_rows(db, DayRow::TABLE, id)?;
    if bins.len() as i64 != n_bins {
        return Err(CoreError::db(format!("schedule {id}: {} stored default-view bins, the metadata says {n_bins}", bins.len())));
    }
    // Both range ends are 0 when no block has visibility (data-model.md §3).
    let range = if n_bins == 0 && t0 == 0 && t1 == 0 { None } else { Some((t0, t1)) };
    Ok(Some(DefaultView { range, bins, days }))
}

fn load_summary(db: &mut Db, id: i64) -> Result<Option<Summary>> {
    query_opt(db.t, &db.d.select_rows::<Summary>(Summary::TABLE), &[id.into()], &Summary::col_types(), Summary::from_row)
}

impl Dialect {
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

    /// The rows of `table` (`R::TABLE` or one with the same columns) of a schedule: `R::COLUMNS` (floats
    /// through `fcol`) in `R::ORDER_BY` order.
    pub fn select_rows<R: Row>(self, table: Table) -> String {
        let cols: Vec<String> =
            R::COLUMNS.iter().map(|c| if c.is_float() { self.fcol(c.name) } else { c.name.to_string() }).collect();
        format!(
            "SELECT {} FROM {} WHERE schedule_id = ? ORDER BY {}",
            cols.join(", "),
            self.table(table),
            R::ORDER_BY
        )
    }

    /// Every statement of this module (for the T-SQL parse check).
    pub fn etl_load_statements(self) -> Vec<String> {
        vec![
            self.stored_meta(),
            self.etl_blocks(BlockCols::ALL, true),
            self.etl_blocks(BlockCols::ALL, false),
            self.etl_blocks(BlockCols::of(&[BlockCol::Priority]), false),
            self.etl_max_blob_len(),
            self.select_rows::<PriorityRateRow>(PriorityRateRow::TABLE),
            self.select_rows::<RateBinRow>(RateBinRow::TABLE),
            self.select_rows::<HeatCell>(HeatCell::TABLE),
            self.select_rows::<TimeBinRow>(TimeBinRow::TABLE),
            self.select_rows::<TimeBinRow>(Table::VisibilityDefaultBins),
            self.select_rows::<DayRow>(DayRow::TABLE),
            self.select_rows::<Summary>(Summary::TABLE),
        ]
    }
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
}
