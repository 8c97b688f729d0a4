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
use crate::etl::aggregates::{schedule_range, Grid};
use crate::etl::{DayRow, DefaultView, TimeBinRow};
use crate::flows::timeline::{civil_from_days, date_label, month_label};
use crate::flows::spec::{DefaultValue, FlowSpec, Kind, Param, Rule};
use crate::payload::{dict, Val};

mod days;
use days::{seconds_to_hours, tally_selected, Days};

/// The block columns the visibility map reads besides the intervals (the ETL loader selects only these).
pub const COLUMNS: BlockCols = BlockCols::of(&[
    BlockCol::OriginalId, BlockCol::Priority, BlockCol::SchedStart, BlockCol::SchedStop, BlockCol::PeriodCount,
    BlockCol::TotalVisHours,
]);

pub const MAX_BINS: i64 = 100_000;

/// The visibility map's parameters (flows.md §3).
pub const SPEC: FlowSpec = FlowSpec {
    name: "visibility_map",
    params: &[
        Param::new("n_bins", Kind::Int, DefaultValue::Int(DEFAULT_VIEW_BINS)).within(1.0, MAX_BINS as f64),
        Param::new("bin_seconds", Kind::Int, DefaultValue::Absent).at_least(1.0),
        Param::new("start_unix", Kind::Int, DefaultValue::Absent),
        Param::new("end_unix", Kind::Int, DefaultValue::Absent),
        Param::new("priority_min", Kind::Float, DefaultValue::Absent),
        Param::new("priority_max", Kind::Float, DefaultValue::Absent),
        Param::new("block_ids", Kind::TextSet, DefaultValue::Absent),
    ],
    rules: &[
        Rule::Exclusive { first: "n_bins", second: "bin_seconds", message: "give n_bins or bin_seconds, not both" },
        Rule::Ordered { lo: "start_unix", hi: "end_unix", strict: true, message: "start must be before end" },
        PRIORITY_ORDER,
    ],
};

const PRIORITY_ORDER: Rule = Rule::Ordered {
    lo: "priority_min",
    hi: "priority_max",
    strict: false,
    message: "priority_min ({lo}) must be <= priority_max ({hi})",
};

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
    /// Parameters as a request gives them: `n_bins` or `bin_seconds` (neither: the default bin count).
    pub fn new(
        n_bins: Option<i64>,
        bin_seconds: Option<i64>,
        start_unix: Option<i64>,
        end_unix: Option<i64>,
        priority_min: Option<f64>,
        priority_max: Option<f64>,
        block_ids: Option<Vec<String>>,
    ) -> Result<Self, CoreError> {
        let binning = match (n_bins, bin_seconds) {
            (Some(_), Some(_)) => {
                let Rule::Exclusive { message, .. } = SPEC.rules[0] else { unreachable!("the first rule") };
                return Err(CoreError::value(message));
            }
            (None, Some(s)) => Binning::Seconds(s),
            (Some(n), None) => Binning::Count(n),
            (None, None) => Binning::Count(DEFAULT_VIEW_BINS),
        };
        Ok(VisibilityParams { binning, start_unix, end_unix, priority_min, priority_max, block_ids })
    }

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
        Binning::Count(n) if !SPEC.param("n_bins").admits(n as f64) => {
            return Err(CoreError::value(format!("n_bins must be in 1..{MAX_BINS} (got {n})")))
        }
        Binning::Seconds(w) if !SPEC.param("bin_seconds").admits(w as f64) => return Err(CoreError::value(format!("bin_seconds must be >= 1 (got {w})"))),
        _ => {}
    }
    for (name, v) in [("priority_min", p.priority_min), ("priority_max", p.priority_max)] {
        if let Some(x) = v {
            if x.is_nan() {
                return Err(CoreError::value(format!("{name} must be a number")));
            }
        }
    }
    PRIORITY_ORDER.check_order(p.priority_min, p.priority_max)
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

#[cfg(test)]
mod tests;
