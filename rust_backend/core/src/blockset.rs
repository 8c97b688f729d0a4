//! The in-memory form of one stored schedule that every flow computes from.
//!
//! Both data paths fill the same `BlockSet`: the legacy loader from the normalized tables (merging the stored
//! visibility JSON), the ETL loader from `analytics.schedule_blocks_analytics`. Every flow is one function
//! over a `BlockSet`, so the two paths can only disagree if their loaders do — which parity tests check.

use crate::derive::{merge_periods, total_hours};
use crate::model::Period;
use crate::strcol::StrCol;

/// Schedule-level facts, read from `dbo.schedules` by both paths.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleFacts {
    pub schedule_id: i64,
    pub name: String,
    pub checksum: String,
    /// Sorted by (start, stop), unmerged.
    pub dark_periods: Vec<Period>,
}

/// Struct of arrays, one entry per block, ordered by ascending `block_id`.
/// Missing floats are NaN (no altitude constraint, no fixed window, unscheduled).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BlockSet {
    pub block_id: Vec<i64>,
    pub original_id: StrCol,
    pub ra_deg: Vec<f64>,
    pub dec_deg: Vec<f64>,
    pub priority: Vec<f64>,
    pub requested_sec: Vec<i64>,
    pub min_obs_sec: Vec<i64>,
    pub min_alt: Vec<f64>,
    pub max_alt: Vec<f64>,
    pub min_az: Vec<f64>,
    pub max_az: Vec<f64>,
    pub fixed_start: Vec<f64>,
    pub fixed_stop: Vec<f64>,
    pub sched_start: Vec<f64>,
    pub sched_stop: Vec<f64>,
    /// Number of stored (unmerged) visibility periods.
    pub vis_period_count: Vec<i64>,
    pub total_vis_hours: Vec<f64>,
    /// Merged visibility of block i is `vis[vis_offsets[i]..vis_offsets[i + 1]]` (ascending, disjoint).
    pub vis_offsets: Vec<usize>,
    pub vis: Vec<Period>,
    /// Set by a loader asked for the digest of each block's intervals instead of the intervals (then `vis` is
    /// empty); flows use `window_digest(i)`, which computes it from `vis` otherwise.
    pub digests: Option<Vec<WindowDigest>>,
    /// The per-block columns a loader filled; the others are empty, so a flow reading a column it did not
    /// declare fails loudly (index out of bounds) instead of computing from defaults.
    pub columns: BlockCols,
}

/// One per-block column of a `BlockSet` (the ETL loader's read order: `etl::blocks::ETL_BLOCK_COLS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockCol {
    BlockId,
    OriginalId,
    Ra,
    Dec,
    Priority,
    RequestedSec,
    MinObsSec,
    MinAlt,
    MaxAlt,
    MinAz,
    MaxAz,
    FixedStart,
    FixedStop,
    SchedStart,
    SchedStop,
    PeriodCount,
    TotalVisHours,
}

impl BlockCol {
    /// Stored as FLOAT (NULL read as NaN where the column allows it).
    pub fn is_float(self) -> bool {
        !matches!(
            self,
            BlockCol::BlockId | BlockCol::OriginalId | BlockCol::RequestedSec | BlockCol::MinObsSec | BlockCol::PeriodCount
        )
    }

    pub const ALL: [BlockCol; 17] = [
        BlockCol::BlockId,
        BlockCol::OriginalId,
        BlockCol::Ra,
        BlockCol::Dec,
        BlockCol::Priority,
        BlockCol::RequestedSec,
        BlockCol::MinObsSec,
        BlockCol::MinAlt,
        BlockCol::MaxAlt,
        BlockCol::MinAz,
        BlockCol::MaxAz,
        BlockCol::FixedStart,
        BlockCol::FixedStop,
        BlockCol::SchedStart,
        BlockCol::SchedStop,
        BlockCol::PeriodCount,
        BlockCol::TotalVisHours,
    ];
}

/// A set of `BlockCol`s: what a flow reads, hence what the ETL loader selects. Reading 8 of the 17 columns
/// halves SQLite's share of a flow (it decodes every selected value of every row). The block id is always in
/// (every constructor adds it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockCols(u32);

