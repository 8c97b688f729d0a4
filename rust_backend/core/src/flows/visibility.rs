//! Visibility map (flows.md §3): exact distinct counts of visible blocks per time bin (any width) and per
//! UTC day, with priority-bin and status breakdowns.
//!
//! Choices where the spec is silent:
//! * Range: `start_unix` / `end_unix` default independently to the schedule range t0 / t1. When the schedule
//!   has no visibility and the range is not fully given, there is no range: `start_unix` / `end_unix` echo
//!   what was given (else null), `n_bins` = 0, and `bin_seconds` = the requested width for
//!   `Binning::Seconds`, null for `Binning::Count` (a width cannot be derived without a range).
//! * A schedule without visibility gives an empty histogram and calendar even when a range is given; the
//!   parameters are still validated and `bin_seconds` is the width the range would use, `n_bins` = 0 so that
//!   `n_bins` always equals the histogram length.
//! * Calendar days count and sum only the part of each day inside [start, end); `dark_hours` likewise.
//!   A range spanning more than 100,000 days is rejected like too many bins.
//! * `priority_min` > `priority_max` (or NaN) is a ValueError. `unknown_block_ids` counts distinct unknown ids.
//! * `selected_with_visibility`: selected blocks having at least one visibility period (anywhere in time).
//! * `max_count` = max histogram count (0 for no bins), `mean_count` = mean (null for no bins).
//! * Stored 900-s rows are used only when they match the computed grid (same length and first bin start);
//!   otherwise the histogram is computed, so the payload never depends on the path.

#![allow(clippy::neg_cmp_op_on_partial_ord)] // NaN-aware negated comparisons are intentional

use std::collections::HashSet;

use crate::blockset::{BlockCol, BlockCols, BlockSet, ScheduleFacts};
use crate::derive::{merge_periods, unix, PriorityBins};
use crate::error::CoreError;
use crate::flows::aggregates::{prefix_sums, schedule_range, Counts, DiffCounts, Grid, RangeRun, TimeBinRow};
use crate::flows::timeline::{civil_from_days, date_label, month_label};
use crate::payload::{dict, Val};

/// The block columns the visibility map reads besides the intervals (the ETL loader selects only these).
pub const COLUMNS: BlockCols = BlockCols::of(&[
    BlockCol::OriginalId, BlockCol::Priority, BlockCol::SchedStart, BlockCol::SchedStop, BlockCol::PeriodCount,
    BlockCol::TotalVisHours,
]);

