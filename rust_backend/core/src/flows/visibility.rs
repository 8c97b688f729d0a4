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
//! * `selected_with_visibility`: selected blocks having at least one merged interval (anywhere in time).
//! * `max_count` = max histogram count (0 for no bins), `mean_count` = mean (null for no bins).
//! * Stored 900-s rows are used only when they match the computed grid (same length and first bin start);
//!   otherwise the histogram is computed, so the payload never depends on the path.

#![allow(clippy::neg_cmp_op_on_partial_ord)] // NaN-aware negated comparisons are intentional

use std::collections::HashSet;

use crate::blockset::{BlockSet, ScheduleFacts};
use crate::derive::{merge_periods, unix, PriorityBins};
use crate::error::CoreError;
use crate::flows::aggregates::{distinct_counts, schedule_range, Grid, TimeBinRow};
use crate::flows::timeline::{civil_from_days, date_label, month_label};
use crate::payload::{dict, Val};

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
) -> Result<Val, CoreError> {
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

    let n_blocks = b.len();
    let sched_range = schedule_range(b);
    let start = p.start_unix.or(sched_range.map(|r| r.0));
    let end = p.end_unix.or(sched_range.map(|r| r.1));
    let resolved = match (start, end) {
        (Some(s), Some(e)) => Some((s, e, resolve_bins(p.binning, s, e)?)),
        _ => None,
    };
    let has_vis = sched_range.is_some();

    // Selection.
    let known: HashSet<&str> = b.original_id.iter().map(|s| s.as_str()).collect();
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
                && id_filter.as_ref().map_or(true, |set| set.contains(b.original_id[i].as_str()))
        })
        .collect();
    let sel_idx: Vec<usize> = (0..n_blocks).filter(|&i| selected[i]).collect();
    let pb = PriorityBins::from_priorities(&b.priority);
    let bins = pb.bins_of(&b.priority);
    let no_filters = p.priority_min.is_none() && p.priority_max.is_none() && p.block_ids.is_none();

    // Histogram.
    let mut h_start = Vec::new();
    let mut h_end = Vec::new();
    let mut h_count = Vec::new();
    let mut h_q: [Vec<i64>; 4] = Default::default();
    let mut h_s = Vec::new();
    let mut h_u = Vec::new();
    // Calendar.
    let mut c_date = Vec::new();
    let mut c_month = Vec::new();
    let mut c_day: Vec<u8> = Vec::new();
    let mut c_blocks = Vec::new();
    let mut c_hours = Vec::new();
    let mut c_dark = Vec::new();

    let mut n_out = 0usize;
    let mut bin_seconds: Option<i64> = match p.binning {
        Binning::Seconds(w) => Some(w),
        Binning::Count(_) => None,
    };
    if let Some((start, end, (w, n))) = resolved {
        bin_seconds = Some(w);
        if has_vis {
            n_out = n;
            let grid = Grid { start, end, w, n };
            let clip = (start as f64, end as f64);
            let use_stored = match stored_bins {
                Some(rows) => {
                    w == 900
                        && p.start_unix.is_none()
                        && p.end_unix.is_none()
                        && no_filters
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
            let day_grid = Grid { start: d0 * 86_400, end: (d1 + 1) * 86_400, w: 86_400, n: ndays };
            let add_hours = |acc: &mut Vec<f64>, s: f64, e: f64| {
                let s = s.max(clip.0);
                let e = e.min(clip.1);
                if !(s < e) {
                    return;
                }
                // First and last day touched: an estimate by multiplication, corrected against the exact integer
                // day edges (so each interval visits only the days it overlaps).
                const INV_DAY: f64 = 1.0 / 86_400.0;
                let mut first = (s * INV_DAY) as i64;
                if ((first + 1) * 86_400) as f64 <= s {
                    first += 1;
                } else if ((first * 86_400) as f64) > s {
                    first -= 1;
                }
                let mut last = (e * INV_DAY) as i64;
                if ((last * 86_400) as f64) >= e {
                    last -= 1;
                } else if (((last + 1) * 86_400) as f64) < e {
                    last += 1;
                }
                let (first, last) = (first.max(d0), last.min(d1));
                for d in first..=last {
                    let ds = (d * 86_400) as f64;
                    let de = ds + 86_400.0;
                    let x = e.min(de) - s.max(ds);
                    if x > 0.0 {
                        acc[(d - d0) as usize] += x / 3600.0;
                    }
                }
            };
            // Block-hours of a share of the selected blocks (the two threads each sum one half; the halves are
            // added afterwards, in a fixed order, so the result does not depend on timing).
            let hours_of = |blocks: &[usize]| {
                let mut acc = vec![0.0; ndays];
                for &i in blocks {
                    for per in b.merged(i) {
                        add_hours(&mut acc, unix(per.start), unix(per.stop));
                    }
                }
                acc
            };
            let (first_half, second_half) = sel_idx.split_at(sel_idx.len() / 2);
            // The calendar (day counts and block-hours) runs on a second thread beside the histogram: both walk
            // every merged interval of the selected blocks, and the flow runs with the GIL released.
            let (hist_counts, (day_totals, hours)) = std::thread::scope(|sc| {
                // Day counts run on a second thread; the histogram and the block-hours on this one (each side
                // walks the selected blocks' merged intervals once or twice; the GIL is released).
                let calendar = sc.spawn(|| {
                    let mut diff = vec![0i64; ndays + 1];
                    for &i in &sel_idx {
                        let mut cur: Option<(usize, usize)> = None;
                        for per in b.merged(i) {
                            let (s, e) = (unix(per.start), unix(per.stop));
                            if !(s < clip.1) || !(e > clip.0) {
                                continue;
                            }
                            let Some((a, z)) = day_grid.touched(s.max(clip.0), e.min(clip.1)) else { continue };
                            cur = match cur {
                                Some((ca, cz)) if a <= cz => Some((ca, cz.max(z))),
                                Some((ca, cz)) => {
                                    diff[ca] += 1;
                                    diff[cz + 1] -= 1;
                                    Some((a, z))
                                }
                                None => Some((a, z)),
                            };
                        }
                        if let Some((ca, cz)) = cur {
                            diff[ca] += 1;
                            diff[cz + 1] -= 1;
                        }
                    }
                    let mut run = 0i64;
                    let totals = diff[..ndays]
                        .iter()
                        .map(|d| {
                            run += d;
                            run
                        })
                        .collect::<Vec<i64>>();
                    (totals, hours_of(first_half))
                });
                let hist = if use_stored { None } else { Some(distinct_counts(b, sel_idx.iter().copied(), &bins, &grid, clip)) };
                let second = hours_of(second_half);
                let (totals, first) = calendar.join().expect("calendar thread");
                let hours: Vec<f64> = first.iter().zip(&second).map(|(a, c)| a + c).collect();
                (hist, (totals, hours))
            });
            if use_stored {
                for r in stored_bins.unwrap() {
                    h_start.push(r.bin_start_unix);
                    h_end.push(r.bin_end_unix);
                    h_count.push(r.total_visible_count);
                    for q in 0..4 {
                        h_q[q].push(r.priority_q_count[q]);
                    }
                    h_s.push(r.scheduled_visible_count);
                    h_u.push(r.unscheduled_visible_count);
                }
            } else {
                let c = hist_counts.expect("histogram computed when stored rows are not used");
                h_start = (0..n).map(|k| grid.bin_start(k)).collect();
                h_end = (0..n).map(|k| grid.bin_end(k)).collect();
                h_count = c.total;
                h_q = c.q;
                h_s = c.sched;
                h_u = c.unsched;
            }

            let mut dark = facts.dark_periods.clone();
            let mut dark_h = vec![0.0; ndays];
            for per in merge_periods(&mut dark) {
                add_hours(&mut dark_h, unix(per.start), unix(per.stop));
            }
            for k in 0..ndays {
                let (y, m, d) = civil_from_days(d0 + k as i64);
                c_date.push(date_label(y, m, d));
                c_month.push(month_label(y, m));
                c_day.push(d as u8);
            }
            c_blocks = day_totals;
            c_hours = hours;
            c_dark = dark_h;
        }
    }

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
        .put("date", c_date)
        .put("month", c_month)
        .put("day", c_day)
        .put("visible_blocks", c_blocks)
        .put("visible_block_hours", c_hours)
        .put("dark_hours", c_dark)
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
        .put("selected_with_visibility", sel_idx.iter().filter(|&&i| !b.merged(i).is_empty()).count())
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
                    let v = visibility_map(&facts(vec![]), &b, &p, None).unwrap();
                    let start = s.unwrap_or(t0);
                    let end = e.unwrap_or(t1);
                    let (w, n) = resolve_bins(binning, start, end).unwrap();
                    let g = Grid { start, end, w, n };
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
                    let dg = Grid { start: d0 * 86400, end: (d1 + 1) * 86400, w: 86400, n: (d1 - d0 + 1) as usize };
                    assert_eq!(col_i(&v, "calendar", "visible_blocks"), brute(&b, &dg, &sel, clip));
                    if filt {
                        assert_eq!(v.get("summary").unwrap().get("unknown_block_ids"), Some(&Val::Int(1)));
                    }
                }
            }
        }
    }

    #[test]
    fn stored_rows_identical_to_computed() {
        let b = random_blocks(9, 40, 1_750_000_000.0, 50_000);
        let (_, rows) = visibility_time_bins(&b);
        let p = params(Binning::Seconds(900));
        let a = visibility_map(&facts(vec![]), &b, &p, None).unwrap();
        let c = visibility_map(&facts(vec![]), &b, &p, Some(&rows)).unwrap();
        assert_eq!(a, c);
        // Stored rows are ignored when a filter is set (tampered rows would show otherwise).
        let mut bad = rows.clone();
        bad[0].total_visible_count += 100;
        let mut pf = p.clone();
        pf.priority_min = Some(-1.0);
        assert_eq!(
            visibility_map(&facts(vec![]), &b, &pf, Some(&bad)).unwrap().get("histogram"),
            a.get("histogram")
        );
        assert_ne!(visibility_map(&facts(vec![]), &b, &p, Some(&bad)).unwrap(), a);
    }

    #[test]
    fn calendar_hours_and_dark() {
        let day = 20_000i64 * 86400; // 2024-10-04 00:00 UTC
        let mut b = BlockSet::new();
        b.push_raw(row(1, 1.0), vec![Period::new(mjd(day as f64 + 79_200.0), mjd(day as f64 + 90_000.0))]); // 22:00 → +1d 01:00
        b.push_raw(row(2, 2.0), vec![Period::new(mjd(day as f64 + 3600.0), mjd(day as f64 + 7200.0))]);
        let dark = vec![Period::new(mjd(day as f64 + 72_000.0), mjd(day as f64 + 100_800.0))]; // 20:00 → +1d 04:00
        let v = visibility_map(&facts(dark), &b, &params(Binning::Seconds(3600)), None).unwrap();
        let cal = v.get("calendar").unwrap();
        assert_eq!(cal.get("date"), Some(&Val::ColStr(vec!["2024-10-04".into(), "2024-10-05".into()])));
        assert_eq!(cal.get("month"), Some(&Val::ColStr(vec!["2024-10".into(), "2024-10".into()])));
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
        let err = |p: VisibilityParams| match visibility_map(&f, &b, &p, None) {
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
        assert!(visibility_map(&f, &b, &params(Binning::Count(100_000)), None).is_ok());
    }

    #[test]
    fn empty_and_no_visibility() {
        let f = facts(vec![Period::new(60000.0, 60000.3)]);
        let v = visibility_map(&f, &BlockSet::new(), &params(Binning::Count(50)), None).unwrap();
        let r = v.get("range").unwrap();
        assert_eq!(r.get("schedule_start_unix"), Some(&Val::Null));
        assert_eq!(r.get("n_bins"), Some(&Val::Int(0)));
        assert_eq!(r.get("bin_seconds"), Some(&Val::Null));
        assert_eq!(col_i(&v, "histogram", "count"), Vec::<i64>::new());
        assert_eq!(v.get("calendar").unwrap().get("date"), Some(&Val::ColStr(vec![])));
        assert_eq!(v.get("summary").unwrap().get("mean_count"), Some(&Val::Null));
        let mut b = BlockSet::new();
        b.push_raw(row(1, 1.0), vec![]);
        let mut p = params(Binning::Seconds(600));
        p.start_unix = Some(0);
        p.end_unix = Some(6000);
        let v = visibility_map(&f, &b, &p, None).unwrap();
        assert_eq!(v.get("range").unwrap().get("bin_seconds"), Some(&Val::Int(600)));
        assert_eq!(col_i(&v, "histogram", "count").len(), 0);
        assert_eq!(v.get("blocks").unwrap().get("selected"), Some(&Val::ColBool(vec![true])));
        // filters selecting nothing → zero counts
        let b = random_blocks(4, 10, 1_800_000_000.0, 5000);
        let mut p = params(Binning::Count(20));
        p.block_ids = Some(vec!["zzz".into()]);
        let v = visibility_map(&f, &b, &p, None).unwrap();
        assert!(col_i(&v, "histogram", "count").iter().all(|&c| c == 0));
        assert_eq!(v.get("summary").unwrap().get("selected_blocks"), Some(&Val::Int(0)));
    }
}