impl BlockCols {
    pub const ALL: BlockCols = BlockCols((1 << BlockCol::ALL.len()) - 1);
    /// Both scheduled times: what `BlockSet::is_scheduled` reads.
    pub const SCHEDULED: [BlockCol; 2] = [BlockCol::SchedStart, BlockCol::SchedStop];

    pub const fn of(cols: &[BlockCol]) -> BlockCols {
        let mut bits = 1u32 << BlockCol::BlockId as u32;
        let mut k = 0;
        while k < cols.len() {
            bits |= 1 << cols[k] as u32;
            k += 1;
        }
        BlockCols(bits)
    }

    pub const fn union(self, other: BlockCols) -> BlockCols {
        BlockCols(self.0 | other.0)
    }

    pub fn has(self, c: BlockCol) -> bool {
        self.0 & (1 << c as u32) != 0
    }

    /// The columns in read order.
    pub fn iter(self) -> impl Iterator<Item = BlockCol> {
        BlockCol::ALL.into_iter().filter(move |&c| self.has(c))
    }
}

impl Default for BlockCols {
    fn default() -> Self {
        BlockCols::ALL
    }
}

/// Scheduled times within this many days of a window edge count as inside it (1 s).
pub const TOL_DAYS: f64 = 1.0 / 86400.0;

/// What validation needs of a block's merged intervals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowDigest {
    /// Longest merged window, in days (0 without any).
    pub longest_days: f64,
    /// The scheduled period [s, e] lies inside one merged window (within `TOL_DAYS`); false when unscheduled.
    pub scheduled_inside: bool,
}

impl WindowDigest {
    pub fn of(merged: &[Period], sched_start: f64, sched_stop: f64) -> WindowDigest {
        let longest_days = merged.iter().map(|p| p.stop - p.start).fold(0.0, f64::max);
        WindowDigest { longest_days, scheduled_inside: inside_one(merged, sched_start, sched_stop) }
    }
}

/// [s, e] lies inside one of the ascending, disjoint `intervals`, within `TOL_DAYS`.
pub fn inside_one(intervals: &[Period], s: f64, e: f64) -> bool {
    let k = intervals.partition_point(|p| p.start <= s + TOL_DAYS);
    k > 0 && intervals[k - 1].stop >= e - TOL_DAYS
}

/// Everything about one block except its visibility; used to push rows into a `BlockSet`.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockRow {
    pub block_id: i64,
    pub original_id: String,
    pub ra_deg: f64,
    pub dec_deg: f64,
    pub priority: f64,
    pub requested_sec: i64,
    pub min_obs_sec: i64,
    pub min_alt: f64,
    pub max_alt: f64,
    pub min_az: f64,
    pub max_az: f64,
    pub fixed_start: f64,
    pub fixed_stop: f64,
    pub sched_start: f64,
    pub sched_stop: f64,
}

impl BlockSet {
    pub fn new() -> Self {
        BlockSet { vis_offsets: vec![0], ..Default::default() }
    }

    /// Room for `n` more blocks in every per-block column (a loader that knows the row count).
    pub fn reserve_blocks(&mut self, n: usize) {
        let cols = self.columns;
        for c in cols.iter() {
            match c {
                BlockCol::BlockId => self.block_id.reserve_exact(n),
                BlockCol::OriginalId => self.original_id.reserve(n, 0),
                BlockCol::RequestedSec => self.requested_sec.reserve_exact(n),
                BlockCol::MinObsSec => self.min_obs_sec.reserve_exact(n),
                BlockCol::PeriodCount => self.vis_period_count.reserve_exact(n),
                c => self.f64_col_mut(c).reserve_exact(n),
            }
        }
        self.vis_offsets.reserve_exact(n);
    }

    pub fn len(&self) -> usize {
        self.block_id.len()
    }

    /// Empty every column outside `cols`, as a narrow load leaves them.
    #[cfg(test)]
    pub fn keep_only(&mut self, cols: BlockCols) {
        for c in BlockCol::ALL.into_iter().filter(|&c| !cols.has(c)) {
            match c {
                BlockCol::BlockId => unreachable!("the block id is always kept"),
                BlockCol::OriginalId => self.original_id = StrCol::new(),
                BlockCol::RequestedSec => self.requested_sec = Vec::new(),
                BlockCol::MinObsSec => self.min_obs_sec = Vec::new(),
                BlockCol::PeriodCount => self.vis_period_count = Vec::new(),
                c => *self.f64_col_mut(c) = Vec::new(),
            }
        }
        self.columns = cols;
    }

