//! Schedule timeline (flows.md §4): scheduled blocks as month rows × day-of-month coordinates, split at every
//! UTC month boundary, with night (dark) and day bands.
//!
//! Also holds the small civil-calendar helpers (no chrono) shared by the visibility map and validation.

#![allow(clippy::neg_cmp_op_on_partial_ord)] // NaN-aware negated comparisons are intentional

use std::collections::BTreeSet;

use crate::blockset::{BlockCol, BlockCols, BlockSet, ScheduleFacts};
use crate::derive::{merge_periods, total_hours, PriorityBins, MJD_UNIX_EPOCH};
use crate::model::Period;
use crate::payload::{dict, Val};
use crate::strcol::StrCol;

/// The block columns the timeline reads (the ETL loader selects only these).
/// The timeline's parameters: none.
pub const SPEC: crate::flows::spec::FlowSpec = crate::flows::spec::FlowSpec { name: "timeline", params: &[], rules: &[] };

pub const COLUMNS: BlockCols = BlockCols::of(&[
    BlockCol::OriginalId, BlockCol::Ra, BlockCol::Dec, BlockCol::Priority, BlockCol::RequestedSec,
    BlockCol::SchedStart, BlockCol::SchedStop, BlockCol::PeriodCount, BlockCol::TotalVisHours,
]);

/// (year, month 1..=12, day 1..=31) of a day number counted from 1970-01-01 (H. Hinnant's algorithm).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Day number (from 1970-01-01) of a civil date.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn month_label(y: i64, m: u32) -> String {
    format!("{y:04}-{m:02}")
}

pub(crate) fn date_label(y: i64, m: u32, d: u32) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

/// "YYYY-MM-DD HH:MM:SS" (UTC) of an MJD, rounded to the second.
pub(crate) fn fmt_mjd(t: f64) -> String {
    if !t.is_finite() {
        return "n/a".to_string();
    }
    let secs = ((t - MJD_UNIX_EPOCH) * 86400.0).round() as i64;
    let (y, m, d) = civil_from_days(secs.div_euclid(86400));
    let s = secs.rem_euclid(86400);
    format!("{} {:02}:{:02}:{:02}", date_label(y, m, d), s / 3600, (s / 60) % 60, s % 60)
}

/// First day (from 1970-01-01) of the month after (y, m).
fn next_month_start(y: i64, m: u32) -> i64 {
    if m == 12 {
        days_from_civil(y + 1, 1, 1)
    } else {
        days_from_civil(y, m + 1, 1)
    }
}

/// The month a time falls in, remembered between calls: consecutive scheduled blocks and nights mostly fall in
/// the same month, whose label and bounds are then not recomputed.
#[derive(Default)]
struct MonthCursor {
    /// [m0, m1) in MJD, and its label; m0 = m1 = 0 before the first call.
    m0: f64,
    m1: f64,
    label: String,
}

impl MonthCursor {
    fn seek(&mut self, t: f64) {
        if t >= self.m0 && t < self.m1 {
            return;
        }
        let (y, m, _) = civil_from_days((t - MJD_UNIX_EPOCH).floor() as i64);
        self.m0 = days_from_civil(y, m, 1) as f64 + MJD_UNIX_EPOCH;
        self.m1 = next_month_start(y, m) as f64 + MJD_UNIX_EPOCH;
        self.label = month_label(y, m);
    }

    /// Split [start, stop) (MJD) at every UTC month boundary, handing each piece (month label, day_start,
    /// day_end) to `f`; day coordinate = day of month + fraction.
    fn split(&mut self, start: f64, stop: f64, mut f: impl FnMut(&str, f64, f64)) {
        if !(start < stop) || !start.is_finite() || !stop.is_finite() {
            return;
        }
        let mut cur = start;
        while cur < stop {
            self.seek(cur);
            let end = stop.min(self.m1);
            f(&self.label, cur - self.m0 + 1.0, end - self.m0 + 1.0);
            if end <= cur {
                break; // cannot happen for finite input; guards against an endless loop
            }
            cur = end;
        }
    }
}

