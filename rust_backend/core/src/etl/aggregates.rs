//! Rows of the per-schedule analytics tables (data-model.md §3): priority rates, rate by visibility bins,
//! the visibility × requested heatmap and the 900-s visibility time grid with its metadata row.
//!
//! The ETL stores these rows (their types: `etl/rows.rs`); the flows compute the same rows for filtered
//! selections, so one function serves both and stored == computed by construction. The exact distinct-count
//! sweep used by the time grid (and by the visibility map for any grid) lives here as well.

#![allow(clippy::neg_cmp_op_on_partial_ord)] // NaN-aware negated comparisons are intentional

use std::collections::BTreeMap;

use crate::blockset::BlockSet;
use crate::derive::{round_half_away, unix, EqualBins, PriorityBins};
use crate::etl::rows::{HeatCell, MetadataRow, PriorityRateRow, RateBinRow, TimeBinRow};

/// Blocks `include` (indexes into `b`, ascending block id) grouped by round(priority) (half away from zero);
/// rows in ascending `priority_value`. Sums follow the order of `include`.
pub fn priority_rates(b: &BlockSet, include: &[usize]) -> Vec<PriorityRateRow> {
    #[derive(Default)]
    struct Acc {
        total: i64,
        sched: i64,
        imp: i64,
        vis: f64,
        req: f64,
    }
    let mut groups: BTreeMap<i64, Acc> = BTreeMap::new();
    for &i in include {
        let a = groups.entry(round_half_away(b.priority[i])).or_default();
        a.total += 1;
        if b.is_scheduled(i) {
            a.sched += 1;
        }
        if b.is_impossible(i) {
            a.imp += 1;
        }
        a.vis += b.total_vis_hours[i];
        a.req += b.requested_hours(i);
    }
    groups
        .into_iter()
        .map(|(level, a)| {
            let n = a.total as f64;
            PriorityRateRow {
                priority_value: level,
                total_count: a.total,
                scheduled_count: a.sched,
                unscheduled_count: a.total - a.sched,
                impossible_count: a.imp,
                scheduling_rate: a.sched as f64 / n,
                visibility_mean_hours: a.vis / n,
                visibility_total_hours: a.vis,
                requested_mean_hours: a.req / n,
                requested_total_hours: a.req,
            }
        })
        .collect()
}

/// Equal-width bins B(values; min, max, n_bins) (data-model.md §2); only non-empty bins, ascending index.
/// `values`, `scheduled` and `priority` are parallel; priority sums follow their order.
pub fn rate_bins(values: &[f64], scheduled: &[bool], priority: &[f64], n_bins: usize) -> Vec<RateBinRow> {
    if n_bins == 0 {
        return Vec::new();
    }
    let Some(bins) = EqualBins::over(values, n_bins) else {
        return Vec::new();
    };
    let m = bins.count();
    let mut total = vec![0i64; m];
    let mut sched = vec![0i64; m];
    let mut psum = vec![0.0f64; m];
    for (k, &v) in values.iter().enumerate() {
        let j = bins.index(v);
        total[j] += 1;
        if scheduled[k] {
            sched[j] += 1;
        }
        psum[j] += priority[k];
    }
    (0..m)
        .filter(|&j| total[j] > 0)
        .map(|j| {
            let (lo, hi) = bins.bounds(j);
            RateBinRow {
                bin_index: j as i64,
                bin_min: lo,
                bin_max: hi,
                bin_mid: bins.mid(j),
                total_count: total[j],
                scheduled_count: sched[j],
                scheduling_rate: sched[j] as f64 / total[j] as f64,
                priority_mean: psum[j] / total[j] as f64,
            }
        })
        .collect()
}

/// Cells (B(visibility; n_bins), B(requested; n_bins)); non-empty cells only, sorted by (vis, time) index.
pub fn heatmap(visibility_hours: &[f64], requested_hours: &[f64], scheduled: &[bool], n_bins: usize) -> Vec<HeatCell> {
    if n_bins == 0 {
        return Vec::new();
    }
    let (Some(vb), Some(tb)) = (EqualBins::over(visibility_hours, n_bins), EqualBins::over(requested_hours, n_bins))
    else {
        return Vec::new();
    };
    let mut cells: BTreeMap<(usize, usize), (i64, i64)> = BTreeMap::new();
    for k in 0..visibility_hours.len() {
        let c = cells.entry((vb.index(visibility_hours[k]), tb.index(requested_hours[k]))).or_insert((0, 0));
        c.0 += 1;
        if scheduled[k] {
            c.1 += 1;
        }
    }
    cells
        .into_iter()
        .map(|((vi, ti), (n, s))| HeatCell {
            visibility_bin_index: vi as i64,
            time_bin_index: ti as i64,
            visibility_mid_hours: vb.mid(vi),
            time_mid_hours: tb.mid(ti),
            total_count: n,
            scheduled_count: s,
            scheduling_rate: s as f64 / n as f64,
        })
        .collect()
}