    /// The float column behind `c` (panics for the others).
    pub fn f64_col_mut(&mut self, c: BlockCol) -> &mut Vec<f64> {
        match c {
            BlockCol::Ra => &mut self.ra_deg,
            BlockCol::Dec => &mut self.dec_deg,
            BlockCol::Priority => &mut self.priority,
            BlockCol::MinAlt => &mut self.min_alt,
            BlockCol::MaxAlt => &mut self.max_alt,
            BlockCol::MinAz => &mut self.min_az,
            BlockCol::MaxAz => &mut self.max_az,
            BlockCol::FixedStart => &mut self.fixed_start,
            BlockCol::FixedStop => &mut self.fixed_stop,
            BlockCol::SchedStart => &mut self.sched_start,
            BlockCol::SchedStop => &mut self.sched_stop,
            BlockCol::TotalVisHours => &mut self.total_vis_hours,
            other => panic!("{other:?} is not a float column"),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.block_id.is_empty()
    }

    fn push_row(&mut self, r: BlockRow) {
        self.block_id.push(r.block_id);
        self.original_id.push(&r.original_id);
        self.ra_deg.push(r.ra_deg);
        self.dec_deg.push(r.dec_deg);
        self.priority.push(r.priority);
        self.requested_sec.push(r.requested_sec);
        self.min_obs_sec.push(r.min_obs_sec);
        self.min_alt.push(r.min_alt);
        self.max_alt.push(r.max_alt);
        self.min_az.push(r.min_az);
        self.max_az.push(r.max_az);
        self.fixed_start.push(r.fixed_start);
        self.fixed_stop.push(r.fixed_stop);
        self.sched_start.push(r.sched_start);
        self.sched_stop.push(r.sched_stop);
    }

    /// Legacy loader: raw stored periods (any order, overlaps allowed) are merged here.
    pub fn push_raw(&mut self, row: BlockRow, mut periods: Vec<Period>) {
        self.push_row(row);
        self.vis_period_count.push(periods.len() as i64);
        let merged = merge_periods(&mut periods);
        self.total_vis_hours.push(total_hours(&merged));
        self.vis.extend_from_slice(&merged);
        self.vis_offsets.push(self.vis.len());
    }

    /// ETL loader: intervals are already merged and the totals were computed by the ETL.
    pub fn push_merged(&mut self, row: BlockRow, merged: &[Period], period_count: i64, total_hours: f64) {
        self.push_row(row);
        self.vis_period_count.push(period_count);
        self.total_vis_hours.push(total_hours);
        self.vis.extend_from_slice(merged);
        self.vis_offsets.push(self.vis.len());
    }

    /// The digest of block i's merged intervals (stored by the loader, or computed from them).
    pub fn window_digest(&self, i: usize) -> WindowDigest {
        match &self.digests {
            Some(d) => d[i],
            None => WindowDigest::of(self.merged(i), self.sched_start[i], self.sched_stop[i]),
        }
    }

    /// Whether any block has a visibility period (also when only digests were loaded).
    pub fn has_visibility(&self) -> bool {
        self.vis_period_count.iter().any(|&c| c > 0)
    }

    /// Sort every column by block id (loaders may read rows in any order).
    pub fn sort_by_block_id(&mut self) {
        let n = self.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| self.block_id[i]);
        if order.iter().enumerate().all(|(k, &i)| k == i) {
            return;
        }
        let mut out = BlockSet::new();
        for &i in &order {
            let row = self.row(i);
            let merged = self.merged(i).to_vec();
            out.push_merged(row, &merged, self.vis_period_count[i], self.total_vis_hours[i]);
        }
        out.digests = self.digests.as_ref().map(|d| order.iter().map(|&i| d[i]).collect());
        *self = out;
    }

