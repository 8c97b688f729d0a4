//! The summary row of `analytics.schedule_summary_analytics` (data-model.md §3) over a selection of blocks:
//! the ETL stores it for the whole schedule, the Insights flow computes it for a filtered selection.

use crate::blockset::BlockSet;
use crate::derive::{spearman, Stats};
use crate::flows::conflicts::find_conflicts;

pub use super::rows::Summary;

/// Summary over the blocks in `include` (ascending block id); `conflict_count` over all scheduled blocks of `b`.
pub fn summarize(b: &BlockSet, include: &[usize]) -> Summary {
    summarize_with_conflicts(b, include, find_conflicts(b).len() as i64)
}

/// As `summarize`, with the conflict count supplied by the caller.
pub fn summarize_with_conflicts(b: &BlockSet, include: &[usize], conflict_count: i64) -> Summary {
    let n = include.len();
    let prio: Vec<f64> = include.iter().map(|&i| b.priority[i]).collect();
    let vis: Vec<f64> = include.iter().map(|&i| b.total_vis_hours[i]).collect();
    let req: Vec<f64> = include.iter().map(|&i| b.requested_hours(i)).collect();
    let elev: Vec<f64> = include.iter().map(|&i| b.elevation_range(i)).collect();
    let ra: Vec<f64> = include.iter().map(|&i| b.ra_deg[i]).collect();
    let dec: Vec<f64> = include.iter().map(|&i| b.dec_deg[i]).collect();
    let sched: Vec<usize> = include.iter().copied().filter(|&i| b.is_scheduled(i)).collect();
    let p_s: Vec<f64> = sched.iter().map(|&i| b.priority[i]).collect();
    let p_u: Vec<f64> = include.iter().filter(|&&i| !b.is_scheduled(i)).map(|&i| b.priority[i]).collect();
    let h_s: Vec<f64> = sched.iter().map(|&i| b.scheduled_hours(i)).collect();
    let starts: Vec<f64> = sched.iter().map(|&i| b.sched_start[i]).collect();
    let stops: Vec<f64> = sched.iter().map(|&i| b.sched_stop[i]).collect();
    let impossible = include.iter().filter(|&&i| b.is_impossible(i)).count();

    let (sp, sv, sr, se) = (Stats::of(&prio), Stats::of(&vis), Stats::of(&req), Stats::of(&elev));
    let (sps, spu, shs) = (Stats::of(&p_s), Stats::of(&p_u), Stats::of(&h_s));
    let (sra, sdec) = (Stats::of(&ra), Stats::of(&dec));
    Summary {
        total_blocks: n as i64,
        scheduled_blocks: sched.len() as i64,
        unscheduled_blocks: (n - sched.len()) as i64,
        impossible_blocks: impossible as i64,
        scheduling_rate: if n == 0 { None } else { Some(sched.len() as f64 / n as f64) },
        priority_min: sp.min,
        priority_max: sp.max,
        priority_mean: sp.mean,
        priority_median: sp.median,
        priority_std: sp.std,
        priority_scheduled_mean: sps.mean,
        priority_scheduled_median: sps.median,
        priority_unscheduled_mean: spu.mean,
        priority_unscheduled_median: spu.median,
        visibility_total_hours: sv.sum,
        visibility_mean_hours: sv.mean,
        visibility_median_hours: sv.median,
        visibility_min_hours: sv.min,
        visibility_max_hours: sv.max,
        requested_total_hours: sr.sum,
        requested_mean_hours: sr.mean,
        requested_median_hours: sr.median,
        requested_min_hours: sr.min,
        requested_max_hours: sr.max,
        scheduled_total_hours: shs.sum,
        scheduled_mean_hours: shs.mean,
        elevation_mean_deg: se.mean,
        elevation_min_deg: se.min,
        elevation_max_deg: se.max,
        ra_min: sra.min,
        ra_max: sra.max,
        dec_min: sdec.min,
        dec_max: sdec.max,
        scheduled_time_min_mjd: Stats::of(&starts).min,
        scheduled_time_max_mjd: Stats::of(&stops).max,
        corr_priority_visibility: spearman(&prio, &vis),
        corr_priority_requested: spearman(&prio, &req),
        corr_visibility_requested: spearman(&vis, &req),
        corr_priority_elevation: spearman(&prio, &elev),
        corr_visibility_elevation: spearman(&vis, &elev),
        corr_requested_elevation: spearman(&req, &elev),
        conflict_count,
    }
}
