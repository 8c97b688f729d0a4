//! Derived values and shared numeric rules (data-model.md §2), defined once for ingest, ETL and both paths.

use crate::model::Period;
use crate::payload::{dict, Val};

pub const MJD_UNIX_EPOCH: f64 = 40587.0;

/// Unix seconds of an MJD: (t − 40587) × 86400.
pub fn unix(mjd: f64) -> f64 {
    (mjd - MJD_UNIX_EPOCH) * 86400.0
}

/// Sort by (start, stop) and join a period to the current interval when its start ≤ the current stop.
pub fn merge_periods(periods: &mut [Period]) -> Vec<Period> {
    periods.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.stop.total_cmp(&b.stop)));
    let mut out: Vec<Period> = Vec::with_capacity(periods.len());
    for p in periods.iter() {
        match out.last_mut() {
            Some(cur) if p.start <= cur.stop => {
                if p.stop > cur.stop {
                    cur.stop = p.stop;
                }
            }
            _ => out.push(*p),
        }
    }
    out
}

/// Σ (stop − start) × 24 over merged intervals, in ascending order.
pub fn total_hours(merged: &[Period]) -> f64 {
    let mut s = 0.0;
    for p in merged {
        s += (p.stop - p.start) * 24.0;
    }
    s
}

/// Round half away from zero (8.5 → 9, −2.5 → −3).
pub fn round_half_away(x: f64) -> i64 {
    x.round() as i64
}

/// The schedule-wide priority-bin rule (README of the spec).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriorityBins {
    pub pmin: f64,
    pub pmax: f64,
}

pub const BIN_LABELS: [&str; 4] = ["Low", "Medium-Low", "Medium-High", "High"];
pub const BIN_COLORS: [&str; 4] = ["#2ca02c", "#1f77b4", "#ff7f0e", "#d62728"];

impl PriorityBins {
    /// From all priorities of a schedule; an empty schedule gets the range [0, 1].
    pub fn from_priorities(p: &[f64]) -> Self {
        if p.is_empty() {
            return PriorityBins { pmin: 0.0, pmax: 1.0 };
        }
        let mut pmin = f64::INFINITY;
        let mut pmax = f64::NEG_INFINITY;
        for &x in p {
            pmin = pmin.min(x);
            pmax = pmax.max(x);
        }
        PriorityBins { pmin, pmax }
    }

    /// Bin 1..=4.
    pub fn bin(&self, p: f64) -> u8 {
        if !(self.pmax > self.pmin) {
            return 1;
        }
        let x = (p - self.pmin) / (self.pmax - self.pmin);
        if x < 0.25 {
            1
        } else if x < 0.5 {
            2
        } else if x < 0.75 {
            3
        } else {
            4
        }
    }

    pub fn bins_of(&self, p: &[f64]) -> Vec<u8> {
        p.iter().map(|&x| self.bin(x)).collect()
    }

    /// Displayed range of bin k (1..=4): [pmin + (k−1)·w, pmin + k·w); equal priorities use [p, p+1].
    pub fn range(&self, k: u8) -> (f64, f64) {
        let hi = if self.pmax > self.pmin { self.pmax } else { self.pmin + 1.0 };
        let w = (hi - self.pmin) / 4.0;
        let lo = self.pmin + (k as f64 - 1.0) * w;
        let top = if k == 4 { hi } else { self.pmin + k as f64 * w };
        (lo, top)
    }
}

/// Min, max and mean only (the same numbers as `Stats`, without the sort a median needs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
}

impl Span {
    /// `values` in the order of summation (ascending block id), NaN-free.
    pub fn of(values: &[f64]) -> Span {
        if values.is_empty() {
            return Span { min: None, max: None, mean: None };
        }
        let (mut sum, mut lo, mut hi) = (0.0, f64::INFINITY, f64::NEG_INFINITY);
        for &v in values {
            sum += v;
            lo = lo.min(v);
            hi = hi.max(v);
        }
        Span { min: Some(lo), max: Some(hi), mean: Some(sum / values.len() as f64) }
    }
}