/// Width of the stored grid.
pub const TIME_BIN_SECONDS: i64 = 900;

/// The schedule range t0 = ⌊min unix(merged start)⌋, t1 = ⌈max unix(merged stop)⌉ over all blocks
/// (data-model.md §3); None when no block has visibility.
pub fn schedule_range(b: &BlockSet) -> Option<(i64, i64)> {
    if b.vis.is_empty() {
        return None;
    }
    // Each block's merged intervals are ascending and disjoint, so only its first start and last stop count;
    // `unix` is monotone, so converting the extremes gives the extremes of the converted values.
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for i in 0..b.len() {
        let m = b.merged(i);
        if let (Some(first), Some(last)) = (m.first(), m.last()) {
            lo = lo.min(first.start);
            hi = hi.max(last.stop);
        }
    }
    Some((unix(lo).floor() as i64, unix(hi).ceil() as i64))
}

/// The 900-second grid of schedule_visibility_time_bins (all bins, exact distinct counts via the sweep /
/// difference-array method of flows.md §3 — never bins × periods loops) and its metadata row (its
/// `default_view_bins` set by `etl::compute`, its `etl_duration_ms` by the writer).
pub fn visibility_time_bins(b: &BlockSet) -> (MetadataRow, Vec<TimeBinRow>) {
    let n_blocks = b.len();
    let blocks_with_visibility = (0..n_blocks).filter(|&i| b.vis_offsets[i + 1] > b.vis_offsets[i]).count() as i64;
    let (pmin, pmax) = if n_blocks == 0 {
        (None, None)
    } else {
        let pb = PriorityBins::from_priorities(&b.priority);
        (Some(pb.pmin), Some(pb.pmax))
    };
    let mut meta = MetadataRow {
        time_range_start_unix: 0,
        time_range_end_unix: 0,
        bin_duration_seconds: TIME_BIN_SECONDS,
        total_bins: 0,
        total_blocks: n_blocks as i64,
        blocks_with_visibility,
        priority_min: pmin,
        priority_max: pmax,
        max_visible_in_bin: 0,
        mean_visible_per_bin: None,
        etl_duration_ms: 0,
        merged_interval_count: b.vis.len() as i64,
        default_view_bins: 0,
    };
    let Some((t0, t1)) = schedule_range(b) else {
        return (meta, Vec::new());
    };
    let grid = Grid::new(t0, t1, TIME_BIN_SECONDS);
    let bins = PriorityBins::from_priorities(&b.priority).bins_of(&b.priority);
    let c = distinct_counts(b, 0..n_blocks, &bins, &grid, (t0 as f64, t1 as f64));
    let rows = c.rows(&grid);
    meta.time_range_start_unix = t0;
    meta.time_range_end_unix = t1;
    meta.total_bins = grid.n as i64;
    meta.max_visible_in_bin = c.total.iter().copied().max().unwrap_or(0);
    if grid.n > 0 {
        meta.mean_visible_per_bin = Some(c.total.iter().sum::<i64>() as f64 / grid.n as f64);
    }
    (meta, rows)
}

// ---------------------------------------------------------------------------------------------------------
// Exact distinct counting on a regular grid (shared with the visibility map).

/// Bins k = [start + k·w, min(start + (k+1)·w, end)), k < n = ⌈(end − start)/w⌉.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Grid {
    pub start: i64,
    pub end: i64,
    pub w: i64,
    pub n: usize,
    /// 1 / w, so that the hot path multiplies instead of dividing.
    inv_w: f64,
}

impl Grid {
    /// Requires start ≤ end and w ≥ 1; the caller has bounded n.
    pub fn new(start: i64, end: i64, w: i64) -> Grid {
        let span = end as i128 - start as i128;
        let n = if span <= 0 { 0 } else { (span + w as i128 - 1) / w as i128 };
        Grid { start, end, w, n: n as usize, inv_w: 1.0 / w as f64 }
    }
    // Saturating: start + k·w may exceed i64 for a huge requested width, and then the edge is `end` anyway.
    #[inline]
    pub fn bin_start(&self, k: usize) -> i64 {
        self.start.saturating_add((k as i64).saturating_mul(self.w)).min(self.end)
    }
    #[inline]
    pub fn bin_end(&self, k: usize) -> i64 {
        self.start.saturating_add((k as i64 + 1).saturating_mul(self.w)).min(self.end)
    }