pub const MAX_BINS: i64 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Binning {
    Count(i64),
    Seconds(i64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct VisibilityParams {
    pub binning: Binning,
    pub start_unix: Option<i64>,
    pub end_unix: Option<i64>,
    pub priority_min: Option<f64>,
    pub priority_max: Option<f64>,
    pub block_ids: Option<Vec<String>>,
}

impl Default for VisibilityParams {
    fn default() -> Self {
        VisibilityParams {
            binning: Binning::Count(50),
            start_unix: None,
            end_unix: None,
            priority_min: None,
            priority_max: None,
            block_ids: None,
        }
    }
}

impl VisibilityParams {
    /// The request every Visibility Map page opens with: 50 bins over the schedule range, no filters. The ETL
    /// stores its histogram and calendar (`DefaultView`), so the ETL path serves it without the intervals.
    pub fn is_default_view(&self) -> bool {
        self.binning == Binning::Count(DEFAULT_VIEW_BINS)
            && self.start_unix.is_none()
            && self.end_unix.is_none()
            && self.priority_min.is_none()
            && self.priority_max.is_none()
            && self.block_ids.is_none()
    }
}

/// Bins of the default request (flows.md §3 default `n_bins`).
pub const DEFAULT_VIEW_BINS: i64 = 50;

/// One UTC day of the stored default calendar (`schedule_visibility_days`).
#[derive(Debug, Clone, PartialEq)]
pub struct DayRow {
    /// Days since 1970-01-01.
    pub day_index: i64,
    pub visible_blocks: i64,
    /// Block-seconds of visibility inside the day (the flow divides by 3600, as for a computed calendar).
    pub visible_block_seconds: f64,
}

/// The default request's histogram and calendar, computed by the ETL from the same tally the flow runs (so
/// stored == computed bit for bit), with the schedule range they were computed over.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DefaultView {
    /// The schedule range t0, t1 (None: no block has visibility; then both tables are empty).
    pub range: Option<(i64, i64)>,
    pub bins: Vec<TimeBinRow>,
    pub days: Vec<DayRow>,
}

/// What the ETL stores for the default request.
pub fn default_view(b: &BlockSet) -> DefaultView {
    let Some((start, end)) = schedule_range(b) else { return DefaultView::default() };
    let (w, _) = resolve_bins(Binning::Count(DEFAULT_VIEW_BINS), start, end).expect("t0 < t1 for a schedule with visibility");
    let grid = Grid::new(start, end, w);
    let (d0, d1) = (start.div_euclid(86_400), (end - 1).div_euclid(86_400));
    let days = Days::new(d0, d1);
    let all: Vec<usize> = (0..b.len()).collect();
    let bins = PriorityBins::from_priorities(&b.priority).bins_of(&b.priority);
    let (counts, day_counts, seconds) = tally_selected(b, &all, &bins, Some(&grid), &days, (start as f64, end as f64));
    let c = counts.expect("histogram requested");
    DefaultView {
        range: Some((start, end)),
        bins: c.rows(&grid),
        days: (0..days.grid.n)
            .map(|k| DayRow { day_index: d0 + k as i64, visible_blocks: day_counts[k], visible_block_seconds: seconds[k] })
            .collect(),
    }
}

/// Bin width and bin count for a range, validated.
fn resolve_bins(binning: Binning, start: i64, end: i64) -> Result<(i64, usize), CoreError> {
    if start >= end {
        return Err(CoreError::value(format!("start_unix ({start}) must be < end_unix ({end})")));
    }
    let span = end as i128 - start as i128;
    let w: i128 = match binning {
        Binning::Seconds(w) => w as i128,
        Binning::Count(n) => ((span + n as i128 - 1) / n as i128).max(1),
    };
    let n = (span + w - 1) / w;
    if n > MAX_BINS as i128 {
        return Err(CoreError::value(format!(
            "{n} bins of {w} s exceed the limit of {MAX_BINS} bins: choose a wider bin or a shorter range"
        )));
    }
    Ok((w as i64, n as usize))
}

pub fn visibility_map(
    facts: &ScheduleFacts,
    b: &BlockSet,
    p: &VisibilityParams,
    stored_bins: Option<&[TimeBinRow]>,
    stored_default: Option<&DefaultView>,
) -> Result<Val, CoreError> {
    check_params(p)?;
    let n_blocks = b.len();
    // The stored default view (ETL path; the intervals were then not read) carries the schedule range.
    let stored_default = stored_default.filter(|_| p.is_default_view());
    let sched_range = match stored_default {
        Some(dv) => dv.range,
        None => schedule_range(b),
    };
    let start = p.start_unix.or(sched_range.map(|r| r.0));
    let end = p.end_unix.or(sched_range.map(|r| r.1));
    let resolved = match (start, end) {
        (Some(s), Some(e)) => Some((s, e, resolve_bins(p.binning, s, e)?)),
        _ => None,
    };
    let has_vis = sched_range.is_some();

    let Selection { selected, sel_idx, unknown } = select(b, p);
    let pb = PriorityBins::from_priorities(&b.priority);
    let bins = pb.bins_of(&b.priority);
    let no_filters = p.priority_min.is_none() && p.priority_max.is_none() && p.block_ids.is_none();

    let mut hist: Vec<TimeBinRow> = Vec::new();
    let mut cal = Calendar::default();
    let mut n_out = 0usize;
    let mut bin_seconds: Option<i64> = match p.binning {
        Binning::Seconds(w) => Some(w),
        Binning::Count(_) => None,
    };
    if let Some((start, end, (w, n))) = resolved {
        bin_seconds = Some(w);
        if has_vis {
            n_out = n;
            let m = MapInputs { facts, b, p, stored_bins, stored_default, sel_idx: &sel_idx, bins: &bins, no_filters };
            (hist, cal) = histogram_and_calendar(&m, start, end, w, n)?;
        }
    }

    let h_start: Vec<i64> = hist.iter().map(|r| r.bin_start_unix).collect();
    let h_end: Vec<i64> = hist.iter().map(|r| r.bin_end_unix).collect();
    let h_count: Vec<i64> = hist.iter().map(|r| r.total_visible_count).collect();
    let h_q: [Vec<i64>; 4] = std::array::from_fn(|q| hist.iter().map(|r| r.priority_q_count[q]).collect());
    let h_s: Vec<i64> = hist.iter().map(|r| r.scheduled_visible_count).collect();
    let h_u: Vec<i64> = hist.iter().map(|r| r.unscheduled_visible_count).collect();
    let max_count = h_count.iter().copied().max().unwrap_or(0);
    let mean_count =
        if h_count.is_empty() { None } else { Some(h_count.iter().sum::<i64>() as f64 / h_count.len() as f64) };
    let [q1, q2, q3, q4] = h_q;

    let mut dark_sorted = facts.dark_periods.clone();
    dark_sorted.sort_by(|x, y| x.start.total_cmp(&y.start).then(x.stop.total_cmp(&y.stop)));

    let range = dict()
        .put("start_unix", resolved.map(|r| r.0).or(p.start_unix))
        .put("end_unix", resolved.map(|r| r.1).or(p.end_unix))
        .put("schedule_start_unix", sched_range.map(|r| r.0))
        .put("schedule_end_unix", sched_range.map(|r| r.1))
        .put("bin_seconds", bin_seconds)
        .put("n_bins", n_out)
        .build();
    let histogram = dict()
        .put("bin_start_unix", h_start)
        .put("bin_end_unix", h_end)
        .put("count", h_count)
        .put("count_bin1", q1)
        .put("count_bin2", q2)
        .put("count_bin3", q3)
        .put("count_bin4", q4)
        .put("count_scheduled", h_s)
        .put("count_unscheduled", h_u)
        .build();
    let calendar = dict()
        .put("date", cal.date)
        .put("month", cal.month)
        .put("day", cal.day)
        .put("visible_blocks", cal.blocks)
        .put("visible_block_hours", cal.hours)
        .put("dark_hours", cal.dark)
        .build();
    let dark_periods = dict()
        .put("start_mjd", dark_sorted.iter().map(|d| d.start).collect::<Vec<f64>>())
        .put("stop_mjd", dark_sorted.iter().map(|d| d.stop).collect::<Vec<f64>>())
        .build();
    let blocks = dict()
        .put("block_id", b.block_id.clone())
        .put("original_block_id", b.original_id.clone())
        .put("priority", b.priority.clone())
        .put("priority_bin", bins.clone())
        .put("visibility_period_count", b.vis_period_count.clone())
        .put("total_visibility_hours", b.total_vis_hours.clone())
        .put("scheduled", (0..n_blocks).map(|i| b.is_scheduled(i)).collect::<Vec<bool>>())
        .put("selected", selected.clone())
        .build();
    let summary = dict()
        .put("total_blocks", n_blocks)
        .put("selected_blocks", sel_idx.len())
        .put("selected_with_visibility", sel_idx.iter().filter(|&&i| b.vis_period_count[i] > 0).count())
        .put("unknown_block_ids", unknown)
        .put("max_count", max_count)
        .put("mean_count", mean_count)
        .build();
    Ok(dict()
        .put("range", range)
        .put("histogram", histogram)
        .put("calendar", calendar)
        .put("dark_periods", dark_periods)
        .put("blocks", blocks)
        .put("summary", summary)
        .build())
}

/// The parameters' own rules (bins, priority bounds).
fn check_params(p: &VisibilityParams) -> Result<(), CoreError> {
    match p.binning {
        Binning::Count(n) if !(1..=MAX_BINS).contains(&n) => {
            return Err(CoreError::value(format!("n_bins must be in 1..{MAX_BINS} (got {n})")))
        }
        Binning::Seconds(w) if w < 1 => return Err(CoreError::value(format!("bin_seconds must be >= 1 (got {w})"))),
        _ => {}
    }
    for (name, v) in [("priority_min", p.priority_min), ("priority_max", p.priority_max)] {
        if let Some(x) = v {
            if x.is_nan() {
                return Err(CoreError::value(format!("{name} must be a number")));
            }
        }
    }
    if let (Some(lo), Some(hi)) = (p.priority_min, p.priority_max) {
        if lo > hi {
            return Err(CoreError::value(format!("priority_min ({lo}) must be <= priority_max ({hi})")));
        }
    }
    Ok(())
}

/// The blocks a request selects: by priority range and original id.
struct Selection {
    /// Per block.
    selected: Vec<bool>,
    /// Indices of the selected blocks.
    sel_idx: Vec<usize>,
    /// Asked-for ids no block has.
    unknown: usize,
}

fn select(b: &BlockSet, p: &VisibilityParams) -> Selection {
    let n_blocks = b.len();
    let known: HashSet<&str> = b.original_id.iter().collect();
    let (id_filter, unknown) = match &p.block_ids {
        Some(ids) => {
            let set: HashSet<&str> = ids.iter().map(|s| s.as_str()).collect();
            let unknown = set.iter().filter(|s| !known.contains(*s)).count();
            (Some(set), unknown)
        }
        None => (None, 0),
    };
    let selected: Vec<bool> = (0..n_blocks)
        .map(|i| {
            let pr = b.priority[i];
            p.priority_min.map_or(true, |lo| pr >= lo)
                && p.priority_max.map_or(true, |hi| pr <= hi)
                && id_filter.as_ref().map_or(true, |set| set.contains(&b.original_id[i]))
        })
        .collect();
    let sel_idx = (0..n_blocks).filter(|&i| selected[i]).collect();
    Selection { selected, sel_idx, unknown }
}

/// What the histogram and the calendar are computed from.
struct MapInputs<'a> {
    facts: &'a ScheduleFacts,
    b: &'a BlockSet,
    p: &'a VisibilityParams,
    stored_bins: Option<&'a [TimeBinRow]>,
    stored_default: Option<&'a DefaultView>,
    sel_idx: &'a [usize],
    bins: &'a [u8],
    no_filters: bool,
}