    pub fn row(&self, i: usize) -> BlockRow {
        BlockRow {
            block_id: self.block_id[i],
            original_id: self.original_id[i].to_string(),
            ra_deg: self.ra_deg[i],
            dec_deg: self.dec_deg[i],
            priority: self.priority[i],
            requested_sec: self.requested_sec[i],
            min_obs_sec: self.min_obs_sec[i],
            min_alt: self.min_alt[i],
            max_alt: self.max_alt[i],
            min_az: self.min_az[i],
            max_az: self.max_az[i],
            fixed_start: self.fixed_start[i],
            fixed_stop: self.fixed_stop[i],
            sched_start: self.sched_start[i],
            sched_stop: self.sched_stop[i],
        }
    }

    /// Merged visibility intervals of block i.
    pub fn merged(&self, i: usize) -> &[Period] {
        &self.vis[self.vis_offsets[i]..self.vis_offsets[i + 1]]
    }

    pub fn is_scheduled(&self, i: usize) -> bool {
        !self.sched_start[i].is_nan() && !self.sched_stop[i].is_nan()
    }

    pub fn is_impossible(&self, i: usize) -> bool {
        self.total_vis_hours[i] == 0.0
    }

    pub fn requested_hours(&self, i: usize) -> f64 {
        self.requested_sec[i] as f64 / 3600.0
    }

    pub fn min_obs_hours(&self, i: usize) -> f64 {
        self.min_obs_sec[i] as f64 / 3600.0
    }

    /// (max_alt, or 90 if missing) − (min_alt, or 0 if missing).
    pub fn elevation_range(&self, i: usize) -> f64 {
        let hi = if self.max_alt[i].is_nan() { 90.0 } else { self.max_alt[i] };
        let lo = if self.min_alt[i].is_nan() { 0.0 } else { self.min_alt[i] };
        hi - lo
    }

    /// (stop − start) × 24 for scheduled blocks, NaN otherwise.
    pub fn scheduled_hours(&self, i: usize) -> f64 {
        if self.is_scheduled(i) {
            (self.sched_stop[i] - self.sched_start[i]) * 24.0
        } else {
            f64::NAN
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64) -> BlockRow {
        BlockRow {
            block_id: id,
            original_id: format!("b{id}"),
            ra_deg: 10.0,
            dec_deg: -5.0,
            priority: 3.0,
            requested_sec: 1800,
            min_obs_sec: 600,
            min_alt: 30.0,
            max_alt: f64::NAN,
            min_az: f64::NAN,
            max_az: f64::NAN,
            fixed_start: f64::NAN,
            fixed_stop: f64::NAN,
            sched_start: 60000.0,
            sched_stop: 60000.1,
        }
    }

    #[test]
    fn block_cols_always_hold_the_block_id_and_iterate_in_read_order() {
        let c = BlockCols::of(&[BlockCol::TotalVisHours, BlockCol::Ra]);
        assert_eq!(c.iter().collect::<Vec<_>>(), vec![BlockCol::BlockId, BlockCol::Ra, BlockCol::TotalVisHours]);
        assert!(c.has(BlockCol::BlockId) && !c.has(BlockCol::Dec));
        assert_eq!(BlockCols::ALL.iter().count(), 17);
        assert_eq!(BlockCols::default(), BlockCols::ALL);
        assert_eq!(c.union(BlockCols::of(&BlockCols::SCHEDULED)).iter().count(), 5);
        assert_eq!(BlockCol::ALL.iter().filter(|c| c.is_float()).count(), 12);
    }

    #[test]
    fn keep_only_empties_the_other_columns() {
        let mut b = BlockSet::new();
        b.push_raw(row(1), vec![Period::new(60000.0, 60001.0)]);
        b.push_raw(row(2), vec![]);
        b.keep_only(BlockCols::of(&[BlockCol::Priority, BlockCol::SchedStart, BlockCol::SchedStop]));
        assert_eq!(b.len(), 2);
        assert_eq!(b.priority, vec![3.0, 3.0]);
        assert!(b.is_scheduled(0));
        assert!(b.original_id.is_empty() && b.min_alt.is_empty() && b.requested_sec.is_empty());
        assert!(b.total_vis_hours.is_empty() && b.vis_period_count.is_empty());
        // a flow reading an undeclared column fails loudly
        assert!(std::panic::catch_unwind(|| b.requested_hours(0)).is_err());
    }
}