    /// The bins [i0, i1] whose [bin_start, bin_end) meet [s, e) in the sense s < bin_end and e > bin_start.
    /// Hot path of the visibility histogram and calendar (once per merged interval), hence inlined: when both
    /// ends lie strictly inside a bin (not within 1e-7 bin of an edge) before the last bin, whose end may be
    /// clipped, then i0 = ⌊x0⌋ and i1 = ⌊x1⌋ exactly (float error is far below the margin). Otherwise a float
    /// estimate is corrected against the exact integer edges, out of line.
    #[inline(always)]
    pub fn touched(&self, s: f64, e: f64) -> Option<(usize, usize)> {
        if self.n == 0 || !(s < self.end as f64) || !(e > self.start as f64) {
            return None;
        }
        let sf = self.start as f64;
        let (x0, x1) = ((s - sf) * self.inv_w, (e - sf) * self.inv_w);
        if x0 > 0.0 && x1 < (self.n - 1) as f64 {
            let (k0, k1) = (x0 as i64, x1 as i64);
            let (f0, f1) = (x0 - k0 as f64, x1 - k1 as f64);
            if f0 > 1e-7 && f0 < 1.0 - 1e-7 && f1 > 1e-7 && f1 < 1.0 - 1e-7 {
                return Some((k0 as usize, k1 as usize));
            }
        }
        self.touched_near_edges(s, e, x0, x1)
    }

    #[cold]
    #[inline(never)]
    fn touched_near_edges(&self, s: f64, e: f64, x0: f64, x1: f64) -> Option<(usize, usize)> {
        let last = self.n as i64 - 1;
        // Edges fit i64 comfortably: unix seconds (~1e9) plus at most 100,000 bins of the requested width.
        let be = |k: i64| (self.start.saturating_add((k + 1).saturating_mul(self.w))).min(self.end) as f64;
        let bs = |k: i64| (self.start.saturating_add(k.saturating_mul(self.w))).min(self.end) as f64;
        let est = |x: f64| -> i64 {
            if !(x > 0.0) {
                0
            } else if x >= last as f64 {
                last
            } else {
                x as i64 // non-negative: truncation is floor
            }
        };
        // smallest k with s < bin_end(k)
        let mut i0 = est(x0);
        while i0 > 0 && s < be(i0 - 1) {
            i0 -= 1;
        }
        while i0 < last && !(s < be(i0)) {
            i0 += 1;
        }
        // largest k with e > bin_start(k)
        let mut i1 = est(x1);
        while i1 < last && e > bs(i1 + 1) {
            i1 += 1;
        }
        while i1 > 0 && !(e > bs(i1)) {
            i1 -= 1;
        }
        if i1 < i0 || !(s < be(i0)) || !(e > bs(i1)) {
            return None;
        }
        Some((i0 as usize, i1 as usize))
    }
}

/// Distinct-block counts per bin: all, per priority bin 1..4, scheduled, unscheduled.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Counts {
    pub total: Vec<i64>,
    pub q: [Vec<i64>; 4],
    pub sched: Vec<i64>,
    pub unsched: Vec<i64>,
}

impl Counts {
    /// One row per bin of `grid` (the stored and the computed histograms share this shape).
    pub fn rows(&self, grid: &Grid) -> Vec<TimeBinRow> {
        (0..grid.n)
            .map(|k| TimeBinRow {
                bin_index: k as i64,
                bin_start_unix: grid.bin_start(k),
                bin_end_unix: grid.bin_end(k),
                total_visible_count: self.total[k],
                priority_q_count: [self.q[0][k], self.q[1][k], self.q[2][k], self.q[3][k]],
                scheduled_visible_count: self.sched[k],
                unscheduled_visible_count: self.unsched[k],
            })
            .collect()
    }
}

/// Difference arrays behind `Counts`: a block's merged bin range [a, z] adds 1 to the totals, to its priority
/// bin and to its status. Partial arrays of disjoint block sets add up (`absorb`), so threads can split blocks.
pub(crate) struct DiffCounts {
    total: Vec<i64>,
    q: [Vec<i64>; 4],
    sched: Vec<i64>,
    unsched: Vec<i64>,
}

impl DiffCounts {
    pub fn new(n: usize) -> DiffCounts {
        let z = || vec![0i64; n + 1];
        DiffCounts { total: z(), q: [z(), z(), z(), z()], sched: z(), unsched: z() }
    }