/// The calendar's columns, one entry per UTC day of the range.
#[derive(Default)]
struct Calendar {
    date: Vec<String>,
    month: Vec<String>,
    day: Vec<u8>,
    blocks: Vec<i64>,
    hours: Vec<f64>,
    dark: Vec<f64>,
}

/// The histogram rows over [start, end) in `n` bins of `w` seconds, and the calendar of the same range.
fn histogram_and_calendar(inp: &MapInputs, start: i64, end: i64, w: i64, n: usize) -> Result<(Vec<TimeBinRow>, Calendar), CoreError> {
    let grid = Grid::new(start, end, w);
    debug_assert_eq!(grid.n, n);
    let clip = (start as f64, end as f64);
    let use_stored = match inp.stored_bins {
        Some(rows) => {
            w == 900
                && inp.p.start_unix.is_none()
                && inp.p.end_unix.is_none()
                && inp.no_filters
                && rows.len() == n
                && rows.first().map_or(true, |r| r.bin_start_unix == start)
        }
        None => false,
    };
    // Calendar: UTC days from the day of start to the day of end − 1 s.
    let d0 = start.div_euclid(86_400);
    let d1 = (end - 1).div_euclid(86_400);
    let ndays = (d1 - d0 + 1) as usize;
    if ndays as i64 > MAX_BINS {
        return Err(CoreError::value(format!(
            "the range spans {ndays} days (limit {MAX_BINS}): choose a shorter range"
        )));
    }
    let days = Days::new(d0, d1);
    // The histogram: stored rows where they apply (the default view, or the 900-s grid), else the tally.
    let (hist, day_totals, hours) = if let Some(dv) = inp.stored_default {
        let fits = dv.bins.len() == n
            && dv.bins.first().map_or(true, |r| r.bin_start_unix == start)
            && dv.days.len() == ndays
            && dv.days.first().map_or(true, |r| r.day_index == d0);
        if !fits {
            return Err(CoreError::db(format!(
                "schedule {}: the stored default visibility rows do not match its range (run `tsi etl backfill --force`)",
                inp.facts.schedule_id
            )));
        }
        let totals = dv.days.iter().map(|r| r.visible_blocks).collect();
        let secs = dv.days.iter().map(|r| r.visible_block_seconds).collect();
        (dv.bins.clone(), totals, seconds_to_hours(secs))
    } else {
        let hist_grid = if use_stored { None } else { Some(&grid) };
        let (counts, day_totals, seconds) = tally_selected(inp.b, inp.sel_idx, inp.bins, hist_grid, &days, clip);
        let hist = match (inp.stored_bins.filter(|_| use_stored), counts) {
            (Some(rows), _) => rows.to_vec(),
            (None, Some(c)) => c.rows(&grid),
            (None, None) => unreachable!("the tally computes the histogram when no stored rows are used"),
        };
        (hist, day_totals, seconds_to_hours(seconds))
    };

    let mut dark = inp.facts.dark_periods.clone();
    let mut dark_h = vec![0.0; ndays + 1]; // + the spare slot of `add_seconds`
    for per in merge_periods(&mut dark) {
        let (s, e) = (unix(per.start).max(clip.0), unix(per.stop).min(clip.1));
        if !(s < e) {
            continue; // outside the range
        }
        let (a, z) = days.span(s, e);
        if a <= z {
            days.add_seconds(&mut dark_h, a as usize, z as usize, s, e);
        }
    }
    let mut cal = Calendar::default();
    for k in 0..ndays {
        let (y, m, d) = civil_from_days(d0 + k as i64);
        cal.date.push(date_label(y, m, d));
        cal.month.push(month_label(y, m));
        cal.day.push(d as u8);
    }
    cal.blocks = day_totals;
    cal.hours = hours;
    dark_h.truncate(ndays);
    cal.dark = seconds_to_hours(dark_h);
    Ok((hist, cal))
}

