//! Generator tests (no timing assertions).

use super::astro::{alt_az, lst_rad, DEG};
use super::*;
use std::collections::BTreeSet;

fn tmp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tsi-gen-test-{}-{}", tag, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn opts(n: usize, seed: u64) -> GenerateOptions {
    GenerateOptions { n_blocks: n, seed, ..Default::default() }
}

fn alt_az_deg(frame: &Frame, b: &GenBlock, t: i64) -> (f64, f64) {
    let lst = lst_rad(frame.mjd(t), frame.lon_deg);
    let (a, z) = alt_az(b.ra_deg * DEG, b.dec_deg * DEG, lst, frame.lat_deg * DEG);
    (a / DEG, z / DEG)
}

#[test]
fn visibility_inside_dark_and_above_minimum_altitude() {
    let p = plan(&opts(400, 3)).unwrap();
    let mut windows = 0;
    for b in &p.blocks {
        if b.impossible {
            assert!(b.vis.is_empty(), "impossible block has windows");
        }
        for w in b.vis.windows(2) {
            assert!(w[0].1 <= w[1].0, "windows sorted and disjoint");
        }
        for &(s, e) in &b.vis {
            windows += 1;
            assert!(e - s >= b.min_obs_sec);
            assert!(p.dark.iter().any(|&(a, z)| a <= s && e <= z), "window outside dark time");
            if let Some((fa, fb)) = b.fixed {
                assert!(fa <= s && e <= fb, "window outside the fixed window");
            }
            for t in [s, (s + e) / 2, e - 1] {
                let (alt, az) = alt_az_deg(&p.frame, b, t);
                assert!(alt >= b.min_alt_deg - 0.01, "alt {alt} < {}", b.min_alt_deg);
                assert!(alt <= b.max_alt_deg + 1e-9);
                assert!(az >= b.min_az_deg - 0.05 && az <= b.max_az_deg + 0.05, "az {az}");
            }
        }
    }
    assert!(windows > 100);
}

#[test]
fn attribute_distributions() {
    let p = plan(&opts(4000, 11)).unwrap();
    let n = p.blocks.len() as f64;
    let mut grid = 0;
    let mut fixed = 0;
    let mut sector = 0;
    let mut impossible = 0;
    for b in &p.blocks {
        assert!((0.0..360.0).contains(&b.ra_deg));
        assert!((-90.0..=90.0).contains(&b.dec_deg));
        assert!((0.5..=10.0).contains(&b.priority));
        assert!(scheduler::MIN_ALTS.contains(&b.min_alt_deg));
        assert!(scheduler::DURATIONS.contains(&b.dur_sec));
        assert!(b.min_obs_sec % 60 == 0 && b.min_obs_sec <= b.dur_sec && 2 * b.min_obs_sec >= b.dur_sec);
        assert!(b.min_az_deg <= b.max_az_deg && b.min_az_deg >= 0.0 && b.max_az_deg <= 360.0);
        if (b.priority * 2.0).fract() == 0.0 {
            grid += 1;
        }
        if let Some((a, e)) = b.fixed {
            fixed += 1;
            let nights = (e - a) / 86400;
            assert!((1..=7).contains(&nights) && (e - a) % 86400 == 0);
        }
        if b.max_az_deg - b.min_az_deg < 360.0 {
            sector += 1;
            assert_eq!(b.max_az_deg - b.min_az_deg, 180.0);
        }
        if b.impossible {
            impossible += 1;
            assert!(90.0 - (p.frame.lat_deg - b.dec_deg).abs() < b.min_alt_deg);
        } else {
            let culm = 90.0 - (p.frame.lat_deg - b.dec_deg).abs();
            assert!(culm >= b.min_alt_deg + scheduler::CULMINATION_MARGIN_DEG - 1e-9, "culmination {culm}");
            assert!(culm >= scheduler::REACH_ALT_DEG);
        }
    }
    let f = |c: i32| c as f64 / n;
    assert!((0.75..0.86).contains(&f(grid)), "grid {}", f(grid));
    assert!((0.07..0.13).contains(&f(fixed)), "fixed {}", f(fixed));
    assert!((0.03..0.07).contains(&f(sector)), "sector {}", f(sector));
    assert!((0.015..0.045).contains(&f(impossible)), "impossible {}", f(impossible));
}

