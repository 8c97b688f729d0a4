//! The visibility map's hot path: UTC days as a grid aligned to midnight, and the tally of distinct visible
//! blocks per time bin and per day (parallel above a size).

#![allow(clippy::neg_cmp_op_on_partial_ord)] // NaN-aware negated comparisons are intentional

use crate::blockset::BlockSet;
use crate::derive::unix;
use crate::etl::aggregates::{prefix_sums, Counts, DiffCounts, Grid, RangeRun};

pub(super) const DAY: i64 = 86_400;

/// UTC days as a grid aligned to midnight, with the calendar's hot path: the days an interval overlaps,
/// computed exactly with few branches, and its seconds per day.
pub(super) struct Days {
    pub(super) grid: Grid,
    /// grid.start as a float: day edges o + k·86400 are integers below 2^53, so exact in f64.
    o: f64,
}

impl Days {
    /// Days `first_day ..= last_day` (days since 1970-01-01).
    pub(super) fn new(first_day: i64, last_day: i64) -> Days {
        let grid = Grid::new(first_day * DAY, (last_day + 1) * DAY, DAY);
        Days { grid, o: grid.start as f64 }
    }

    /// ⌊(t − start)/day⌋ for t ≥ start: a float estimate, off by at most one day, corrected against the exact
    /// edges without branches.
    #[inline(always)]
    pub(super) fn floor_day(&self, t: f64) -> i64 {
        const DAY_F: f64 = DAY as f64;
        let mut k = ((t - self.o) * (1.0 / DAY_F)) as i64;
        let lo = self.o + k as f64 * DAY_F;
        k -= (lo > t) as i64;
        k += (lo + DAY_F <= t) as i64;
        k
    }

    /// The days a..=z that [s, e) overlaps (a > z: none, for an empty interval on a midnight), for
    /// grid.start ≤ s ≤ e ≤ grid.end: a = ⌊(s − start)/day⌋, z = ⌈(e − start)/day⌉ − 1, as `Grid::touched`
    /// defines them.
    #[inline(always)]
    pub(super) fn span(&self, s: f64, e: f64) -> (i64, i64) {
        let z = self.floor_day(e);
        (self.floor_day(s), z - (self.o + z as f64 * DAY as f64 == e) as i64)
    }

    /// Add the seconds of [s, e) inside days a..=z to `acc` (which has one spare slot at the end). Most
    /// intervals lie inside one day or cross one midnight: both are handled without a branch (the second day
    /// receives +0.0 when there is none). Seconds are summed and turned into hours once, at the end.
    #[inline(always)]
    pub(super) fn add_seconds(&self, acc: &mut [f64], a: usize, z: usize, s: f64, e: f64) {
        if z <= a + 1 {
            let midnight = self.o + (a + 1) as f64 * DAY as f64;
            acc[a] += e.min(midnight) - s;
            acc[a + 1] += (e - midnight).max(0.0);
        } else {
            for (k, slot) in acc.iter_mut().enumerate().take(z + 1).skip(a) {
                let x = e.min(self.grid.bin_end(k) as f64) - s.max(self.grid.bin_start(k) as f64);
                if x > 0.0 {
                    *slot += x;
                }
            }
        }
    }
}

pub(super) fn seconds_to_hours(v: Vec<f64>) -> Vec<f64> {
    v.into_iter().map(|x| x / 3600.0).collect()
}

/// What one pass over some blocks' merged intervals accumulates: histogram difference arrays (when the
/// histogram is computed), distinct blocks per day (difference array) and block-seconds per day.
pub(super) struct Tally {
    hist: Option<DiffCounts>,
    days: Vec<i64>,
    seconds: Vec<f64>,
}