    /// `q` is the priority bin 1..=4.
    #[inline]
    pub fn add(&mut self, q: u8, scheduled: bool, a: usize, z: usize) {
        let q = (q.clamp(1, 4) - 1) as usize;
        for d in [&mut self.total, &mut self.q[q], if scheduled { &mut self.sched } else { &mut self.unsched }] {
            d[a] += 1;
            d[z + 1] -= 1;
        }
    }

    pub fn absorb(&mut self, other: &DiffCounts) {
        let pairs = [(&mut self.total, &other.total), (&mut self.sched, &other.sched), (&mut self.unsched, &other.unsched)];
        let [q0, q1, q2, q3] = &mut self.q;
        let qs = [(q0, &other.q[0]), (q1, &other.q[1]), (q2, &other.q[2]), (q3, &other.q[3])];
        for (mine, theirs) in pairs.into_iter().chain(qs) {
            mine.iter_mut().zip(theirs).for_each(|(x, y)| *x += y);
        }
    }

    pub fn into_counts(self) -> Counts {
        let [q1, q2, q3, q4] = self.q;
        Counts {
            total: prefix_sums(self.total),
            q: [prefix_sums(q1), prefix_sums(q2), prefix_sums(q3), prefix_sums(q4)],
            sched: prefix_sums(self.sched),
            unsched: prefix_sums(self.unsched),
        }
    }
}

/// Running sums of a difference array of n + 1 entries, giving n values.
pub(crate) fn prefix_sums(d: Vec<i64>) -> Vec<i64> {
    let n = d.len().saturating_sub(1);
    let mut run = 0;
    d.into_iter()
        .take(n)
        .map(|x| {
            run += x;
            run
        })
        .collect()
}

/// One block's bin ranges merged as its intervals arrive in time order (merged intervals are ascending and
/// disjoint): a range overlapping the current one extends it, a later one closes it. `covers` tells with one
/// comparison that an interval cannot add a bin, so the caller skips computing its range — on a coarse grid
/// most intervals fall inside the bins already covered.
pub(crate) struct RangeRun {
    cur: Option<(usize, usize)>,
    /// End of the last covered bin (unix seconds); an interval ending at or before it adds nothing, since its
    /// start is not before the current range's start.
    edge: f64,
}

impl RangeRun {
    pub fn new() -> RangeRun {
        RangeRun { cur: None, edge: f64::NEG_INFINITY }
    }

    #[inline]
    pub fn covers(&self, e: f64) -> bool {
        e <= self.edge
    }

    /// Add the range [a, z] of the next interval; returns a finished range when this one does not overlap it.
    #[inline]
    pub fn push(&mut self, grid: &Grid, a: usize, z: usize) -> Option<(usize, usize)> {
        let (out, next) = match self.cur {
            Some((ca, cz)) if a <= cz => (None, (ca, cz.max(z))),
            Some(done) => (Some(done), (a, z)),
            None => (None, (a, z)),
        };
        self.cur = Some(next);
        self.edge = grid.bin_end(next.1) as f64;
        out
    }

    pub fn finish(self) -> Option<(usize, usize)> {
        self.cur
    }
}

/// Exact distinct counts of `blocks` over `grid`: each merged interval, clipped to `clip` (lo, hi), gives an
/// index range; a block's ranges are merged where they overlap and added to difference arrays.
/// `prio_bins[i]` is block i's priority bin (1..=4).
pub(crate) fn distinct_counts(
    b: &BlockSet,
    blocks: impl IntoIterator<Item = usize>,
    prio_bins: &[u8],
    grid: &Grid,
    clip: (f64, f64),
) -> Counts {
    let mut diff = DiffCounts::new(grid.n);
    for i in blocks {
        let (q, sched) = (prio_bins[i], b.is_scheduled(i));
        let mut run = RangeRun::new();
        for p in b.merged(i) {
            let s = unix(p.start);
            if !(s < clip.1) {
                break; // ascending starts: nothing later is inside the range
            }
            let e = unix(p.stop).min(clip.1);
            if !(e > clip.0) || run.covers(e) {
                continue;
            }
            if let Some((a, z)) = grid.touched(s.max(clip.0), e) {
                if let Some((ca, cz)) = run.push(grid, a, z) {
                    diff.add(q, sched, ca, cz);
                }
            }
        }
        if let Some((ca, cz)) = run.finish() {
            diff.add(q, sched, ca, cz);
        }
    }
    diff.into_counts()
}

#[cfg(test)]
pub(crate) mod tests;
