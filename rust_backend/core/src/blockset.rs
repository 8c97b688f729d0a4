//! The in-memory form of one stored schedule that every flow computes from.
//!
//! Both data paths fill the same `BlockSet`: the legacy loader from the normalized tables (merging the stored
//! visibility JSON), the ETL loader from `analytics.schedule_blocks_analytics`. Every flow is one function
//! over a `BlockSet`, so the two paths can only disagree if their loaders do — which parity tests check.

use crate::derive::{merge_periods, total_hours};
use crate::model::Period;

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
    pub original_id: Vec<String>,
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
        self.block_id.reserve_exact(n);
        self.original_id.reserve_exact(n);
        for v in [
            &mut self.ra_deg, &mut self.dec_deg, &mut self.priority, &mut self.min_alt, &mut self.max_alt,
            &mut self.min_az, &mut self.max_az, &mut self.fixed_start, &mut self.fixed_stop, &mut self.sched_start,
            &mut self.sched_stop, &mut self.total_vis_hours,
        ] {
            v.reserve_exact(n);
        }
        for v in [&mut self.requested_sec, &mut self.min_obs_sec, &mut self.vis_period_count] {
            v.reserve_exact(n);
        }
        self.vis_offsets.reserve_exact(n);
    }

    pub fn len(&self) -> usize {
        self.block_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.block_id.is_empty()
    }

    fn push_row(&mut self, r: BlockRow) {
        self.block_id.push(r.block_id);
        self.original_id.push(r.original_id);
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

    /// ETL loader without a copy: `fill` appends the block's merged intervals to the shared buffer (decoded
    /// straight from the stored blob); on error nothing is pushed.
    pub fn push_merged_with<E>(
        &mut self,
        row: BlockRow,
        period_count: i64,
        total_hours: f64,
        fill: impl FnOnce(&mut Vec<Period>) -> Result<(), E>,
    ) -> Result<(), E> {
        let before = self.vis.len();
        if let Err(e) = fill(&mut self.vis) {
            self.vis.truncate(before);
            return Err(e);
        }
        self.push_row(row);
        self.vis_period_count.push(period_count);
        self.total_vis_hours.push(total_hours);
        self.vis_offsets.push(self.vis.len());
        Ok(())
    }

    /// ETL loader for flows that need only the digest of each block's intervals (validation): the intervals are
    /// summarised as they are read and not kept.
    pub fn push_digest(&mut self, row: BlockRow, period_count: i64, total_hours: f64, digest: WindowDigest) {
        self.push_row(row);
        self.vis_period_count.push(period_count);
        self.total_vis_hours.push(total_hours);
        self.vis_offsets.push(self.vis.len());
        self.digests.get_or_insert_with(Vec::new).push(digest);
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
            original_id: self.original_id[i].clone(),
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
