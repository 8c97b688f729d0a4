//! Gaussian kernel regression of a yes/no outcome on one variable (flows.md §6, the trends' smoothed curves):
//! on a uniform grid x_i of m points from min to max, rate_i = Σ w·y / Σ w and n_effective_i = #{w > 0.01},
//! with w = exp(−½((x_j − x_i)/bw)²) and bw = bandwidth · (max − min).
//!
//! How it is computed, since this is most of the trends flow:
//! * Equal x values are grouped first (requested times take a handful of values; visibility hours are nearly
//!   all distinct): a group of n blocks with s scheduled contributes n·w and s·w.
//! * Along the grid a group's weight follows a recurrence instead of one `exp` per pair: with z = (x − x_i)/bw
//!   and h = step/bw the next point has z − h, so w' = w · g · exp(−½h²) with g = exp(z·h), and
//!   g' = g · exp(−h²). Each step adds a few ulps of relative error, about 1e-13 after the 250 steps of the
//!   longest run (500 points in two runs), far inside the 1e-12 the tests hold the rates to. (The last point is
//!   reported as max itself; the recurrence reaches min + (m − 1)·step, within an ulp of it.) Bandwidths are at
//!   least 0.05 of the range, so |z| ≤ 20 and nothing underflows.
//! * n_effective is counted exactly: w > 0.01 holds on one window of the sorted groups around x_i (w falls
//!   monotonically with |x − x_i|), found by bisection and settled by the exact weight at its edges.
//! * A large curve's grid is two runs (each half starts from exact weights), chosen from its size alone: the
//!   runs of both curves are shared out between two threads, and the numbers do not depend on how. A second
//!   thread takes some 70 µs to start on these machines, so small curves stay on one.

use std::ops::Range;

const THRESHOLD: f64 = 0.01;

/// The distinct x values, ascending, with how many blocks have each and how many of those are scheduled.
#[derive(Debug, Clone, Default)]
struct Groups {
    x: Vec<f64>,
    n: Vec<f64>,
    s: Vec<f64>,
    /// `count_before[k]` = blocks in groups before k (k = 0..=len).
    count_before: Vec<i64>,
}

impl Groups {
    fn of(x: &[f64], y: &[bool]) -> Groups {
        let mut pairs: Vec<(f64, bool)> = x.iter().copied().zip(y.iter().copied()).collect();
        pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let mut g = Groups { count_before: vec![0], ..Default::default() };
        for (v, sched) in pairs {
            if g.x.last() != Some(&v) {
                g.x.push(v);
                g.n.push(0.0);
                g.s.push(0.0);
            }
            let k = g.x.len() - 1;
            g.n[k] += 1.0;
            if sched {
                g.s[k] += 1.0;
            }
        }
        let mut total = 0i64;
        for &n in &g.n {
            total += n as i64;
            g.count_before.push(total);
        }
        g
    }

    fn len(&self) -> usize {
        self.x.len()
    }
}

/// One curve to compute: the groups and the grid over their range.
pub struct Curve {
    groups: Groups,
    lo: f64,
    hi: f64,
    bw: f64,
    step: f64,
    m: usize,
}

/// The smoothed curve: (x, rate, n_effective), m points (one when all x are equal, none without blocks).
pub type Smoothed = (Vec<f64>, Vec<f64>, Vec<i64>);

impl Curve {
    pub fn new(x: &[f64], y: &[bool], bandwidth: f64, m: usize) -> Curve {
        let groups = Groups::of(x, y);
        let (lo, hi) = match (groups.x.first(), groups.x.last()) {
            (Some(&lo), Some(&hi)) => (lo, hi),
            _ => (0.0, 0.0),
        };
        let step = if m > 1 { (hi - lo) / (m - 1) as f64 } else { 0.0 };
        Curve { groups, lo, hi, bw: bandwidth * (hi - lo), step, m }
    }

