use super::days::PARALLEL_MIN_INTERVALS;
use super::*;
use crate::etl::aggregates::tests::{brute, mjd, random_blocks, row};
use crate::etl::aggregates::visibility_time_bins;
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