/// Descriptive statistics of data-model.md §2 (population std, nulls for an empty set).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub count: usize,
    pub sum: f64,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub std: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Stats {
    /// `values` in the order of summation (ascending block id).
    pub fn of(values: &[f64]) -> Stats {
        let n = values.len();
        let mut sum = 0.0;
        for &v in values {
            sum += v;
        }
        if n == 0 {
            return Stats { count: 0, sum: 0.0, mean: None, median: None, std: None, min: None, max: None };
        }
        let mean = sum / n as f64;
        let mut ss = 0.0;
        for &v in values {
            ss += (v - mean) * (v - mean);
        }
        let std = (ss / n as f64).sqrt();
        let (min, median, max) = order_stats(values);
        Stats { count: n, sum, mean: Some(mean), median: Some(median), std: Some(std), min: Some(min), max: Some(max) }
    }

    pub fn to_val(&self) -> Val {
        dict()
            .put("count", self.count)
            .put("mean", self.mean)
            .put("median", self.median)
            .put("std", self.std)
            .put("min", self.min)
            .put("max", self.max)
            .put("sum", self.sum)
            .build()
    }
}

/// Median of an already sorted slice.
/// (min, median, max) of a non-empty slice in total order, by selection instead of a full sort (linear time;
/// the same values a sort gives, since order statistics do not depend on how they are found).
fn order_stats(values: &[f64]) -> (f64, f64, f64) {
    let n = values.len();
    let mut v = values.to_vec();
    let (lower, mid, _) = v.select_nth_unstable_by(n / 2, |a, b| a.total_cmp(b));
    let mid = *mid;
    let median = if n % 2 == 1 {
        mid
    } else {
        let below = lower.iter().copied().max_by(|a, b| a.total_cmp(b)).expect("n >= 2");
        (below + mid) / 2.0
    };
    let min = values.iter().copied().min_by(|a, b| a.total_cmp(b)).expect("non-empty");
    let max = values.iter().copied().max_by(|a, b| a.total_cmp(b)).expect("non-empty");
    (min, median, max)
}

pub fn median_sorted(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        None
    } else if n % 2 == 1 {
        Some(sorted[n / 2])
    } else {
        Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0)
    }
}

pub fn mean(values: &[f64]) -> Option<f64> {
    Stats::of(values).mean
}

pub fn median(values: &[f64]) -> Option<f64> {
    let mut s = values.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    median_sorted(&s)
}

/// Average ranks (1-based; ties get the mean of the positions they occupy).
pub fn average_ranks(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut ranks = vec![0.0; n];
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            ranks[idx[k]] = r;
        }
        i = j + 1;
    }
    ranks
}

/// Pearson correlation; None when n < 2 or either variance is zero.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len();
    if n < 2 || y.len() != n {
        return None;
    }
    let mx = x.iter().sum::<f64>() / n as f64;
    let my = y.iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for k in 0..n {
        let dx = x[k] - mx;
        let dy = y[k] - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    Some(sxy / (sxx.sqrt() * syy.sqrt()))
}

/// Spearman ρ with average ranks for ties.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() < 2 {
        return None;
    }
    pearson(&average_ranks(x), &average_ranks(y))
}

/// Equal-width bins B(v; lo, hi, n) of data-model.md §2.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EqualBins {
    pub lo: f64,
    pub hi: f64,
    pub n: usize,
}