    /// Number of grid points computed by the recurrence (0 when the answer is trivial).
    fn points(&self) -> usize {
        if self.groups.len() == 0 || self.m == 0 || self.hi == self.lo {
            0
        } else {
            self.m
        }
    }

    /// Cost of a run of `points` grid points, in group-steps.
    fn cost(&self, points: usize) -> usize {
        points * self.groups.len()
    }

    fn grid_x(&self, i: usize) -> f64 {
        if self.m > 1 && i == self.m - 1 {
            self.hi
        } else {
            self.lo + i as f64 * self.step
        }
    }

    fn exact(&self, x: f64, xi: f64) -> f64 {
        let z = (x - xi) / self.bw;
        (-0.5 * z * z).exp()
    }

    /// Blocks whose exact weight at xi exceeds the threshold.
    fn n_effective(&self, xi: f64) -> i64 {
        let g = &self.groups;
        let heavy = |k: usize| self.exact(g.x[k], xi) > THRESHOLD;
        // Below xi the weight rises with x, above it falls: the heavy groups form one window [a, b). Its edges
        // lie within rounding of xi ∓ r, where exp(−½(r/bw)²) = THRESHOLD; found there by bisection on x, they
        // are then moved, by the exact weight, past any group the rounding put on the wrong side.
        let r = self.bw * (2.0 * (1.0 / THRESHOLD).ln()).sqrt();
        let mut a = g.x.partition_point(|&x| x < xi - r);
        while a > 0 && heavy(a - 1) {
            a -= 1;
        }
        while a < g.len() && g.x[a] < xi && !heavy(a) {
            a += 1;
        }
        let mut b = g.x.partition_point(|&x| x <= xi + r);
        while b < g.len() && heavy(b) {
            b += 1;
        }
        while b > a && g.x[b - 1] > xi && !heavy(b - 1) {
            b -= 1;
        }
        g.count_before[b] - g.count_before[a]
    }

    /// Rate and n_effective at the grid points `run` (one of `runs()`).
    ///
    /// Groups are swept in chunks that stay in the L1 cache over the whole run (chunk-major rather than
    /// point-major order); per point, each chunk's weights are summed in four lanes, then the chunks in order,
    /// so the numbers depend only on the run.
    fn run(&self, run: Range<usize>) -> (Vec<f64>, Vec<i64>) {
        const CHUNK: usize = 256;
        let g = &self.groups;
        let h = self.step / self.bw;
        let (shrink_w, shrink_g) = ((-0.5 * h * h).exp(), (-h * h).exp());
        let x0 = self.grid_x(run.start);
        let (mut sw, mut swy) = (vec![0.0f64; run.len()], vec![0.0f64; run.len()]);
        let (mut w, mut gr) = ([0.0f64; CHUNK], [0.0f64; CHUNK]);
        for c0 in (0..g.len()).step_by(CHUNK) {
            let c1 = (c0 + CHUNK).min(g.len());
            let len = c1 - c0;
            for (k, &x) in g.x[c0..c1].iter().enumerate() {
                let z = (x - x0) / self.bw;
                w[k] = (-0.5 * z * z).exp();
                gr[k] = (z * h).exp();
            }
            let (n, s) = (&g.n[c0..c1], &g.s[c0..c1]);
            for t in 0..run.len() {
                // Four lanes, which the compiler keeps in vector registers; each weight is used, then advanced to
                // the next grid point, in the same pass.
                let (mut a4, mut b4) = ([0.0f64; 4], [0.0f64; 4]);
                let mut wc = w[..len].chunks_exact_mut(4);
                let mut gc = gr[..len].chunks_exact_mut(4);
                let (nc, sc) = (n.chunks_exact(4), s.chunks_exact(4));
                let (n_rest, s_rest) = (nc.remainder(), sc.remainder());
                for (((wq, gq), nq), sq) in (&mut wc).zip(&mut gc).zip(nc).zip(sc) {
                    for k in 0..4 {
                        let wk = wq[k];
                        a4[k] += wk * nq[k];
                        b4[k] += wk * sq[k];
                        wq[k] = wk * (gq[k] * shrink_w);
                        gq[k] *= shrink_g;
                    }
                }
                let (w_rest, g_rest) = (wc.into_remainder(), gc.into_remainder());
                for k in 0..w_rest.len() {
                    a4[k] += w_rest[k] * n_rest[k];
                    b4[k] += w_rest[k] * s_rest[k];
                    w_rest[k] *= g_rest[k] * shrink_w;
                    g_rest[k] *= shrink_g;
                }
                sw[t] += (a4[0] + a4[1]) + (a4[2] + a4[3]);
                swy[t] += (b4[0] + b4[1]) + (b4[2] + b4[3]);
            }
        }
        let rate = sw.iter().zip(&swy).map(|(&a, &b)| if a == 0.0 { f64::NAN } else { b / a }).collect();
        let neff = run.map(|i| self.n_effective(self.grid_x(i))).collect();
        (rate, neff)
    }