const DAY: i64 = 86_400;

/// UTC days as a grid aligned to midnight, with the calendar's hot path: the days an interval overlaps,
/// computed exactly with few branches, and its seconds per day.
struct Days {
    grid: Grid,
    /// grid.start as a float: day edges o + k·86400 are integers below 2^53, so exact in f64.
    o: f64,
}

impl Days {
    /// Days `first_day ..= last_day` (days since 1970-01-01).
    fn new(first_day: i64, last_day: i64) -> Days {
        let grid = Grid::new(first_day * DAY, (last_day + 1) * DAY, DAY);
        Days { grid, o: grid.start as f64 }
    }

    /// ⌊(t − start)/day⌋ for t ≥ start: a float estimate, off by at most one day, corrected against the exact
    /// edges without branches.
    #[inline(always)]
    fn floor_day(&self, t: f64) -> i64 {
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
    fn span(&self, s: f64, e: f64) -> (i64, i64) {
        let z = self.floor_day(e);
        (self.floor_day(s), z - (self.o + z as f64 * DAY as f64 == e) as i64)
    }

    /// Add the seconds of [s, e) inside days a..=z to `acc` (which has one spare slot at the end). Most
    /// intervals lie inside one day or cross one midnight: both are handled without a branch (the second day
    /// receives +0.0 when there is none). Seconds are summed and turned into hours once, at the end.
    #[inline(always)]
    fn add_seconds(&self, acc: &mut [f64], a: usize, z: usize, s: f64, e: f64) {
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

fn seconds_to_hours(v: Vec<f64>) -> Vec<f64> {
    v.into_iter().map(|x| x / 3600.0).collect()
}

/// What one pass over some blocks' merged intervals accumulates: histogram difference arrays (when the
/// histogram is computed), distinct blocks per day (difference array) and block-seconds per day.
struct Tally {
    hist: Option<DiffCounts>,
    days: Vec<i64>,
    seconds: Vec<f64>,
}

/// One pass over the merged intervals of `blocks` (ascending and disjoint per block), clipped to `clip`: each
/// interval's day range serves both the day counts and the block-hours; its histogram range is computed only
/// when the interval can reach beyond the bins the block already covers.
fn tally(b: &BlockSet, blocks: &[usize], prio_bins: &[u8], hist: Option<&Grid>, days: &Days, clip: (f64, f64)) -> Tally {
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
const PARALLEL_MIN_INTERVALS: usize = 20_000;

/// Histogram counts (None when `hist` is None), distinct blocks per day and block-seconds per day of the
/// selected blocks. Large selections are split in two halves of about equal interval counts, tallied on two
/// threads (flows run with the GIL released) and combined in a fixed order, so the result depends on the data
/// only, not on timing.
fn tally_selected(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::aggregates::tests::{brute, mjd, random_blocks, row};
    use crate::flows::aggregates::visibility_time_bins;
    use crate::model::Period;

    fn facts(dark: Vec<Period>) -> ScheduleFacts {
        ScheduleFacts { schedule_id: 1, name: "t".into(), checksum: "c".into(), dark_periods: dark }
    }

    fn col_i(v: &Val, t: &str, c: &str) -> Vec<i64> {
        match v.get(t).and_then(|x| x.get(c)) {
            Some(Val::ColI64(x)) => x.clone(),
            other => panic!("{t}.{c}: {other:?}"),
        }
    }

    fn params(binning: Binning) -> VisibilityParams {
        VisibilityParams { binning, ..Default::default() }
    }

    #[test]
    fn histogram_exact_against_brute_force() {
        let base = 1_800_000_000.0;
        for seed in 1..5u64 {
            let b = random_blocks(seed, 30, base, 10_000);
            let (t0, t1) = schedule_range(&b).unwrap();
            let cases: Vec<(Binning, Option<i64>, Option<i64>)> = vec![
                (Binning::Seconds(1), None, None),
                (Binning::Seconds(7), None, None),
                (Binning::Seconds(900), None, None),
                (Binning::Seconds(1234), Some(t0 + 500), Some(t1 - 777)),
                (Binning::Count(50), None, None),
                (Binning::Count(13), Some(t0 - 1000), Some(t0 + 4321)),
                (Binning::Count(1), None, None),
                (Binning::Seconds(86_400), Some(t0 + 3), Some(t0 + 200_000)),
                (Binning::Seconds(3), Some(t0 + 2000), Some(t0 + 2101)),
            ];
            for (binning, s, e) in cases {
                for filt in [false, true] {
                    let mut p = params(binning);
                    p.start_unix = s;
                    p.end_unix = e;
                    if filt {
                        p.priority_min = Some(3.0);
                        p.block_ids = Some((1..20).map(|k| format!("B{k}")).chain(["nope".to_string()]).collect());
                    }
                    let v = visibility_map(&facts(vec![]), &b, &p, None, None).unwrap();
                    let start = s.unwrap_or(t0);
                    let end = e.unwrap_or(t1);
                    let (w, n) = resolve_bins(binning, start, end).unwrap();
                    let g = Grid::new(start, end, w);
                    assert_eq!(g.n, n);
                    let sel: Vec<bool> = match v.get("blocks").unwrap().get("selected") {
                        Some(Val::ColBool(x)) => x.clone(),
                        _ => panic!(),
                    };
                    let clip = (start as f64, end as f64);
                    assert_eq!(col_i(&v, "histogram", "count"), brute(&b, &g, &sel, clip), "{binning:?} {s:?} {e:?}");
                    let sched: Vec<bool> = (0..b.len()).map(|i| sel[i] && b.is_scheduled(i)).collect();
                    assert_eq!(col_i(&v, "histogram", "count_scheduled"), brute(&b, &g, &sched, clip));
                    let pb = PriorityBins::from_priorities(&b.priority);
                    let q3: Vec<bool> = (0..b.len()).map(|i| sel[i] && pb.bin(b.priority[i]) == 3).collect();
                    assert_eq!(col_i(&v, "histogram", "count_bin3"), brute(&b, &g, &q3, clip));
                    let ends = col_i(&v, "histogram", "bin_end_unix");
                    assert_eq!(*ends.last().unwrap(), end);
                    // calendar: day grid aligned to midnight, restricted to the range
                    let d0 = start.div_euclid(86400);
                    let d1 = (end - 1).div_euclid(86400);
                    let dg = Grid::new(d0 * 86400, (d1 + 1) * 86400, 86400);
                    assert_eq!(col_i(&v, "calendar", "visible_blocks"), brute(&b, &dg, &sel, clip));
                    if filt {
                        assert_eq!(v.get("summary").unwrap().get("unknown_block_ids"), Some(&Val::Int(1)));
                    }
                }
            }
        }
    }

    /// Naive block-hours per calendar day straight from the definition.
    fn naive_hours(b: &BlockSet, sel: &[bool], d0: i64, ndays: usize, clip: (f64, f64)) -> Vec<f64> {
        (0..ndays)
            .map(|k| {
                let (ds, de) = (((d0 + k as i64) * 86400) as f64, ((d0 + k as i64 + 1) * 86400) as f64);
                let (lo, hi) = (ds.max(clip.0), de.min(clip.1));
                (0..b.len())
                    .filter(|&i| sel[i])
                    .flat_map(|i| b.merged(i).iter())
                    .map(|p| (unix(p.stop).min(hi) - unix(p.start).max(lo)).max(0.0))
                    .sum::<f64>()
                    / 3600.0
            })
            .collect()
    }

    #[test]
    fn large_selection_split_over_two_threads_is_exact() {
        // Enough intervals to take the two-thread path; spans of several days, so intervals cross midnights.
        let base = 1_800_000_000.0 - 3_000.0;
        let b = random_blocks(17, 20_000, base, 4 * 86_400);
        assert!(b.vis.len() >= PARALLEL_MIN_INTERVALS);
        let (t0, t1) = schedule_range(&b).unwrap();
        for (binning, s, e) in [(Binning::Count(50), None, None), (Binning::Seconds(3_600), Some(t0 + 50_000), Some(t1 - 7))] {
            let mut p = params(binning);
            p.start_unix = s;
            p.end_unix = e;
            let v = visibility_map(&facts(vec![]), &b, &p, None, None).unwrap();
            let (start, end) = (s.unwrap_or(t0), e.unwrap_or(t1));
            let (w, _) = resolve_bins(binning, start, end).unwrap();
            let clip = (start as f64, end as f64);
            let sel = vec![true; b.len()];
            assert_eq!(col_i(&v, "histogram", "count"), brute(&b, &Grid::new(start, end, w), &sel, clip));
            let (d0, d1) = (start.div_euclid(86400), (end - 1).div_euclid(86400));
            let dg = Grid::new(d0 * 86400, (d1 + 1) * 86400, 86400);
            assert_eq!(col_i(&v, "calendar", "visible_blocks"), brute(&b, &dg, &sel, clip));
            let want = naive_hours(&b, &sel, d0, dg.n, clip);
            match v.get("calendar").and_then(|c| c.get("visible_block_hours")) {
                Some(Val::ColF64(got)) => {
                    assert_eq!(got.len(), want.len());
                    for (g, w) in got.iter().zip(&want) {
                        assert!((g - w).abs() <= 1e-9 * w.max(1.0), "{g} vs {w}");
                    }
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn stored_rows_identical_to_computed() {
        let b = random_blocks(9, 40, 1_750_000_000.0, 50_000);
        let (_, rows) = visibility_time_bins(&b);
        let p = params(Binning::Seconds(900));
        let a = visibility_map(&facts(vec![]), &b, &p, None, None).unwrap();
        let c = visibility_map(&facts(vec![]), &b, &p, Some(&rows), None).unwrap();
        assert_eq!(a, c);
        // Stored rows are ignored when a filter is set (tampered rows would show otherwise).
        let mut bad = rows.clone();
        bad[0].total_visible_count += 100;
        let mut pf = p.clone();
        pf.priority_min = Some(-1.0);
        assert_eq!(
            visibility_map(&facts(vec![]), &b, &pf, Some(&bad), None).unwrap().get("histogram"),
            a.get("histogram")
        );
        assert_ne!(visibility_map(&facts(vec![]), &b, &p, Some(&bad), None).unwrap(), a);
    }

    #[test]
    fn stored_default_view_identical_to_computed() {
        let dark = vec![Period::new(mjd(1_750_000_000.0), mjd(1_750_030_000.0))];
        for (seed, n) in [(9u64, 40usize), (10, 25_000)] {
            let b = random_blocks(seed, n, 1_750_000_000.0, 3 * 86_400);
            let dv = default_view(&b);
            let p = VisibilityParams::default();
            assert!(p.is_default_view());
            let computed = visibility_map(&facts(dark.clone()), &b, &p, None, None).unwrap();
            // The ETL path serves the default request without the intervals: only the block rows.
            let mut rows_only = BlockSet::new();
            for i in 0..b.len() {
                rows_only.push_merged(b.row(i), &[], b.vis_period_count[i], b.total_vis_hours[i]);
            }
            let stored = visibility_map(&facts(dark.clone()), &rows_only, &p, None, Some(&dv)).unwrap();
            assert_eq!(stored, computed, "seed {seed}");
            // Any other request ignores the stored view.
            let mut other = p.clone();
            other.binning = Binning::Count(49);
            assert!(!other.is_default_view());
            assert_eq!(
                visibility_map(&facts(vec![]), &b, &other, None, Some(&dv)).unwrap(),
                visibility_map(&facts(vec![]), &b, &other, None, None).unwrap()
            );
        }
        // No visibility at all: empty stored view, same payload.
        let mut b = BlockSet::new();
        b.push_raw(row(1, 1.0), vec![]);
        let dv = default_view(&b);
        assert_eq!(dv, DefaultView::default());
        let p = VisibilityParams::default();
        assert_eq!(
            visibility_map(&facts(vec![]), &b, &p, None, Some(&dv)).unwrap(),
            visibility_map(&facts(vec![]), &b, &p, None, None).unwrap()
        );
        // Rows that do not fit the range are an error, never a wrong picture.
        let b = random_blocks(3, 30, 1_750_000_000.0, 86_400);
        let mut bad = default_view(&b);
        bad.days.pop();
        assert!(matches!(visibility_map(&facts(vec![]), &b, &p, None, Some(&bad)), Err(CoreError::Database { .. })));
    }

    #[test]
    fn calendar_hours_and_dark() {
        let day = 20_000i64 * 86400; // 2024-10-04 00:00 UTC
        let mut b = BlockSet::new();
        b.push_raw(row(1, 1.0), vec![Period::new(mjd(day as f64 + 79_200.0), mjd(day as f64 + 90_000.0))]); // 22:00 → +1d 01:00
        b.push_raw(row(2, 2.0), vec![Period::new(mjd(day as f64 + 3600.0), mjd(day as f64 + 7200.0))]);
        let dark = vec![Period::new(mjd(day as f64 + 72_000.0), mjd(day as f64 + 100_800.0))]; // 20:00 → +1d 04:00
        let v = visibility_map(&facts(dark), &b, &params(Binning::Seconds(3600)), None, None).unwrap();
        let cal = v.get("calendar").unwrap();
        assert_eq!(cal.get("date"), Some(&Val::strs(&["2024-10-04", "2024-10-05"])));
        assert_eq!(cal.get("month"), Some(&Val::strs(&["2024-10", "2024-10"])));
        assert_eq!(cal.get("day"), Some(&Val::ColU8(vec![4, 5])));
        assert_eq!(cal.get("visible_blocks"), Some(&Val::ColI64(vec![2, 1])));
        let approx = |c: &str, want: [f64; 2]| match cal.get(c) {
            Some(Val::ColF64(x)) => assert!(x.len() == 2 && (x[0] - want[0]).abs() < 1e-3 && (x[1] - want[1]).abs() < 1e-3, "{c} {x:?}"),
            other => panic!("{other:?}"),
        };
        approx("visible_block_hours", [3.0, 1.0]);
        // dark is clipped to the range [01:00, +1d 01:00)
        approx("dark_hours", [4.0, 1.0]);
        let r = v.get("range").unwrap();
        assert_eq!(r.get("start_unix"), Some(&Val::Int(day + 3600)));
        assert_eq!(r.get("n_bins"), Some(&Val::Int(25))); // t1 = ceil(stop) lands 1 s late after the MJD round trip
        assert_eq!(v.get("summary").unwrap().get("max_count"), Some(&Val::Int(1)));
    }

    #[test]
    fn parameter_errors() {
        let b = random_blocks(3, 5, 1_800_000_000.0, 1000);
        let f = facts(vec![]);
        let err = |p: VisibilityParams| match visibility_map(&f, &b, &p, None, None) {
            Err(CoreError::Value { message }) => message,
            other => panic!("{other:?}"),
        };
        assert!(err(params(Binning::Count(0))).contains("n_bins"));
        assert!(err(params(Binning::Count(100_001))).contains("n_bins"));
        assert!(err(params(Binning::Seconds(0))).contains("bin_seconds"));
        let mut p = params(Binning::Seconds(1));
        p.start_unix = Some(0);
        p.end_unix = Some(200_000);
        assert!(err(p.clone()).contains("choose a wider bin or a shorter range"));
        p.end_unix = Some(0);
        assert!(err(p).contains("start_unix"));
        let mut p = params(Binning::Count(5));
        p.priority_min = Some(5.0);
        p.priority_max = Some(1.0);
        assert!(err(p).contains("priority_min"));
        assert!(visibility_map(&f, &b, &params(Binning::Count(100_000)), None, None).is_ok());
    }

    #[test]
    fn empty_and_no_visibility() {
        let f = facts(vec![Period::new(60000.0, 60000.3)]);
        let v = visibility_map(&f, &BlockSet::new(), &params(Binning::Count(50)), None, None).unwrap();
        let r = v.get("range").unwrap();
        assert_eq!(r.get("schedule_start_unix"), Some(&Val::Null));
        assert_eq!(r.get("n_bins"), Some(&Val::Int(0)));
        assert_eq!(r.get("bin_seconds"), Some(&Val::Null));
        assert_eq!(col_i(&v, "histogram", "count"), Vec::<i64>::new());
        assert_eq!(v.get("calendar").unwrap().get("date"), Some(&Val::strs(&[])));
        assert_eq!(v.get("summary").unwrap().get("mean_count"), Some(&Val::Null));
        let mut b = BlockSet::new();
        b.push_raw(row(1, 1.0), vec![]);
        let mut p = params(Binning::Seconds(600));
        p.start_unix = Some(0);
        p.end_unix = Some(6000);
        let v = visibility_map(&f, &b, &p, None, None).unwrap();
        assert_eq!(v.get("range").unwrap().get("bin_seconds"), Some(&Val::Int(600)));
        assert_eq!(col_i(&v, "histogram", "count").len(), 0);
        assert_eq!(v.get("blocks").unwrap().get("selected"), Some(&Val::ColBool(vec![true])));
        // filters selecting nothing → zero counts
        let b = random_blocks(4, 10, 1_800_000_000.0, 5000);
        let mut p = params(Binning::Count(20));
        p.block_ids = Some(vec!["zzz".into()]);
        let v = visibility_map(&f, &b, &p, None, None).unwrap();
        assert!(col_i(&v, "histogram", "count").iter().all(|&c| c == 0));
        assert_eq!(v.get("summary").unwrap().get("selected_blocks"), Some(&Val::Int(0)));
    }
}
