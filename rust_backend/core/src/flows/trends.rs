//! Trends (flows.md §6): how the chance of being scheduled depends on priority, visibility and requested
//! time. Everything of the payload except `model` (added in Python with scikit-learn from `blocks`).
//!
//! Choices where the spec is silent:
//! * Ranges must be finite with lo <= hi; `priority_levels` = Some(empty list) selects nothing.
//! * Smoothing grid = numpy.linspace(min, max, m): x_i = min + i·(max − min)/(m − 1), the last point = max.
//! * `metrics.scheduling_rate` and the min/max/mean values are null for an empty selection.
//! * `available` values are null (levels empty) for an empty schedule.

#![allow(clippy::neg_cmp_op_on_partial_ord)] // NaN-aware negated comparisons are intentional

use crate::blockset::{BlockCol, BlockCols, BlockSet, ScheduleFacts};
use crate::derive::{round_half_away, Span};
use crate::error::CoreError;
use crate::etl::aggregates::{heatmap, priority_rates, rate_bins};
use crate::etl::{HeatCell, PriorityRateRow, RateBinRow};
use crate::flows::spec::{DefaultValue, FlowSpec, Kind, Param};
use crate::flows::smoothing::{smooth_two, Smoothed};
use crate::payload::{dict, Val};

/// The block columns the trends read (the ETL loader selects only these).
pub const COLUMNS: BlockCols = BlockCols::of(&[
    BlockCol::Priority, BlockCol::RequestedSec, BlockCol::SchedStart, BlockCol::SchedStop,
    BlockCol::TotalVisHours,
]);

/// The trends' parameters (flows.md §6). The Python side adds `class_weight`, which only its model reads.
pub const SPEC: FlowSpec = FlowSpec {
    name: "trends",
    params: &[
        Param::new("exclude_impossible", Kind::Bool, DefaultValue::Bool(false)),
        Param::new("n_bins", Kind::Int, DefaultValue::Int(10)).within(5.0, 20.0),
        Param::new("bandwidth", Kind::Float, DefaultValue::Float(0.3)).within(0.05, 1.0),
        Param::new("n_smooth_points", Kind::Int, DefaultValue::Int(100)).within(10.0, 500.0),
        Param::new("visibility_range", Kind::Range, DefaultValue::Absent),
        Param::new("requested_range", Kind::Range, DefaultValue::Absent),
        Param::new("priority_levels", Kind::IntSet, DefaultValue::Absent),
    ],
    rules: &[],
};

#[derive(Debug, Clone, PartialEq)]
pub struct TrendsParams {
    pub exclude_impossible: bool,
    pub n_bins: usize,
    pub bandwidth: f64,
    pub n_smooth_points: usize,
    pub visibility_range: Option<(f64, f64)>,
    pub requested_range: Option<(f64, f64)>,
    pub priority_levels: Option<Vec<i64>>,
}

impl Default for TrendsParams {
    fn default() -> Self {
        TrendsParams {
            exclude_impossible: false,
            n_bins: 10,
            bandwidth: 0.3,
            n_smooth_points: 100,
            visibility_range: None,
            requested_range: None,
            priority_levels: None,
        }
    }
}

/// Pre-computed rows of the ETL path (whole schedule, 10 bins).
#[derive(Debug, Clone, Copy)]
pub struct TrendsStored<'a> {
    pub by_priority: &'a [PriorityRateRow],
    pub by_visibility: &'a [RateBinRow],
    pub heatmap: &'a [HeatCell],
}

fn validate(p: &TrendsParams) -> Result<(), CoreError> {
    if !SPEC.param("n_bins").admits(p.n_bins as f64) {
        return Err(CoreError::value(format!("n_bins must be in 5..20 (got {})", p.n_bins)));
    }
    if !SPEC.param("bandwidth").admits(p.bandwidth) {
        return Err(CoreError::value(format!("bandwidth must be in 0.05..1.0 (got {})", p.bandwidth)));
    }
    if !SPEC.param("n_smooth_points").admits(p.n_smooth_points as f64) {
        return Err(CoreError::value(format!("n_smooth_points must be in 10..500 (got {})", p.n_smooth_points)));
    }
    for (name, r) in [("visibility_range", p.visibility_range), ("requested_range", p.requested_range)] {
        if let Some((lo, hi)) = r {
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                return Err(CoreError::value(format!("{name} must be (lo, hi) with finite lo <= hi (got ({lo}, {hi}))")));
            }
        }
    }
    Ok(())
}