    /// The answer when there is nothing to sweep: no blocks, or all at one x.
    fn trivial(&self) -> Smoothed {
        let g = &self.groups;
        if g.len() == 0 || self.m == 0 {
            return (Vec::new(), Vec::new(), Vec::new());
        }
        let (n, s): (f64, f64) = (g.n.iter().sum(), g.s.iter().sum());
        (vec![self.lo], vec![s / n], vec![n as i64])
    }

    fn assemble(&self, runs: Vec<(Vec<f64>, Vec<i64>)>) -> Smoothed {
        if self.points() == 0 {
            return self.trivial();
        }
        let gx = (0..self.m).map(|i| self.grid_x(i)).collect();
        let (mut rate, mut neff) = (Vec::with_capacity(self.m), Vec::with_capacity(self.m));
        for (r, n) in runs {
            rate.extend(r);
            neff.extend(n);
        }
        (gx, rate, neff)
    }

    /// The whole grid, or its two halves when the curve is worth two threads (a function of the grid and the
    /// number of groups only).
    fn runs(&self) -> Vec<Range<usize>> {
        let m = self.points();
        if m < 2 || self.cost(m) < SPLIT_MIN_COST {
            return vec![0..m];
        }
        vec![0..m / 2, m / 2..m]
    }
}

/// One curve on this thread.
pub fn smooth(x: &[f64], y: &[bool], bandwidth: f64, m: usize) -> Smoothed {
    let c = Curve::new(x, y, bandwidth, m);
    let runs = c.runs().into_iter().map(|r| c.run(r)).collect();
    c.assemble(runs)
}

/// Below this much work (group-steps, ~0.5 ns each) one thread is faster than two.
const PARALLEL_MIN_COST: usize = 500_000;
/// A curve with at least this much work is split in two runs.
const SPLIT_MIN_COST: usize = 300_000;

/// Two curves of the same blocks (`y`) at once: each is built (grouped) on its own thread, then their runs are
/// shared out between the two threads (the flow runs with the GIL released). Each run's result depends only on
/// the run, so the numbers are those of `smooth`.
pub fn smooth_two(xa: &[f64], xb: &[f64], y: &[bool], bandwidth: f64, m: usize) -> (Smoothed, Smoothed) {
    let curves = if xa.len() + xb.len() < PARALLEL_MIN_BLOCKS {
        [Curve::new(xa, y, bandwidth, m), Curve::new(xb, y, bandwidth, m)]
    } else {
        std::thread::scope(|sc| {
            let b = sc.spawn(|| Curve::new(xb, y, bandwidth, m));
            [Curve::new(xa, y, bandwidth, m), b.join().expect("smoothing thread")]
        })
    };
    let mut out = smooth_all(&curves).into_iter();
    (out.next().unwrap(), out.next().unwrap())
}