#[test]
fn scheduled_periods_do_not_overlap_and_lie_inside_visibility() {
    for seed in [1u64, 2] {
        let p = plan(&GenerateOptions { n_blocks: 600, seed, ..Default::default() }).unwrap();
        let mut slots: Vec<(i64, i64)> = Vec::new();
        for b in &p.blocks {
            if let Some((s, e)) = b.scheduled {
                assert_eq!(e - s, b.dur_sec);
                assert!(b.vis.iter().any(|&(a, z)| a <= s && e <= z), "slot outside visibility");
                slots.push((s, e));
            }
        }
        slots.sort();
        for w in slots.windows(2) {
            assert!(w[0].1 <= w[1].0, "overlap {:?}", w);
        }
        let target = (0.85 * 600.0f64).round() as usize;
        assert!(!slots.is_empty() && slots.len() <= target);
    }
}

#[test]
fn unscheduled_fraction_is_reached_when_capacity_allows() {
    // 40 blocks over 120 nights: plenty of room, so exactly round(0.75 · 40) = 30 are placed if 30 have windows.
    let o = GenerateOptions { n_blocks: 40, seed: 5, days: 120.0, unscheduled_fraction: 0.25, ..Default::default() };
    let p = plan(&o).unwrap();
    let with_fit = p.blocks.iter().filter(|b| b.vis.iter().any(|&(a, z)| z - a >= b.dur_sec)).count();
    assert_eq!(p.scheduled_count(), with_fit.min(30));
}