/// Number of days of a month given by its label's start day.
fn month_days(label: &str) -> f64 {
    let y: i64 = label[..4].parse().unwrap_or(1970);
    let m: u32 = label[5..7].parse().unwrap_or(1);
    (next_month_start(y, m) - days_from_civil(y, m, 1)) as f64
}

pub fn timeline(facts: &ScheduleFacts, b: &BlockSet) -> Val {
    let pb = PriorityBins::from_priorities(&b.priority);
    let mut rows: Vec<usize> = (0..b.len()).filter(|&i| b.is_scheduled(i)).collect();
    // Ascending block id already; stable sort by start keeps block-id order for ties.
    rows.sort_by(|&x, &y| b.sched_start[x].total_cmp(&b.sched_start[y]).then(b.block_id[x].cmp(&b.block_id[y])));

    let mut months: BTreeSet<String> = BTreeSet::new();
    let mut note_month = |label: &str| {
        if !months.contains(label) {
            months.insert(label.to_string());
        }
    };
    let mut cursor = MonthCursor::default();
    let (mut seg_row, mut seg_month, mut seg_a, mut seg_b) = (Vec::new(), StrCol::new(), Vec::new(), Vec::new());
    for (r, &i) in rows.iter().enumerate() {
        cursor.split(b.sched_start[i], b.sched_stop[i], |mo, a, z| {
            note_month(mo);
            seg_row.push(r as i64);
            seg_month.push(mo);
            seg_a.push(a);
            seg_b.push(z);
        });
    }

    let mut dark = facts.dark_periods.clone();
    let dark_merged: Vec<Period> = merge_periods(&mut dark);
    let (mut dk_month, mut dk_a, mut dk_b) = (StrCol::new(), Vec::new(), Vec::new());
    for p in &dark_merged {
        cursor.split(p.start, p.stop, |mo, a, z| {
            note_month(mo);
            dk_month.push(mo);
            dk_a.push(a);
            dk_b.push(z);
        });
    }
    // Daylight: complement of the dark segments within each month that has any (dark segments are sorted
    // and disjoint, grouped by month in ascending order).
    let (mut dl_month, mut dl_a, mut dl_b) = (StrCol::new(), Vec::new(), Vec::new());
    let mut k = 0;
    while k < dk_month.len() {
        let mo = &dk_month[k];
        let end = month_days(mo) + 1.0;
        let mut cur = 1.0;
        while k < dk_month.len() && &dk_month[k] == mo {
            if dk_a[k] > cur {
                dl_month.push(mo);
                dl_a.push(cur);
                dl_b.push(dk_a[k]);
            }
            cur = f64::max(cur, dk_b[k]);
            k += 1;
        }
        if cur < end {
            dl_month.push(mo);
            dl_a.push(cur);
            dl_b.push(end);
        }
    }

    // Summary (sums in ascending block id).
    let sched_ids: Vec<usize> = (0..b.len()).filter(|&i| b.is_scheduled(i)).collect();
    let mut hours_total = 0.0;
    let mut pmin = f64::INFINITY;
    let mut pmax = f64::NEG_INFINITY;
    let mut first = f64::INFINITY;
    let mut last = f64::NEG_INFINITY;
    for &i in &sched_ids {
        hours_total += b.scheduled_hours(i);
        pmin = pmin.min(b.priority[i]);
        pmax = pmax.max(b.priority[i]);
        first = first.min(b.sched_start[i]);
        last = last.max(b.sched_stop[i]);
    }
    let some = !sched_ids.is_empty();
    let (p_lo, p_hi) = if some {
        (Some(pmin), Some(if pmax > pmin { pmax } else { pmin + 1.0 }))
    } else {
        (None, None)
    };
    let summary = dict()
        .put("total_blocks", b.len())
        .put("scheduled_count", sched_ids.len())
        .put("scheduled_hours_total", hours_total)
        .put("scheduled_hours_mean", if some { Some(hours_total / sched_ids.len() as f64) } else { None })
        .put("priority_min", p_lo)
        .put("priority_max", p_hi)
        .put("first_start_mjd", if some { Some(first) } else { None })
        .put("last_stop_mjd", if some { Some(last) } else { None })
        .put("dark_period_count", facts.dark_periods.len())
        .put("dark_hours", total_hours(&dark_merged))
        .build();

    let col_f = |f: &dyn Fn(usize) -> f64| -> Val { Val::ColF64(rows.iter().map(|&i| f(i)).collect()) };
    let blocks = dict()
        .put("block_id", rows.iter().map(|&i| b.block_id[i]).collect::<Vec<i64>>())
        .put("original_block_id", b.original_id.pick(rows.iter().copied()))
        .put("priority", col_f(&|i| b.priority[i]))
        .put("priority_bin", rows.iter().map(|&i| pb.bin(b.priority[i])).collect::<Vec<u8>>())
        .put("scheduled_start_mjd", col_f(&|i| b.sched_start[i]))
        .put("scheduled_stop_mjd", col_f(&|i| b.sched_stop[i]))
        .put("scheduled_hours", col_f(&|i| b.scheduled_hours(i)))
        .put("ra_deg", col_f(&|i| b.ra_deg[i]))
        .put("dec_deg", col_f(&|i| b.dec_deg[i]))
        .put("requested_hours", col_f(&|i| b.requested_hours(i)))
        .put("total_visibility_hours", col_f(&|i| b.total_vis_hours[i]))
        .put("visibility_period_count", rows.iter().map(|&i| b.vis_period_count[i]).collect::<Vec<i64>>())
        .build();

    dict()
        .put("blocks", blocks)
        .put(
            "segments",
            dict().put("row", seg_row).put("month", seg_month).put("day_start", seg_a).put("day_end", seg_b).build(),
        )
        .put("dark_segments", dict().put("month", dk_month).put("day_start", dk_a).put("day_end", dk_b).build())
        .put("daylight_segments", dict().put("month", dl_month).put("day_start", dl_a).put("day_end", dl_b).build())
        .put("months", months.into_iter().collect::<Vec<String>>())
        .put("summary", summary)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_by_month(start: f64, stop: f64) -> Vec<(String, f64, f64)> {
        let mut out = Vec::new();
        MonthCursor::default().split(start, stop, |label, a, z| out.push((label.to_string(), a, z)));
        out
    }
    use crate::etl::aggregates::tests::row;

    fn facts(dark: Vec<Period>) -> ScheduleFacts {
        ScheduleFacts { schedule_id: 1, name: "t".into(), checksum: "c".into(), dark_periods: dark }
    }

    /// MJD of a UTC civil instant.
    fn at(y: i64, m: u32, d: u32, h: f64) -> f64 {
        days_from_civil(y, m, d) as f64 + MJD_UNIX_EPOCH + h / 24.0
    }

    #[test]
    fn civil_round_trip() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2028, 1, 1) as f64 + MJD_UNIX_EPOCH, 61771.0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        for z in -800_000..800_000i64 {
            if z % 997 == 0 {
                let (y, m, d) = civil_from_days(z);
                assert_eq!(days_from_civil(y, m, d), z);
            }
        }
        assert_eq!(fmt_mjd(61771.5), "2028-01-01 12:00:00");
    }

    #[test]
    fn month_boundary_split_and_year_change() {
        let mut b = BlockSet::new();
        let mut r = row(1, 3.0);
        r.sched_start = at(2027, 1, 31, 22.0);
        r.sched_stop = at(2027, 2, 1, 2.0);
        b.push_raw(r, vec![]);
        let mut r = row(2, 3.0);
        r.sched_start = at(2027, 12, 31, 21.0);
        r.sched_stop = at(2028, 1, 1, 3.0);
        b.push_raw(r, vec![]);
        b.push_raw(row(3, 1.0), vec![]);
        let v = timeline(&facts(vec![]), &b);
        let seg = v.get("segments").unwrap();
        assert_eq!(seg.get("row"), Some(&Val::ColI64(vec![0, 0, 1, 1])));
        assert_eq!(
            seg.get("month"),
            Some(&Val::strs(&["2027-01", "2027-02", "2027-12", "2028-01"]))
        );
        let Some(Val::ColF64(a)) = seg.get("day_start") else { panic!() };
        let Some(Val::ColF64(z)) = seg.get("day_end") else { panic!() };
        assert!((a[0] - (31.0 + 22.0 / 24.0)).abs() < 1e-9 && z[0] == 32.0);
        assert!(a[1] == 1.0 && (z[1] - (1.0 + 2.0 / 24.0)).abs() < 1e-9);
        assert!(z[2] == 32.0 && a[3] == 1.0 && (z[3] - 1.125).abs() < 1e-9);
        let s = v.get("summary").unwrap();
        assert_eq!(s.get("total_blocks"), Some(&Val::Int(3)));
        assert_eq!(s.get("scheduled_count"), Some(&Val::Int(2)));
        assert_eq!(s.get("priority_min"), Some(&Val::Float(3.0)));
        assert_eq!(s.get("priority_max"), Some(&Val::Float(4.0)));
        assert_eq!(
            v.get("months"),
            Some(&Val::strs(&["2027-01", "2027-02", "2027-12", "2028-01"]))
        );
        // 5 Jan 21:00 → 5.875
        let p = split_by_month(at(2027, 1, 5, 21.0), at(2027, 1, 5, 22.0));
        assert!((p[0].1 - 5.875).abs() < 1e-9);
        // an interval over several months is split at each boundary
        assert_eq!(split_by_month(at(2027, 1, 15, 0.0), at(2027, 4, 2, 0.0)).len(), 4);
    }

    #[test]
    fn dark_and_daylight_segments() {
        let dark = vec![
            Period::new(at(2027, 3, 1, 20.0), at(2027, 3, 2, 4.0)),
            Period::new(at(2027, 3, 2, 3.0), at(2027, 3, 2, 5.0)),
            Period::new(at(2027, 3, 31, 20.0), at(2027, 4, 1, 4.0)),
        ];
        let v = timeline(&facts(dark), &BlockSet::new());
        let dk = v.get("dark_segments").unwrap();
        assert_eq!(dk.get("month").unwrap().column_len(), Some(3));
        let dl = v.get("daylight_segments").unwrap();
        let Some(Val::ColStr(m)) = dl.get("month") else { panic!() };
        let Some(Val::ColF64(a)) = dl.get("day_start") else { panic!() };
        let Some(Val::ColF64(z)) = dl.get("day_end") else { panic!() };
        assert_eq!(m, &vec!["2027-03".to_string(), "2027-03".into(), "2027-04".into()]);
        assert_eq!(a[0], 1.0);
        assert!((z[0] - (1.0 + 20.0 / 24.0)).abs() < 1e-9);
        assert!((a[1] - (2.0 + 5.0 / 24.0)).abs() < 1e-9);
        assert!((z[1] - (31.0 + 20.0 / 24.0)).abs() < 1e-9);
        assert!((a[2] - (1.0 + 4.0 / 24.0)).abs() < 1e-9);
        assert_eq!(z[2], 31.0); // April has 30 days
        let s = v.get("summary").unwrap();
        assert_eq!(s.get("dark_period_count"), Some(&Val::Int(3)));
        let Some(Val::Float(h)) = s.get("dark_hours") else { panic!() };
        assert!((h - 17.0).abs() < 1e-6);
        assert_eq!(s.get("priority_min"), Some(&Val::Null));
    }

    #[test]
    fn empty_schedule() {
        let v = timeline(&facts(vec![]), &BlockSet::new());
        assert_eq!(v.get("blocks").unwrap().get("block_id"), Some(&Val::ColI64(vec![])));
        assert_eq!(v.get("months"), Some(&Val::strs(&[])));
        let s = v.get("summary").unwrap();
        assert_eq!(s.get("scheduled_hours_total"), Some(&Val::Float(0.0)));
        assert_eq!(s.get("scheduled_hours_mean"), Some(&Val::Null));
        assert_eq!(s.get("first_start_mjd"), Some(&Val::Null));
    }
}