impl EqualBins {
    /// Bins over the min and max of `values` (None when empty).
    pub fn over(values: &[f64], n: usize) -> Option<EqualBins> {
        if values.is_empty() {
            return None;
        }
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for &v in values {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        Some(EqualBins { lo, hi, n })
    }
    /// Number of bins actually used (1 when the range is zero).
    pub fn count(&self) -> usize {
        if self.hi == self.lo {
            1
        } else {
            self.n
        }
    }
    pub fn index(&self, v: f64) -> usize {
        if self.hi == self.lo {
            return 0;
        }
        let k = (self.n as f64 * (v - self.lo) / (self.hi - self.lo)).floor();
        let k = if k < 0.0 { 0 } else { k as usize };
        k.min(self.n - 1)
    }
    pub fn edge(&self, k: usize) -> f64 {
        if self.hi == self.lo {
            return self.lo;
        }
        if k >= self.n {
            self.hi
        } else {
            self.lo + k as f64 * (self.hi - self.lo) / self.n as f64
        }
    }
    pub fn bounds(&self, k: usize) -> (f64, f64) {
        if self.hi == self.lo {
            return (self.lo, self.lo);
        }
        (self.edge(k), self.edge(k + 1))
    }
    pub fn mid(&self, k: usize) -> f64 {
        let (a, b) = self.bounds(k);
        (a + b) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_agrees_with_stats() {
        let v = [3.5, -1.0, 7.25, 0.1, 0.2, 0.3];
        let (sp, st) = (Span::of(&v), Stats::of(&v));
        assert_eq!((sp.min, sp.max, sp.mean), (st.min, st.max, st.mean));
        assert_eq!(Span::of(&[]), Span { min: None, max: None, mean: None });
    }

    #[test]
    fn merge_joins_touching_and_overlapping() {
        let mut p = vec![Period::new(3.0, 4.0), Period::new(1.0, 2.0), Period::new(2.0, 2.5), Period::new(1.5, 1.7)];
        let m = merge_periods(&mut p);
        assert_eq!(m, vec![Period::new(1.0, 2.5), Period::new(3.0, 4.0)]);
        assert_eq!(total_hours(&m), 2.5 * 24.0);
    }

    #[test]
    fn priority_bin_rule_edges() {
        let b = PriorityBins { pmin: 0.0, pmax: 8.0 };
        assert_eq!(b.bin(0.0), 1);
        assert_eq!(b.bin(1.999), 1);
        assert_eq!(b.bin(2.0), 2);
        assert_eq!(b.bin(4.0), 3);
        assert_eq!(b.bin(6.0), 4);
        assert_eq!(b.bin(8.0), 4);
        assert_eq!(b.range(4), (6.0, 8.0));
        let eq = PriorityBins { pmin: 5.0, pmax: 5.0 };
        assert_eq!(eq.bin(5.0), 1);
        assert_eq!(eq.range(1), (5.0, 5.25));
        assert_eq!(eq.range(4), (5.75, 6.0));
    }

    #[test]
    fn stats_population_std_and_even_median() {
        // Selection gives exactly what sorting gives.
        let mut r = 0x2545F4914F6CDD1Du64;
        for n in 1..60 {
            let v: Vec<f64> = (0..n)
                .map(|_| {
                    r ^= r << 13;
                    r ^= r >> 7;
                    r ^= r << 17;
                    ((r % 97) as f64) * 0.25 - 7.0
                })
                .collect();
            let mut sorted = v.clone();
            sorted.sort_by(|a, b| a.total_cmp(b));
            let st = Stats::of(&v);
            assert_eq!((st.min, st.median, st.max), (Some(sorted[0]), median_sorted(&sorted), Some(sorted[n - 1])));
        }
        let s = Stats::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(s.median, Some(2.5));
        assert_eq!(s.mean, Some(2.5));
        assert!((s.std.unwrap() - 1.25f64.sqrt()).abs() < 1e-15);
        assert_eq!(Stats::of(&[7.0]).std, Some(0.0));
        let e = Stats::of(&[]);
        assert_eq!((e.count, e.sum, e.mean), (0, 0.0, None));
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(average_ranks(&[10.0, 20.0, 10.0, 30.0]), vec![1.5, 3.0, 1.5, 4.0]);
    }

    #[test]
    fn spearman_with_ties_matches_hand_value() {
        // ranks x = [1.5, 1.5, 3, 4], y = [1, 2, 3, 4]
        let r = spearman(&[1.0, 1.0, 2.0, 3.0], &[1.0, 2.0, 3.0, 4.0]).unwrap();
        let expected = pearson(&[1.5, 1.5, 3.0, 4.0], &[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(r, expected);
        assert!((r - 0.9486832980505138).abs() < 1e-12);
        assert_eq!(spearman(&[1.0, 1.0], &[1.0, 2.0]), None);
        assert_eq!(spearman(&[1.0], &[1.0]), None);
    }

    #[test]
    fn equal_bins_last_closed_and_zero_range() {
        let b = EqualBins { lo: 0.0, hi: 10.0, n: 10 };
        assert_eq!(b.index(0.0), 0);
        assert_eq!(b.index(9.999), 9);
        assert_eq!(b.index(10.0), 9);
        assert_eq!(b.bounds(9), (9.0, 10.0));
        let z = EqualBins { lo: 3.0, hi: 3.0, n: 10 };
        assert_eq!((z.count(), z.index(3.0), z.mid(0)), (1, 0, 3.0));
    }

    #[test]
    fn round_half_away_from_zero() {
        assert_eq!(round_half_away(8.5), 9);
        assert_eq!(round_half_away(-2.5), -3);
        assert_eq!(round_half_away(2.49), 2);
    }
}