/// Below this many blocks in all, grouping on one thread is faster than on two.
const PARALLEL_MIN_BLOCKS: usize = 10_000;

/// Several curves at once, their runs shared out between this thread and one more (the flow runs with the GIL
/// released). Each run's result depends only on the run, so the split does not change any number.
pub fn smooth_all(curves: &[Curve]) -> Vec<Smoothed> {
    let tasks: Vec<(usize, Range<usize>)> =
        curves.iter().enumerate().flat_map(|(c, curve)| curve.runs().into_iter().map(move |r| (c, r))).collect();
    let cost = |t: &(usize, Range<usize>)| curves[t.0].cost(t.1.len());
    let total: usize = tasks.iter().map(cost).sum();
    let mut results: Vec<Option<(Vec<f64>, Vec<i64>)>> = vec![None; tasks.len()];
    if total < PARALLEL_MIN_COST {
        for (slot, (c, r)) in results.iter_mut().zip(&tasks) {
            *slot = Some(curves[*c].run(r.clone()));
        }
    } else {
        // The second thread takes tasks from the end until it holds about half of the work.
        let (mut split, mut acc) = (tasks.len(), 0);
        while split > 0 && 2 * (acc + cost(&tasks[split - 1])) <= total + cost(&tasks[split - 1]) {
            split -= 1;
            acc += cost(&tasks[split]);
        }
        let (mine, theirs) = tasks.split_at(split);
        let compute = |ts: &[(usize, Range<usize>)]| ts.iter().map(|(c, r)| curves[*c].run(r.clone())).collect::<Vec<_>>();
        let (a, b) = std::thread::scope(|sc| {
            let other = sc.spawn(|| compute(theirs));
            (compute(mine), other.join().expect("smoothing thread"))
        });
        for (slot, v) in results.iter_mut().zip(a.into_iter().chain(b)) {
            *slot = Some(v);
        }
    }
    let mut per_curve: Vec<Vec<(Vec<f64>, Vec<i64>)>> = curves.iter().map(|_| Vec::new()).collect();
    for ((c, _), v) in tasks.iter().zip(results) {
        per_curve[*c].push(v.expect("every run computed"));
    }
    curves.iter().zip(per_curve).map(|(c, runs)| c.assemble(runs)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::etl::aggregates::tests::Lcg;

    /// The definition, one `exp` per pair.
    fn smooth_direct(x: &[f64], y: &[bool], bandwidth: f64, m: usize) -> Smoothed {
        let lo = x.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let bw = bandwidth * (hi - lo);
        let step = (hi - lo) / (m - 1) as f64;
        let mut out = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..m {
            let xi = if i == m - 1 { hi } else { lo + i as f64 * step };
            let w: Vec<f64> = x.iter().map(|&xj| (-0.5 * ((xj - xi) / bw).powi(2)).exp()).collect();
            let sw: f64 = w.iter().sum();
            let swy: f64 = w.iter().zip(y).filter(|(_, &s)| s).map(|(w, _)| w).sum();
            out.0.push(xi);
            out.1.push(if sw == 0.0 { f64::NAN } else { swy / sw });
            out.2.push(w.iter().filter(|&&v| v > 0.01).count() as i64);
        }
        out
    }

    fn assert_matches_definition(x: &[f64], y: &[bool], bandwidth: f64, m: usize, got: &Smoothed) {
        let (dx, drate, dneff) = smooth_direct(x, y, bandwidth, m);
        assert_eq!(got.0, dx);
        assert_eq!(got.2, dneff, "n={} bw={bandwidth} m={m}", x.len());
        for (a, b) in got.1.iter().zip(&drate) {
            assert!((a - b).abs() <= 1e-12 || (a.is_nan() && b.is_nan()), "{a} vs {b}");
        }
    }

    fn sample(r: &mut Lcg, n: usize, distinct: u64) -> (Vec<f64>, Vec<bool>) {
        // Clustered values with gaps, like visibility hours; or few values, like requested times.
        let x = (0..n)
            .map(|_| {
                if distinct > 0 {
                    r.below(distinct) as f64 * 0.25
                } else {
                    (r.below(40) as f64) * 7.5 + (r.below(1000) as f64) / 997.0
                }
            })
            .collect();
        (x, (0..n).map(|_| r.below(3) > 0).collect())
    }

    #[test]
    fn recurrence_and_grouping_match_the_definition() {
        let mut r = Lcg(5);
        for (n, distinct, bandwidth, m) in
            [(3000, 0, 0.3, 100), (500, 0, 0.05, 500), (800, 0, 1.0, 10), (50, 0, 0.07, 37), (2000, 8, 0.3, 100)]
        {
            let (x, y) = sample(&mut r, n, distinct);
            assert_matches_definition(&x, &y, bandwidth, m, &smooth(&x, &y, bandwidth, m));
        }
    }

    #[test]
    fn n_effective_is_exact_at_the_threshold_radius() {
        // range 10, bandwidth 0.3: bw = 3 and the weight crosses 0.01 at |x − x_i| = 3·√(2 ln 100) ≈ 9.1047
        let r = 3.0 * (2.0 * 100f64.ln()).sqrt();
        let mut x = vec![0.0, 10.0];
        for k in -40..=40 {
            x.push(r + k as f64 * 4e-16 * r);
            x.push(10.0 - r + k as f64 * 4e-16 * r);
        }
        let y: Vec<bool> = (0..x.len()).map(|i| i % 3 == 0).collect();
        for m in [2, 3, 11, 101] {
            assert_matches_definition(&x, &y, 0.3, m, &smooth(&x, &y, 0.3, m));
        }
    }

    #[test]
    fn two_threads_give_the_same_numbers_as_one() {
        let mut r = Lcg(9);
        let (xa, ya) = sample(&mut r, 6000, 0);
        let (xb, yb) = sample(&mut r, 6000, 6);
        let curves = [Curve::new(&xa, &ya, 0.3, 100), Curve::new(&xb, &yb, 0.2, 60)];
        assert!(curves.iter().map(|c| c.cost(c.points())).sum::<usize>() >= PARALLEL_MIN_COST);
        assert_eq!(curves[0].runs().len(), 2, "the large curve is split");
        let both = smooth_all(&curves);
        assert_eq!(both[0], smooth(&xa, &ya, 0.3, 100));
        assert_eq!(both[1], smooth(&xb, &yb, 0.2, 60));
        assert_matches_definition(&xa, &ya, 0.3, 100, &both[0]);
        let (a, b) = smooth_two(&xa, &xb, &ya, 0.3, 100);
        assert_eq!((a, b), (smooth(&xa, &ya, 0.3, 100), smooth(&xb, &ya, 0.3, 100)));
    }

    #[test]
    fn zero_range_empty_and_the_kernel() {
        let (x, r, n) = smooth(&[2.0, 2.0, 2.0, 2.0], &[true, false, false, false], 0.3, 100);
        assert_eq!((x, r, n), (vec![2.0], vec![0.25], vec![4]));
        let (x, r, n) = smooth(&[0.0, 10.0], &[false, true], 0.3, 11);
        assert_eq!(x.len(), 11);
        assert_eq!((x[0], x[10]), (0.0, 10.0));
        assert!((r[5] - 0.5).abs() < 1e-12);
        assert!(r[0] < 0.01 && r[10] > 0.99);
        assert_eq!((n[0], n[5]), (1, 2)); // w(10 at bw 3) = exp(−5.56) < 0.01
        assert_eq!(smooth(&[], &[], 0.3, 100).0.len(), 0);
        assert_eq!(smooth_all(&[Curve::new(&[], &[], 0.3, 100), Curve::new(&[1.0], &[true], 0.3, 5)])[1].2, vec![1]);
    }
}