/// One pass over the merged intervals of `blocks` (ascending and disjoint per block), clipped to `clip`: each
/// interval's day range serves both the day counts and the block-hours; its histogram range is computed only
/// when the interval can reach beyond the bins the block already covers.
pub(super) fn tally(b: &BlockSet, blocks: &[usize], prio_bins: &[u8], hist: Option<&Grid>, days: &Days, clip: (f64, f64)) -> Tally {
    let n_days = days.grid.n;
    // One spare slot each: the difference array's end marker, and `add_seconds`' branch-free second day.
    let mut out = Tally { hist: hist.map(|g| DiffCounts::new(g.n)), days: vec![0; n_days + 1], seconds: vec![0.0; n_days + 1] };
    let (lo, hi) = clip;
    // Plain comparisons (one instruction each; the values are never NaN) instead of NaN-aware min/max.
    let clamp = |x: f64| if x < lo { lo } else if x > hi { hi } else { x };
    for &i in blocks {
        let all = b.merged(i);
        // The intervals meeting the range: ascending and disjoint, so a contiguous run found by bisection.
        let first = all.partition_point(|p| !(unix(p.stop) > lo));
        let last = all.partition_point(|p| unix(p.start) < hi);
        if first >= last {
            continue;
        }
        let inside = &all[first..last];

        // Days. The last day the block's previous interval reached (none yet: −1): an interval's first day is
        // never before it, and equals it exactly when the two share a day, which is then already counted.
        let mut last_day = -1i64;
        for per in inside {
            let (s, e) = (clamp(unix(per.start)), clamp(unix(per.stop)));
            let (a, z) = days.span(s, e);
            if a <= z {
                let (au, zu) = (a as usize, z as usize);
                days.add_seconds(&mut out.seconds, au, zu, s, e);
                // Difference array of distinct blocks per day, without a data-dependent branch.
                let shared = (a == last_day) as i64;
                out.days[au] += 1 - shared;
                out.days[au + 1] += shared;
                out.days[zu + 1] -= 1;
                last_day = z;
            }
        }

        // Histogram: an interval ending inside the bins already covered adds nothing (most, on a coarse grid).
        if let (Some(g), Some(acc)) = (hist, out.hist.as_mut()) {
            let (q, sched) = (prio_bins[i], b.is_scheduled(i));
            let mut run = RangeRun::new();
            for per in inside {
                let e = clamp(unix(per.stop));
                if run.covers(e) {
                    continue;
                }
                if let Some((a, z)) = g.touched(clamp(unix(per.start)), e) {
                    if let Some((ra, rz)) = run.push(g, a, z) {
                        acc.add(q, sched, ra, rz);
                    }
                }
            }
            if let Some((ra, rz)) = run.finish() {
                acc.add(q, sched, ra, rz);
            }
        }
    }
    out.seconds.truncate(n_days);
    out
}

/// Below this many merged intervals one thread is faster than two (spawning costs more than it saves).
pub(super) const PARALLEL_MIN_INTERVALS: usize = 20_000;

/// Histogram counts (None when `hist` is None), distinct blocks per day and block-seconds per day of the
/// selected blocks. Large selections are split in two halves of about equal interval counts, tallied on two
/// threads (flows run with the GIL released) and combined in a fixed order, so the result depends on the data
/// only, not on timing.
pub(super) fn tally_selected(
    b: &BlockSet,
    sel: &[usize],
    prio_bins: &[u8],
    hist: Option<&Grid>,
    days: &Days,
    clip: (f64, f64),
) -> (Option<Counts>, Vec<i64>, Vec<f64>) {
    let intervals = |i: usize| b.vis_offsets[i + 1] - b.vis_offsets[i];
    let total: usize = sel.iter().map(|&i| intervals(i)).sum();
    let mut t = if total < PARALLEL_MIN_INTERVALS {
        tally(b, sel, prio_bins, hist, days, clip)
    } else {
        let mut acc = 0;
        let cut = sel
            .iter()
            .position(|&i| {
                acc += intervals(i);
                2 * acc >= total
            })
            .map_or(sel.len(), |k| k + 1);
        let (first, second) = sel.split_at(cut);
        let (mut t1, t2) = std::thread::scope(|sc| {
            let h = sc.spawn(|| tally(b, second, prio_bins, hist, days, clip));
            let t1 = tally(b, first, prio_bins, hist, days, clip);
            (t1, h.join().expect("visibility tally thread"))
        });
        if let (Some(h1), Some(h2)) = (t1.hist.as_mut(), t2.hist.as_ref()) {
            h1.absorb(h2);
        }
        t1.days.iter_mut().zip(&t2.days).for_each(|(x, y)| *x += y);
        t1.seconds.iter_mut().zip(&t2.seconds).for_each(|(x, y)| *x += y);
        t1
    };
    let hist = t.hist.take().map(DiffCounts::into_counts);
    (hist, prefix_sums(t.days), t.seconds)
}
