use super::*;
use crate::blockset::BlockRow;
use crate::model::Period;

pub(crate) fn row(id: i64, priority: f64) -> BlockRow {
    BlockRow {
        block_id: id,
        original_id: format!("B{id}"),
        ra_deg: 10.0,
        dec_deg: -20.0,
        priority,
        requested_sec: 3600,
        min_obs_sec: 600,
        min_alt: f64::NAN,
        max_alt: f64::NAN,
        min_az: f64::NAN,
        max_az: f64::NAN,
        fixed_start: f64::NAN,
        fixed_stop: f64::NAN,
        sched_start: f64::NAN,
        sched_stop: f64::NAN,
    }
}

/// MJD of a unix second.
pub(crate) fn mjd(u: f64) -> f64 {
    u / 86400.0 + 40587.0
}

/// Tiny deterministic LCG.
pub(crate) struct Lcg(pub u64);
impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Random schedule: blocks with 0..4 intervals in unix [base, base + span).
pub(crate) fn random_blocks(seed: u64, n: usize, base: f64, span: u64) -> BlockSet {
    let mut r = Lcg(seed);
    let mut b = BlockSet::new();
    for id in 0..n {
        let mut rw = row(id as i64 + 1, (r.below(100) as f64) / 10.0);
        if r.below(2) == 0 {
            rw.sched_start = mjd(base + 100.0);
            rw.sched_stop = mjd(base + 200.0);
        }
        let k = r.below(5);
        let mut ps = Vec::new();
        for _ in 0..k {
            let s = base + r.below(span) as f64 + (r.below(4) as f64) * 0.25;
            let len = 1.0 + r.below(span / 5 + 1) as f64 + (r.below(3) as f64) * 0.5;
            ps.push(Period::new(mjd(s), mjd(s + len)));
        }
        b.push_raw(rw, ps);
    }
    b
}

/// Brute-force distinct counts straight from the definition.
pub(crate) fn brute(b: &BlockSet, g: &Grid, sel: &[bool], clip: (f64, f64)) -> Vec<i64> {
    (0..g.n)
        .map(|k| {
            let lo = (g.bin_start(k) as f64).max(clip.0);
            let hi = (g.bin_end(k) as f64).min(clip.1);
            (0..b.len())
                .filter(|&i| sel[i])
                .filter(|&i| {
                    b.merged(i).iter().any(|p| {
                        let (s, e) = (unix(p.start), unix(p.stop));
                        s < clip.1 && e > clip.0 && s < hi && e > lo
                    })
                })
                .count() as i64
        })
        .collect()
}

#[test]
fn priority_rates_group_by_rounded_level() {
    let mut b = BlockSet::new();
    let mut r1 = row(1, 2.5);
    r1.sched_start = 60000.0;
    r1.sched_stop = 60000.1;
    b.push_raw(r1, vec![Period::new(60000.0, 60000.5)]);
    b.push_raw(row(2, 3.4), vec![]);
    b.push_raw(row(3, 1.0), vec![Period::new(60001.0, 60001.25)]);
    let rows = priority_rates(&b, &[0, 1, 2]);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].priority_value, 1);
    assert_eq!(rows[1].priority_value, 3);
    assert_eq!((rows[1].total_count, rows[1].scheduled_count, rows[1].impossible_count), (2, 1, 1));
    assert_eq!(rows[1].scheduling_rate, 0.5);
    assert_eq!(rows[1].visibility_total_hours, 12.0);
    assert_eq!(rows[1].visibility_mean_hours, 6.0);
    assert_eq!(rows[1].requested_mean_hours, 1.0);
    assert!(priority_rates(&b, &[]).is_empty());
}

#[test]
fn rate_bins_and_heatmap_skip_empty() {
    let v = [0.0, 1.0, 10.0, 10.0];
    let s = [true, false, true, true];
    let p = [1.0, 2.0, 3.0, 5.0];
    let rows = rate_bins(&v, &s, &p, 10);
    assert_eq!(rows.iter().map(|r| r.bin_index).collect::<Vec<_>>(), vec![0, 1, 9]);
    assert_eq!(rows[2].priority_mean, 4.0);
    assert_eq!((rows[2].bin_min, rows[2].bin_max), (9.0, 10.0));
    let z = rate_bins(&[3.0, 3.0], &[true, false], &[1.0, 2.0], 10);
    assert_eq!(z.len(), 1);
    assert_eq!((z[0].bin_min, z[0].bin_mid, z[0].scheduling_rate), (3.0, 3.0, 0.5));
    assert!(rate_bins(&[], &[], &[], 10).is_empty());
    let h = heatmap(&v, &[1.0, 1.0, 1.0, 2.0], &s, 10);
    assert_eq!(h.iter().map(|c| (c.visibility_bin_index, c.time_bin_index)).collect::<Vec<_>>(), vec![(0, 0), (1, 0), (9, 0), (9, 9)]);
    assert!(heatmap(&[], &[], &[], 10).is_empty());
}

#[test]
fn time_bins_exact_against_brute_force() {
    for seed in 1..6u64 {
        let b = random_blocks(seed, 25, 1_700_000_000.0, 20_000);
        let (meta, rows) = visibility_time_bins(&b);
        let (t0, t1) = schedule_range(&b).unwrap();
        let g = Grid::new(t0, t1, 900);
        assert_eq!(rows.len(), g.n);
        assert_eq!(meta.total_bins, g.n as i64);
        let sel = vec![true; b.len()];
        let bf = brute(&b, &g, &sel, (t0 as f64, t1 as f64));
        assert_eq!(rows.iter().map(|r| r.total_visible_count).collect::<Vec<_>>(), bf);
        for r in &rows {
            assert_eq!(r.priority_q_count.iter().sum::<i64>(), r.total_visible_count);
            assert_eq!(r.scheduled_visible_count + r.unscheduled_visible_count, r.total_visible_count);
        }
        assert_eq!(rows.last().unwrap().bin_end_unix, t1);
        assert_eq!(meta.max_visible_in_bin, *bf.iter().max().unwrap());
    }
}

#[test]
fn time_bins_empty_schedule() {
    let (meta, rows) = visibility_time_bins(&BlockSet::new());
    assert!(rows.is_empty());
    assert_eq!((meta.total_bins, meta.total_blocks, meta.time_range_start_unix), (0, 0, 0));
    assert_eq!((meta.priority_min, meta.mean_visible_per_bin), (None, None));
    let mut b = BlockSet::new();
    b.push_raw(row(1, 1.0), vec![]);
    let (meta, rows) = visibility_time_bins(&b);
    assert!(rows.is_empty());
    assert_eq!((meta.total_blocks, meta.blocks_with_visibility, meta.priority_max), (1, 0, Some(1.0)));
}