#[test]
fn greedy_prefers_high_priority() {
    let p = plan(&GenerateOptions { n_blocks: 300, seed: 9, days: 60.0, ..Default::default() }).unwrap();
    // Every unscheduled block that could still fit somewhere has a priority no higher than the lowest placed
    // priority of the greedy run, or found no free slot.
    let mut occ = scheduler::Occupancy::default();
    for b in &p.blocks {
        if let Some((s, e)) = b.scheduled {
            occ.insert(s, e);
        }
    }
    let min_placed = p.blocks.iter().filter(|b| b.scheduled.is_some()).map(|b| b.priority).fold(f64::MAX, f64::min);
    for b in &p.blocks {
        if b.scheduled.is_none() && b.priority > min_placed {
            let free = b.vis.iter().any(|&(a, z)| occ.earliest(a, z, b.dur_sec).is_some());
            assert!(!free, "a higher-priority block was skipped although it fits");
        }
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn determinism_byte_identical() {
    for format in [SourceFormat::F1, SourceFormat::F2] {
        let o = GenerateOptions { n_blocks: 300, seed: 77, format, conflicts: 3, ..Default::default() };
        let d1 = tmp_dir(&format!("det1-{}", format.as_str()));
        let d2 = tmp_dir(&format!("det2-{}", format.as_str()));
        let r1 = generate(&d1, &o).unwrap();
        let r2 = generate(&d2, &o).unwrap();
        assert_eq!(r1.files.len(), if format == SourceFormat::F1 { 3 } else { 1 });
        assert_eq!((r1.blocks, r1.scheduled), (r2.blocks, r2.scheduled));
        for (a, b) in r1.files.iter().zip(&r2.files) {
            assert_eq!(a.file_name(), b.file_name());
            assert_eq!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
        }
        // A different seed gives a different schedule.
        let d3 = tmp_dir(&format!("det3-{}", format.as_str()));
        let r3 = generate(&d3, &GenerateOptions { seed: 78, ..o.clone() }).unwrap();
        assert_ne!(std::fs::read(&r1.files[0]).unwrap(), std::fs::read(&r3.files[0]).unwrap());
        for d in [d1, d2, d3] {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

#[test]
fn counts_returned_match_files() {
    // F1 with null for unscheduled blocks.
    let d = tmp_dir("counts-f1");
    let r = generate(&d, &opts(250, 4)).unwrap();
    let names: Vec<String> = r.files.iter().map(|f| f.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["schedule.json", "possible_periods.json", "dark_periods.json"]);
    let s = read(&r.files[0]);
    assert_eq!(s.matches("\"schedulingBlockId\"").count(), r.blocks);
    assert_eq!(s.matches("\"scheduled_period\": {").count(), r.scheduled);
    assert_eq!(s.matches("\"scheduled_period\": null").count(), r.blocks - r.scheduled);
    assert_eq!(r.blocks, 250);
    assert!(r.scheduled > 0);
    let v = read(&r.files[1]);
    assert!(v.starts_with("{\n  \"SchedulingBlock\": {"));
    let dk = read(&r.files[2]);
    assert!(dk.contains("\"coordinates::ConstGeographic\": {\"lat\": 28.7624, \"lon\": -17.8892, \"alt\": 2396.0}"));
    let nd = dk.matches("\"start_mjd\"").count() - 1; // minus the time window
    assert!((30..=31).contains(&nd), "{nd} dark periods"); // partial first/last nights
    let _ = std::fs::remove_dir_all(&d);

    // F2 with the sentinel.
    let d = tmp_dir("counts-f2");
    let o = GenerateOptions { format: SourceFormat::F2, sentinel: true, days: 1.0, ..opts(150, 8) };
    let r = generate(&d, &o).unwrap();
    assert_eq!(r.files.len(), 1);
    let s = read(&r.files[0]);
    assert_eq!(s.matches("\"original_block_id\"").count(), 150);
    assert_eq!(s.matches("\"scheduled_period\": {\"start_mjd\": 51910.5,").count(), r.blocks - r.scheduled);
    assert_eq!(s.matches("\"scheduled_period\": {").count(), r.blocks);
    assert!(s.contains("\"original_block_id\": \"B-00001\""));
    assert!(r.scheduled > 0);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn variant_keeps_most_ids_and_attributes() {
    let base = plan(&opts(500, 21)).unwrap();
    let var = plan(&GenerateOptions { variant: Some(1), ..opts(500, 21) }).unwrap();
    let ids = |p: &Plan| p.blocks.iter().map(|b| b.index).collect::<BTreeSet<u64>>();
    let (bi, vi) = (ids(&base), ids(&var));
    let kept = bi.intersection(&vi).count();
    assert!(kept as f64 >= 0.9 * bi.len() as f64, "kept {kept}");
    assert!(kept < bi.len(), "some blocks dropped");
    assert!(vi.len() > kept, "some blocks added");
    for b in &var.blocks {
        if let Some(o) = base.blocks.iter().find(|x| x.index == b.index) {
            assert_eq!((o.priority, o.ra_deg, o.dec_deg, o.dur_sec, o.min_obs_sec), (b.priority, b.ra_deg, b.dec_deg, b.dur_sec, b.min_obs_sec));
            assert_eq!(o.vis, b.vis);
        } else {
            assert!(b.index >= 500, "new ids are new");
        }
    }
    // Rescheduled: the placements differ.
    let slots = |p: &Plan| p.blocks.iter().filter_map(|b| b.scheduled.map(|s| (b.index, s))).collect::<Vec<_>>();
    assert_ne!(slots(&base), slots(&var));
    // Different variants differ from each other; the same variant is reproducible.
    let var2 = plan(&GenerateOptions { variant: Some(2), ..opts(500, 21) }).unwrap();
    assert_ne!(ids(&var), ids(&var2));
    let var1b = plan(&GenerateOptions { variant: Some(1), ..opts(500, 21) }).unwrap();
    assert_eq!(slots(&var), slots(&var1b));
}

#[test]
fn conflicts_add_overlapping_placements() {
    let base = plan(&opts(300, 13)).unwrap();
    let k = 7;
    let p = plan(&GenerateOptions { conflicts: k, ..opts(300, 13) }).unwrap();
    assert_eq!(p.scheduled_count(), base.scheduled_count() + k);
    let mut slots: Vec<(i64, i64, u64)> =
        p.blocks.iter().filter_map(|b| b.scheduled.map(|(s, e)| (s, e, b.index))).collect();
    slots.sort();
    let overlapping = slots
        .iter()
        .filter(|x| slots.iter().any(|y| y.2 != x.2 && y.0 < x.1 && x.0 < y.1))
        .count();
    assert!(overlapping > k, "overlapping {overlapping}");
    // More conflicts than unscheduled blocks: extra blocks are added.
    let p = plan(&GenerateOptions { conflicts: 20, unscheduled_fraction: 0.0, ..opts(10, 13) }).unwrap();
    assert!(p.blocks.len() >= 20);
    let ids: BTreeSet<u64> = p.blocks.iter().map(|b| b.index).collect();
    assert_eq!(ids.len(), p.blocks.len());
}

#[test]
fn edge_cases() {
    let d = tmp_dir("edge");
    let r = generate(&d, &GenerateOptions { n_blocks: 0, ..Default::default() }).unwrap();
    assert_eq!((r.blocks, r.scheduled), (0, 0));
    let s = read(&r.files[0]);
    assert!(s.contains("\"SchedulingBlock\": []"));
    let r = generate(&d, &GenerateOptions { n_blocks: 5, days: 0.0, format: SourceFormat::F2, ..Default::default() }).unwrap();
    assert_eq!(r.scheduled, 0);
    assert!(generate(&d, &GenerateOptions { start_mjd: f64::NAN, ..Default::default() }).is_err());
    assert!(generate(&d, &GenerateOptions { start_mjd: 99999.0, days: 5.0, ..Default::default() }).is_err());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn number_formatting() {
    assert_eq!(writer::num(1.0), "1.0");
    assert_eq!(writer::num(61775.958333333336), "61775.958333333336");
    assert_eq!(writer::num(-0.0), "0.0");
    assert_eq!(writer::jstr("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
}

#[test]
fn other_sites_work() {
    for (lat, lon) in [(-30.2446, -70.7494), (0.0, 100.0), (78.2, 15.6)] {
        let site = Site { lat_deg: lat, lon_deg: lon, height_m: 100.0 };
        let p = plan(&GenerateOptions { n_blocks: 200, seed: 4, site, days: 20.0, ..Default::default() }).unwrap();
        for b in &p.blocks {
            if b.impossible {
                assert!(b.vis.is_empty());
            }
            for &(s, e) in &b.vis {
                assert!(p.dark.iter().any(|&(a, z)| a <= s && e <= z));
                let (alt, _) = alt_az_deg(&p.frame, b, (s + e) / 2);
                assert!(alt >= b.min_alt_deg - 0.01);
            }
        }
        if lat.abs() < 60.0 {
            assert!(p.scheduled_count() > 0, "site {lat}");
        }
    }
}

#[test]
fn possible_targets_culminate_above_their_minimum_altitude_at_any_latitude() {
    // Possible targets: culmination 90 − |dec − lat| ≥ min_alt + 5°, dec uniform on the sphere over that band
    // (sin dec uniform between the band's ends). Impossible targets stay below their minimum altitude.
    for lat in [-90.0, -89.9, -60.0, -30.2446, 0.0, 28.7624, 60.0, 78.2, 90.0] {
        let frame = Frame { start_mjd: 61771.0, total: 30 * 86400, lat_deg: lat, lon_deg: 0.0 };
        let (mut n, mut sum_u, mut low_quarter, mut impossible) = (0usize, 0.0, 0usize, 0usize);
        for i in 0..6000u64 {
            let b = scheduler::draw_block(17, 0, i, &frame);
            assert!((-90.0..=90.0).contains(&b.dec_deg), "dec {}", b.dec_deg);
            let culm = 90.0 - (b.dec_deg - lat).abs();
            if b.impossible {
                impossible += 1;
                assert!(culm < b.min_alt_deg, "lat {lat}: impossible target culminates at {culm}");
                continue;
            }
            assert!(culm >= b.min_alt_deg + scheduler::CULMINATION_MARGIN_DEG - 1e-9, "lat {lat}: culmination {culm}");
            let reach = 90.0 - (b.min_alt_deg + scheduler::CULMINATION_MARGIN_DEG);
            let lo = ((lat - reach).max(-90.0) * DEG).sin();
            let hi = ((lat + reach).min(90.0) * DEG).sin();
            let u = ((b.dec_deg * DEG).sin() - lo) / (hi - lo);
            assert!((-1e-9..=1.0 + 1e-9).contains(&u));
            n += 1;
            sum_u += u;
            if u < 0.25 {
                low_quarter += 1;
            }
        }
        let mean = sum_u / n as f64;
        let q = low_quarter as f64 / n as f64;
        assert!((0.48..0.52).contains(&mean), "lat {lat}: mean {mean}");
        assert!((0.23..0.27).contains(&q), "lat {lat}: lower quarter {q}");
        let fi = impossible as f64 / 6000.0;
        assert!((0.02..0.04).contains(&fi), "lat {lat}: impossible {fi}");
    }
}

#[test]
fn possible_targets_get_windows_over_a_year() {
    // Over a full year every RA is up at night, so possible targets without a fixed window or azimuth sector
    // all get a window; only the ~3 % impossible ones (and a few restricted ones) remain without.
    let p = plan(&GenerateOptions { n_blocks: 200, days: 366.0, seed: 3, ..Default::default() }).unwrap();
    let free = |b: &&GenBlock| !b.impossible && b.fixed.is_none() && b.max_az_deg - b.min_az_deg >= 360.0;
    let pool: Vec<&GenBlock> = p.blocks.iter().filter(free).collect();
    assert!(pool.len() > 150);
    let none = pool.iter().filter(|b| b.vis.is_empty()).count();
    assert_eq!(none, 0, "{none} unrestricted possible targets without a window");
    let none_all = p.blocks.iter().filter(|b| b.vis.is_empty()).count() as f64 / p.blocks.len() as f64;
    assert!(none_all < 0.10, "share without windows {none_all}");
}
