//! Scheduling conflicts by sort + sweep (flows.md §5).

use crate::blockset::BlockSet;

/// One conflicting pair; `a` and `b` index into the `BlockSet` (a precedes b in sweep order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conflict {
    pub a: usize,
    pub b: usize,
    pub overlap_hours: f64,
}

/// Every pair of scheduled blocks whose periods overlap by a positive amount, sorted by
/// (start_1, block_id_1, start_2, block_id_2).
pub fn find_conflicts(b: &BlockSet) -> Vec<Conflict> {
    let mut order: Vec<usize> = (0..b.len()).filter(|&i| b.is_scheduled(i)).collect();
    order.sort_by(|&x, &y| {
        b.sched_start[x]
            .total_cmp(&b.sched_start[y])
            .then(b.sched_stop[x].total_cmp(&b.sched_stop[y]))
            .then(b.block_id[x].cmp(&b.block_id[y]))
    });
    let mut active: Vec<usize> = Vec::new();
    let mut out: Vec<Conflict> = Vec::new();
    for &j in &order {
        let (s, e) = (b.sched_start[j], b.sched_stop[j]);
        active.retain(|&a| b.sched_stop[a] > s);
        for &a in &active {
            let end = if b.sched_stop[a] < e { b.sched_stop[a] } else { e };
            // positive overlap only (always true for valid periods with start < stop)
            if end > s {
                out.push(Conflict { a, b: j, overlap_hours: (end - s) * 24.0 });
            }
        }
        active.push(j);
    }
    out.sort_by(|p, q| {
        b.sched_start[p.a]
            .total_cmp(&b.sched_start[q.a])
            .then(b.block_id[p.a].cmp(&b.block_id[q.a]))
            .then(b.sched_start[p.b].total_cmp(&b.sched_start[q.b]))
            .then(b.block_id[p.b].cmp(&b.block_id[q.b]))
    });
    out
}

/// Number of conflicting pairs.
pub fn conflict_count(b: &BlockSet) -> usize {
    find_conflicts(b).len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::sky_map::testutil::*;

    fn brute(b: &BlockSet) -> Vec<(i64, i64, f64)> {
        let mut v = Vec::new();
        for i in 0..b.len() {
            for j in 0..b.len() {
                if i == j || !b.is_scheduled(i) || !b.is_scheduled(j) {
                    continue;
                }
                let key_i = (b.sched_start[i], b.sched_stop[i], b.block_id[i]);
                let key_j = (b.sched_start[j], b.sched_stop[j], b.block_id[j]);
                if key_i >= key_j {
                    continue; // i must precede j in sweep order
                }
                let lo = b.sched_start[i].max(b.sched_start[j]);
                let hi = b.sched_stop[i].min(b.sched_stop[j]);
                if lo < hi {
                    v.push((i, j, (hi - lo) * 24.0));
                }
            }
        }
        v.sort_by(|p, q| {
            (b.sched_start[p.0], b.block_id[p.0], b.sched_start[p.1], b.block_id[p.1])
                .partial_cmp(&(b.sched_start[q.0], b.block_id[q.0], b.sched_start[q.1], b.block_id[q.1]))
                .unwrap()
        });
        v.into_iter().map(|(i, j, h)| (b.block_id[i], b.block_id[j], h)).collect()
    }

    #[test]
    fn sweep_matches_brute_force() {
        let mut rng = Lcg(12345);
        for round in 0..200 {
            let n = 1 + rng.below(40) as i64;
            let mut b = BlockSet::new();
            for id in 1..=n {
                // coarse grid → many identical starts and touching periods
                let sched = if rng.below(5) == 0 {
                    None
                } else {
                    let s = rng.below(20) as f64 * 0.25;
                    let len = (1 + rng.below(6)) as f64 * 0.25;
                    Some((60000.0 + s, 60000.0 + s + len))
                };
                push(&mut b, row(id * 3 + (round % 2), &id.to_string(), 1.0, 60, sched), &[]);
            }
            let got: Vec<(i64, i64, f64)> =
                find_conflicts(&b).iter().map(|c| (b.block_id[c.a], b.block_id[c.b], c.overlap_hours)).collect();
            assert_eq!(got, brute(&b), "round {round}");
        }
    }

    #[test]
    fn touching_is_not_conflict_and_identical_starts_pair() {
        let mut b = BlockSet::new();
        push(&mut b, row(1, "a", 1.0, 60, Some((1.0, 2.0))), &[]);
        push(&mut b, row(2, "b", 1.0, 60, Some((2.0, 3.0))), &[]);
        push(&mut b, row(3, "c", 1.0, 60, Some((2.0, 2.5))), &[]);
        push(&mut b, row(4, "d", 1.0, 60, None), &[]);
        let c = find_conflicts(&b);
        assert_eq!(c.len(), 1);
        // sweep order: (2.0, 2.5, id 3) before (2.0, 3.0, id 2); sorted by (start_1, id_1) keeps (3, 2)
        assert_eq!((b.block_id[c[0].a], b.block_id[c[0].b]), (3, 2));
        assert_eq!(c[0].overlap_hours, 12.0);
        assert!(find_conflicts(&BlockSet::new()).is_empty());
    }
}