fn rate_table(rows: &[RateBinRow]) -> Val {
    dict()
        .put("bin_index", rows.iter().map(|r| r.bin_index).collect::<Vec<i64>>())
        .put("bin_min", rows.iter().map(|r| r.bin_min).collect::<Vec<f64>>())
        .put("bin_max", rows.iter().map(|r| r.bin_max).collect::<Vec<f64>>())
        .put("bin_mid", rows.iter().map(|r| r.bin_mid).collect::<Vec<f64>>())
        .put("total_count", rows.iter().map(|r| r.total_count).collect::<Vec<i64>>())
        .put("scheduled_count", rows.iter().map(|r| r.scheduled_count).collect::<Vec<i64>>())
        .put("scheduling_rate", rows.iter().map(|r| r.scheduling_rate).collect::<Vec<f64>>())
        .put("priority_mean", rows.iter().map(|r| r.priority_mean).collect::<Vec<f64>>())
        .build()
}

fn priority_table(rows: &[PriorityRateRow]) -> Val {
    dict()
        .put("priority_value", rows.iter().map(|r| r.priority_value).collect::<Vec<i64>>())
        .put("total_count", rows.iter().map(|r| r.total_count).collect::<Vec<i64>>())
        .put("scheduled_count", rows.iter().map(|r| r.scheduled_count).collect::<Vec<i64>>())
        .put("unscheduled_count", rows.iter().map(|r| r.unscheduled_count).collect::<Vec<i64>>())
        .put("impossible_count", rows.iter().map(|r| r.impossible_count).collect::<Vec<i64>>())
        .put("scheduling_rate", rows.iter().map(|r| r.scheduling_rate).collect::<Vec<f64>>())
        .put("visibility_mean_hours", rows.iter().map(|r| r.visibility_mean_hours).collect::<Vec<f64>>())
        .put("visibility_total_hours", rows.iter().map(|r| r.visibility_total_hours).collect::<Vec<f64>>())
        .put("requested_mean_hours", rows.iter().map(|r| r.requested_mean_hours).collect::<Vec<f64>>())
        .put("requested_total_hours", rows.iter().map(|r| r.requested_total_hours).collect::<Vec<f64>>())
        .build()
}

fn heat_table(cells: &[HeatCell]) -> Val {
    dict()
        .put("visibility_bin_index", cells.iter().map(|c| c.visibility_bin_index).collect::<Vec<i64>>())
        .put("requested_bin_index", cells.iter().map(|c| c.time_bin_index).collect::<Vec<i64>>())
        .put("visibility_mid_hours", cells.iter().map(|c| c.visibility_mid_hours).collect::<Vec<f64>>())
        .put("requested_mid_hours", cells.iter().map(|c| c.time_mid_hours).collect::<Vec<f64>>())
        .put("total_count", cells.iter().map(|c| c.total_count).collect::<Vec<i64>>())
        .put("scheduled_count", cells.iter().map(|c| c.scheduled_count).collect::<Vec<i64>>())
        .put("scheduling_rate", cells.iter().map(|c| c.scheduling_rate).collect::<Vec<f64>>())
        .build()
}

fn smooth_table((gx, rate, n): Smoothed) -> Val {
    dict().put("x", gx).put("rate", rate).put("n_effective", n).build()
}

