//! Insights flow (flows.md §5). Its summary is the row of `analytics.schedule_summary_analytics`
//! (`etl/summary.rs`), computed here for the filtered selection.

use crate::blockset::{BlockCol, BlockCols, BlockSet, ScheduleFacts};
use crate::etl::summary::{summarize_with_conflicts, Summary};
use crate::flows::spec::{DefaultValue, FlowSpec, Kind, Param};
use crate::flows::conflicts::{find_conflicts, Conflict};
use crate::payload::{dict, Val};

/// The block columns Insights reads (the ETL loader selects only these).
pub const COLUMNS: BlockCols = BlockCols::of(&[
    BlockCol::OriginalId, BlockCol::Ra, BlockCol::Dec, BlockCol::Priority, BlockCol::RequestedSec,
    BlockCol::MinAlt, BlockCol::MaxAlt, BlockCol::SchedStart, BlockCol::SchedStop, BlockCol::TotalVisHours,
]);

/// Maximum number of conflict rows in the payload.
pub const MAX_CONFLICT_ROWS: usize = 10_000;

/// Insights' parameters (flows.md §5).
pub const SPEC: FlowSpec = FlowSpec {
    name: "insights",
    params: &[
        Param::new("exclude_impossible", Kind::Bool, DefaultValue::Bool(false)),
        Param::new("top_n", Kind::Int, DefaultValue::Int(10)).within(1.0, 100.0).setting("UI.TOP_N"),
    ],
    rules: &[],
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InsightsParams {
    pub exclude_impossible: bool,
    pub top_n: usize,
}

impl InsightsParams {
    /// Validated parameters (flows.md §5): `top_n` within its bounds.
    pub fn new(exclude_impossible: bool, top_n: i64) -> crate::Result<Self> {
        if !SPEC.param("top_n").admits(top_n as f64) {
            return Err(crate::CoreError::value("top_n must be in 1..100"));
        }
        Ok(InsightsParams { exclude_impossible, top_n: top_n as usize })
    }
}

impl Default for InsightsParams {
    fn default() -> Self {
        InsightsParams { exclude_impossible: false, top_n: 10 }
    }
}

fn top_table(b: &BlockSet, include: &[usize], key: &[f64], top_n: usize) -> Val {
    // Descending key, ties by block id: a total order, so selecting the first top_n and sorting only them gives
    // exactly the full sort's head, in linear time.
    let cmp = |x: &usize, y: &usize| key[*y].total_cmp(&key[*x]).then(b.block_id[*x].cmp(&b.block_id[*y]));
    let mut order: Vec<usize> = include.to_vec();
    if top_n < order.len() {
        order.select_nth_unstable_by(top_n, cmp);
        order.truncate(top_n);
    }
    order.sort_by(cmp);
    dict()
        .put("block_id", order.iter().map(|&i| b.block_id[i]).collect::<Vec<i64>>())
        .put("original_block_id", b.original_id.pick(order.iter().copied()))
        .put("priority", order.iter().map(|&i| b.priority[i]).collect::<Vec<f64>>())
        .put("total_visibility_hours", order.iter().map(|&i| b.total_vis_hours[i]).collect::<Vec<f64>>())
        .put("requested_hours", order.iter().map(|&i| b.requested_hours(i)).collect::<Vec<f64>>())
        .put("scheduled", order.iter().map(|&i| b.is_scheduled(i)).collect::<Vec<bool>>())
        .build()
}

fn conflicts_table(b: &BlockSet, c: &[Conflict]) -> Val {
    let c = &c[..c.len().min(MAX_CONFLICT_ROWS)];
    dict()
        .put("block_id_1", c.iter().map(|p| b.block_id[p.a]).collect::<Vec<i64>>())
        .put("original_block_id_1", b.original_id.pick(c.iter().map(|p| p.a)))
        .put("start_1_mjd", c.iter().map(|p| b.sched_start[p.a]).collect::<Vec<f64>>())
        .put("stop_1_mjd", c.iter().map(|p| b.sched_stop[p.a]).collect::<Vec<f64>>())
        .put("block_id_2", c.iter().map(|p| b.block_id[p.b]).collect::<Vec<i64>>())
        .put("original_block_id_2", b.original_id.pick(c.iter().map(|p| p.b)))
        .put("start_2_mjd", c.iter().map(|p| b.sched_start[p.b]).collect::<Vec<f64>>())
        .put("stop_2_mjd", c.iter().map(|p| b.sched_stop[p.b]).collect::<Vec<f64>>())
        .put("overlap_hours", c.iter().map(|p| p.overlap_hours).collect::<Vec<f64>>())
        .build()
}

fn nan(x: Option<f64>) -> f64 {
    x.unwrap_or(f64::NAN)
}

/// `stored`: the analytics summary row (ETL path, only with `exclude_impossible = false`); when given and
/// `exclude_impossible` is false, metrics, correlations and the conflict count come from it.
pub fn insights(_facts: &ScheduleFacts, b: &BlockSet, p: &InsightsParams, stored: Option<&Summary>) -> Val {
    let n = b.len();
    let impossible_count = (0..n).filter(|&i| b.is_impossible(i)).count();
    let include: Vec<usize> = (0..n).filter(|&i| !(p.exclude_impossible && b.is_impossible(i))).collect();
    let conflicts = find_conflicts(b);
    let s: Summary = match stored {
        Some(st) if !p.exclude_impossible => st.clone(),
        _ => summarize_with_conflicts(b, &include, conflicts.len() as i64),
    };

    let metrics = dict()
        .put("schedule_total", n)
        .put("impossible_count", impossible_count)
        .put("included", s.total_blocks)
        .put("scheduled_count", s.scheduled_blocks)
        .put("unscheduled_count", s.unscheduled_blocks)
        .put("scheduling_rate", s.scheduling_rate)
        .put("priority_mean", s.priority_mean)
        .put("priority_median", s.priority_median)
        .put("priority_std", s.priority_std)
        .put("priority_scheduled_mean", s.priority_scheduled_mean)
        .put("priority_scheduled_median", s.priority_scheduled_median)
        .put("priority_unscheduled_mean", s.priority_unscheduled_mean)
        .put("priority_unscheduled_median", s.priority_unscheduled_median)
        .put("visibility_total_hours", s.visibility_total_hours)
        .put("visibility_mean_hours", s.visibility_mean_hours)
        .put("requested_total_hours", s.requested_total_hours)
        .put("requested_mean_hours", s.requested_mean_hours)
        .put("scheduled_total_hours", s.scheduled_total_hours)
        .put("conflict_count", s.conflict_count)
        .build();

    let pairs: [(&str, &str, Option<f64>); 6] = [
        ("priority", "visibility", s.corr_priority_visibility),
        ("priority", "requested", s.corr_priority_requested),
        ("priority", "elevation", s.corr_priority_elevation),
        ("visibility", "requested", s.corr_visibility_requested),
        ("visibility", "elevation", s.corr_visibility_elevation),
        ("requested", "elevation", s.corr_requested_elevation),
    ];
    let correlations = dict()
        .put("variable_1", pairs.iter().map(|t| t.0.to_string()).collect::<Vec<String>>())
        .put("variable_2", pairs.iter().map(|t| t.1.to_string()).collect::<Vec<String>>())
        .put("rho", pairs.iter().map(|t| nan(t.2)).collect::<Vec<f64>>())
        .build();

    dict()
        .put("metrics", metrics)
        .put("correlations", correlations)
        .put("top_priority", top_table(b, &include, &b.priority, p.top_n))
        .put("top_visibility", top_table(b, &include, &b.total_vis_hours, p.top_n))
        .put("conflicts", conflicts_table(b, &conflicts))
        .put("conflicts_truncated", s.conflict_count > MAX_CONFLICT_ROWS as i64)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::etl::summary::summarize;
    use crate::flows::sky_map::testutil::*;

    fn sample() -> BlockSet {
        let mut b = BlockSet::new();
        push(&mut b, row(1, "a", 2.0, 3600, Some((1.0, 1.5))), &[(0.0, 1.0)]);
        push(&mut b, row(2, "b", 2.0, 7200, None), &[]);
        push(&mut b, row(3, "c", 5.0, 1800, Some((1.25, 1.75))), &[(0.0, 0.5)]);
        let mut r = row(4, "d", 7.0, 3600, Some((1.75, 2.0)));
        r.min_alt = 20.0;
        push(&mut b, r, &[(0.0, 0.25), (0.1, 0.5)]);
        push(&mut b, row(5, "e", 5.0, 900, None), &[(3.0, 3.5)]);
        b
    }

    #[test]
    fn summary_values_with_ties() {
        let b = sample();
        let all: Vec<usize> = (0..b.len()).collect();
        let s = summarize(&b, &all);
        assert_eq!((s.total_blocks, s.scheduled_blocks, s.unscheduled_blocks, s.impossible_blocks), (5, 3, 2, 1));
        assert_eq!(s.scheduling_rate, Some(0.6));
        assert_eq!(s.priority_median, Some(5.0));
        assert_eq!(s.priority_mean, Some(21.0 / 5.0));
        assert_eq!(s.priority_scheduled_median, Some(5.0));
        assert_eq!(s.priority_unscheduled_mean, Some(3.5));
        assert_eq!(s.visibility_total_hours, 24.0 + 12.0 + 12.0 + 12.0);
        assert_eq!(s.visibility_min_hours, Some(0.0));
        assert_eq!(s.requested_total_hours, 1.0 + 2.0 + 0.5 + 1.0 + 0.25);
        assert_eq!(s.scheduled_total_hours, 12.0 + 12.0 + 6.0);
        assert_eq!(s.elevation_min_deg, Some(70.0));
        assert_eq!(s.scheduled_time_min_mjd, Some(1.0));
        assert_eq!(s.scheduled_time_max_mjd, Some(2.0));
        assert_eq!(s.conflict_count, 1);
        // priority ties: ranks p = [1.5, 1.5, 3.5, 5, 3.5], requested = [3.5, 5, 2, 3.5, 1]
        let expected = crate::derive::pearson(&[1.5, 1.5, 3.5, 5.0, 3.5], &[3.5, 5.0, 2.0, 3.5, 1.0]);
        assert_eq!(s.corr_priority_requested, expected);
        assert!(s.corr_priority_requested.is_some());
        // elevation constant except one → defined; subset with no elevation variance → None
        assert_eq!(summarize(&b, &[0, 1]).corr_priority_elevation, None);
        // conflict count over all scheduled blocks regardless of include
        assert_eq!(summarize(&b, &[1]).conflict_count, 1);
    }

    #[test]
    fn top_lists_by_selection_equal_the_full_sort() {
        let mut b = BlockSet::new();
        for k in 0..200i64 {
            // many ties in priority (20 levels) and in hours
            push(&mut b, row(1000 - k, "x", (k % 20) as f64 * 0.5, 3600, None), &[(0.0, (k % 7) as f64 * 0.1)]);
        }
        let include: Vec<usize> = (0..b.len()).filter(|i| i % 3 != 0).collect();
        for key in [&b.priority, &b.total_vis_hours] {
            let mut full = include.clone();
            full.sort_by(|&x, &y| key[y].total_cmp(&key[x]).then(b.block_id[x].cmp(&b.block_id[y])));
            for top_n in [1, 5, 37, 133, 500] {
                let t = top_table(&b, &include, key, top_n);
                let want: Vec<i64> = full.iter().take(top_n).map(|&i| b.block_id[i]).collect();
                assert_eq!(t.get("block_id"), Some(&Val::ColI64(want)), "top {top_n}");
            }
        }
    }

    #[test]
    fn stored_equals_recomputed() {
        let b = sample();
        let all: Vec<usize> = (0..b.len()).collect();
        let stored = summarize(&b, &all);
        for top_n in [1, 3, 10] {
            let p = InsightsParams { exclude_impossible: false, top_n };
            let a = insights(&facts("s"), &b, &p, None);
            let c = insights(&facts("s"), &b, &p, Some(&stored));
            assert!(same(&a, &c));
            assert_eq!(a.to_json(), c.to_json());
        }
        // the stored row is what is read: a different stored value shows up in the payload
        let mut altered = stored.clone();
        altered.conflict_count = 20_000;
        altered.corr_priority_visibility = Some(0.5);
        let p = InsightsParams { exclude_impossible: false, top_n: 3 };
        let v = insights(&facts("s"), &b, &p, Some(&altered));
        assert_eq!(v.get("metrics").unwrap().get("conflict_count"), Some(&Val::Int(20_000)));
        assert_eq!(v.get("conflicts_truncated"), Some(&Val::Bool(true)));
        assert!(InsightsParams::new(false, 0).is_err() && InsightsParams::new(true, 100).is_ok());
        // random schedules: stored (summary over all blocks) and recomputed agree
        let mut rng = Lcg(7);
        for _ in 0..50 {
            let mut r = BlockSet::new();
            for id in 1..=(rng.below(30) as i64) {
                let sched =
                    if rng.below(2) == 0 { None } else { Some((rng.below(10) as f64, 10.0 + rng.below(5) as f64)) };
                let mut row = row(id, &format!("x{id}"), rng.below(6) as f64, rng.below(4) as i64 * 900, sched);
                if rng.below(3) == 0 {
                    row.min_alt = rng.below(40) as f64;
                }
                let vis: Vec<(f64, f64)> = (0..rng.below(3)).map(|k| (k as f64, k as f64 + 0.5)).collect();
                push(&mut r, row, &vis);
            }
            let all: Vec<usize> = (0..r.len()).collect();
            let st = summarize(&r, &all);
            let p = InsightsParams { exclude_impossible: false, top_n: 5 };
            assert!(same(&insights(&facts("r"), &r, &p, None), &insights(&facts("r"), &r, &p, Some(&st))));
        }
        // with exclude_impossible the stored row is ignored
        let p = InsightsParams { exclude_impossible: true, top_n: 10 };
        assert!(same(&insights(&facts("s"), &b, &p, None), &insights(&facts("s"), &b, &p, Some(&stored))));
    }

    #[test]
    fn insights_payload() {
        let b = sample();
        let p = InsightsParams { exclude_impossible: true, top_n: 3 };
        let v = insights(&facts("s"), &b, &p, None);
        let m = v.get("metrics").unwrap();
        assert_eq!(m.get("schedule_total"), Some(&Val::Int(5)));
        assert_eq!(m.get("impossible_count"), Some(&Val::Int(1)));
        assert_eq!(m.get("included"), Some(&Val::Int(4)));
        assert_eq!(m.get("conflict_count"), Some(&Val::Int(1)));
        let tp = v.get("top_priority").unwrap();
        assert_eq!(tp.get("block_id"), Some(&Val::ColI64(vec![4, 3, 5])));
        let tv = v.get("top_visibility").unwrap();
        assert_eq!(tv.get("block_id"), Some(&Val::ColI64(vec![1, 3, 4])));
        let c = v.get("conflicts").unwrap();
        assert_eq!(c.get("block_id_1"), Some(&Val::ColI64(vec![1])));
        assert_eq!(c.get("block_id_2"), Some(&Val::ColI64(vec![3])));
        assert_eq!(c.get("overlap_hours"), Some(&Val::ColF64(vec![6.0])));
        assert_eq!(v.get("conflicts_truncated"), Some(&Val::Bool(false)));
        let cor = v.get("correlations").unwrap();
        assert_eq!(cor.get("variable_1").unwrap().column_len(), Some(6));
        assert_eq!(
            cor.get("variable_2"),
            Some(&Val::ColStr(
                ["visibility", "requested", "elevation", "requested", "elevation", "elevation"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            ))
        );
    }

    #[test]
    fn truncates_conflicts() {
        let mut b = BlockSet::new();
        for id in 1..=150 {
            push(&mut b, row(id, &id.to_string(), 1.0, 60, Some((1.0, 2.0))), &[]);
        }
        let v = insights(&facts("s"), &b, &InsightsParams::default(), None);
        assert_eq!(v.get("metrics").unwrap().get("conflict_count"), Some(&Val::Int(150 * 149 / 2)));
        assert_eq!(v.get("conflicts").unwrap().get("overlap_hours").unwrap().column_len(), Some(10_000));
        assert_eq!(v.get("conflicts_truncated"), Some(&Val::Bool(true)));
    }

    #[test]
    fn empty_schedule() {
        let b = BlockSet::new();
        let s = summarize(&b, &[]);
        assert_eq!((s.total_blocks, s.scheduling_rate, s.visibility_total_hours), (0, None, 0.0));
        assert_eq!(s.corr_priority_visibility, None);
        let v = insights(&facts("e"), &b, &InsightsParams::default(), Some(&s));
        assert!(same(&v, &insights(&facts("e"), &b, &InsightsParams::default(), None)));
        let m = v.get("metrics").unwrap();
        assert_eq!(m.get("scheduling_rate"), Some(&Val::Null));
        assert_eq!(m.get("requested_total_hours"), Some(&Val::Float(0.0)));
        assert_eq!(v.get("correlations").unwrap().get("rho").unwrap().to_json(), "[null,null,null,null,null,null]");
        assert_eq!(v.get("top_priority").unwrap().get("block_id"), Some(&Val::ColI64(vec![])));
    }
}