pub fn trends(_facts: &ScheduleFacts, b: &BlockSet, p: &TrendsParams, stored: Option<TrendsStored>) -> Result<Val, CoreError> {
    validate(p)?;
    let n_all = b.len();
    let level: Vec<i64> = b.priority.iter().map(|&x| round_half_away(x)).collect();
    let req_all: Vec<f64> = (0..n_all).map(|i| b.requested_hours(i)).collect();
    let within = |r: Option<(f64, f64)>, v: f64| r.map_or(true, |(lo, hi)| v >= lo && v <= hi);
    let inc: Vec<usize> = (0..n_all)
        .filter(|&i| {
            !(p.exclude_impossible && b.is_impossible(i))
                && within(p.visibility_range, b.total_vis_hours[i])
                && within(p.requested_range, req_all[i])
                && p.priority_levels.as_ref().map_or(true, |ls| ls.contains(&level[i]))
        })
        .collect();
    let no_filters = p.visibility_range.is_none() && p.requested_range.is_none() && p.priority_levels.is_none();

    let prio: Vec<f64> = inc.iter().map(|&i| b.priority[i]).collect();
    let vis: Vec<f64> = inc.iter().map(|&i| b.total_vis_hours[i]).collect();
    let req: Vec<f64> = inc.iter().map(|&i| req_all[i]).collect();
    let sched: Vec<bool> = inc.iter().map(|&i| b.is_scheduled(i)).collect();

    let blocks = dict()
        .put("block_id", inc.iter().map(|&i| b.block_id[i]).collect::<Vec<i64>>())
        .put("priority", prio.clone())
        .put("priority_level", inc.iter().map(|&i| level[i]).collect::<Vec<i64>>())
        .put("total_visibility_hours", vis.clone())
        .put("requested_hours", req.clone())
        .put("scheduled", sched.clone())
        .build();

    let mut levels = level.clone();
    levels.sort_unstable();
    levels.dedup();
    let vis_all = Span::of(&b.total_vis_hours);
    let req_stats_all = Span::of(&req_all);
    let available = dict()
        .put("priority_levels", levels)
        .put("visibility_min", vis_all.min)
        .put("visibility_max", vis_all.max)
        .put("requested_min", req_stats_all.min)
        .put("requested_max", req_stats_all.max)
        .build();

    let n = inc.len();
    let n_sched = sched.iter().filter(|&&s| s).count();
    let (ps, vs, rs) = (Span::of(&prio), Span::of(&vis), Span::of(&req));
    let metrics = dict()
        .put("total_count", n)
        .put("scheduled_count", n_sched)
        .put("scheduling_rate", if n > 0 { Some(n_sched as f64 / n as f64) } else { None })
        .put("zero_visibility_count", vis.iter().filter(|&&v| v == 0.0).count())
        .put("priority_min", ps.min)
        .put("priority_max", ps.max)
        .put("priority_mean", ps.mean)
        .put("visibility_min", vs.min)
        .put("visibility_max", vs.max)
        .put("visibility_mean", vs.mean)
        .put("requested_min", rs.min)
        .put("requested_max", rs.max)
        .put("requested_mean", rs.mean)
        .build();

    let whole = no_filters && !p.exclude_impossible;
    let stored_whole = if whole { stored } else { None };
    let by_priority = match stored_whole {
        Some(s) => priority_table(s.by_priority),
        None => priority_table(&priority_rates(b, &inc)),
    };
    let stored_10 = if p.n_bins == 10 { stored_whole } else { None };
    let by_visibility = match stored_10 {
        Some(s) => rate_table(s.by_visibility),
        None => rate_table(&rate_bins(&vis, &sched, &prio, p.n_bins)),
    };
    let by_requested = rate_table(&rate_bins(&req, &sched, &prio, p.n_bins));
    let heat = match stored_10 {
        Some(s) => heat_table(s.heatmap),
        None => heat_table(&heatmap(&vis, &req, &sched, p.n_bins)),
    };

    // The two kernel smoothings are most of the flow: computed together, on two threads.
    let (sv, sr) = smooth_two(&vis, &req, &sched, p.bandwidth, p.n_smooth_points);
    let (smoothed_visibility, smoothed_requested) = (smooth_table(sv), smooth_table(sr));

    Ok(dict()
        .put("blocks", blocks)
        .put("available", available)
        .put("metrics", metrics)
        .put("by_priority", by_priority)
        .put("by_visibility", by_visibility)
        .put("by_requested", by_requested)
        .put("smoothed_visibility", smoothed_visibility)
        .put("smoothed_requested", smoothed_requested)
        .put("heatmap", heat)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::etl::aggregates::tests::random_blocks;

    fn facts() -> ScheduleFacts {
        ScheduleFacts { schedule_id: 1, name: "t".into(), checksum: "c".into(), dark_periods: vec![] }
    }

    #[test]
    fn stored_equals_computed() {
        let b = random_blocks(17, 60, 1_800_000_000.0, 40_000);
        let all: Vec<usize> = (0..b.len()).collect();
        let vis: Vec<f64> = b.total_vis_hours.clone();
        let req: Vec<f64> = (0..b.len()).map(|i| b.requested_hours(i)).collect();
        let sch: Vec<bool> = (0..b.len()).map(|i| b.is_scheduled(i)).collect();
        let bp = priority_rates(&b, &all);
        let bv = rate_bins(&vis, &sch, &b.priority, 10);
        let hm = heatmap(&vis, &req, &sch, 10);
        let st = TrendsStored { by_priority: &bp, by_visibility: &bv, heatmap: &hm };
        for p in [TrendsParams::default(), TrendsParams { n_bins: 7, ..Default::default() }] {
            let a = trends(&facts(), &b, &p, None).unwrap();
            let c = trends(&facts(), &b, &p, Some(st)).unwrap();
            assert_eq!(a, c);
        }
        // stored rows are not used with filters
        let empty = TrendsStored { by_priority: &[], by_visibility: &[], heatmap: &[] };
        let p = TrendsParams { exclude_impossible: true, ..Default::default() };
        assert_eq!(trends(&facts(), &b, &p, None).unwrap(), trends(&facts(), &b, &p, Some(empty)).unwrap());
        let p = TrendsParams { priority_levels: Some(vec![3, 4, 5]), ..Default::default() };
        let v = trends(&facts(), &b, &p, Some(empty)).unwrap();
        assert_eq!(v, trends(&facts(), &b, &p, None).unwrap());
        let Some(Val::ColI64(lv)) = v.get("blocks").unwrap().get("priority_level") else { panic!() };
        assert!(!lv.is_empty() && lv.iter().all(|l| [3, 4, 5].contains(l)));
    }

    #[test]
    fn filters_metrics_and_errors() {
        let b = random_blocks(5, 40, 1_800_000_000.0, 40_000);
        let p = TrendsParams { visibility_range: Some((0.5, 3.0)), exclude_impossible: true, ..Default::default() };
        let v = trends(&facts(), &b, &p, None).unwrap();
        let Some(Val::ColF64(vis)) = v.get("blocks").unwrap().get("total_visibility_hours") else { panic!() };
        assert!(vis.iter().all(|&x| (0.5..=3.0).contains(&x)));
        let m = v.get("metrics").unwrap();
        assert_eq!(m.get("total_count"), Some(&Val::Int(vis.len() as i64)));
        assert_eq!(m.get("zero_visibility_count"), Some(&Val::Int(0)));
        assert_eq!(v.get("available").unwrap().get("visibility_min"), Some(&Val::Float(0.0)));
        let err = |p: TrendsParams| match trends(&facts(), &b, &p, None) {
            Err(CoreError::Value { message }) => message,
            o => panic!("{o:?}"),
        };
        assert!(err(TrendsParams { n_bins: 4, ..Default::default() }).starts_with("n_bins"));
        assert!(err(TrendsParams { bandwidth: 1.5, ..Default::default() }).starts_with("bandwidth"));
        assert!(err(TrendsParams { n_smooth_points: 9, ..Default::default() }).starts_with("n_smooth_points"));
        assert!(err(TrendsParams { requested_range: Some((2.0, 1.0)), ..Default::default() }).starts_with("requested_range"));
    }

    #[test]
    fn empty_schedule() {
        let v = trends(&facts(), &BlockSet::new(), &TrendsParams::default(), None).unwrap();
        assert_eq!(v.get("blocks").unwrap().get("block_id"), Some(&Val::ColI64(vec![])));
        assert_eq!(v.get("metrics").unwrap().get("scheduling_rate"), Some(&Val::Null));
        assert_eq!(v.get("available").unwrap().get("priority_levels"), Some(&Val::ColI64(vec![])));
        assert_eq!(v.get("heatmap").unwrap().get("total_count"), Some(&Val::ColI64(vec![])));
        assert_eq!(v.get("smoothed_visibility").unwrap().get("x"), Some(&Val::ColF64(vec![])));
        assert_eq!(v.get("by_priority").unwrap().get("priority_value"), Some(&Val::ColI64(vec![])));
    }
}
