//! Distributions flow (flows.md §2).

use crate::flows::spec::{DefaultValue, FlowSpec, Kind, Param};
use crate::blockset::{BlockCol, BlockCols, BlockSet, ScheduleFacts};
use crate::derive::{PriorityBins, Stats};
use crate::payload::{dict, Val};

/// The block columns the distributions read (the ETL loader selects only these).
pub const COLUMNS: BlockCols = BlockCols::of(&[
    BlockCol::OriginalId, BlockCol::Priority, BlockCol::RequestedSec, BlockCol::MinAlt, BlockCol::MaxAlt,
    BlockCol::SchedStart, BlockCol::SchedStop, BlockCol::TotalVisHours,
]);

/// The distributions' parameters (flows.md §2).
pub const SPEC: FlowSpec = FlowSpec {
    name: "distributions",
    params: &[Param::new("exclude_impossible", Kind::Bool, DefaultValue::Bool(false))],
    rules: &[],
};

pub fn distributions(_facts: &ScheduleFacts, b: &BlockSet, exclude_impossible: bool) -> Val {
    let n = b.len();
    let bins = PriorityBins::from_priorities(&b.priority);
    let impossible_total = (0..n).filter(|&i| b.is_impossible(i)).count();
    let inc: Vec<usize> = (0..n).filter(|&i| !(exclude_impossible && b.is_impossible(i))).collect();

    let prio: Vec<f64> = inc.iter().map(|&i| b.priority[i]).collect();
    let vis: Vec<f64> = inc.iter().map(|&i| b.total_vis_hours[i]).collect();
    let req: Vec<f64> = inc.iter().map(|&i| b.requested_hours(i)).collect();
    let elev: Vec<f64> = inc.iter().map(|&i| b.elevation_range(i)).collect();
    let sched: Vec<bool> = inc.iter().map(|&i| b.is_scheduled(i)).collect();
    let imp: Vec<bool> = inc.iter().map(|&i| b.is_impossible(i)).collect();
    let p_s: Vec<f64> = inc.iter().filter(|&&i| b.is_scheduled(i)).map(|&i| b.priority[i]).collect();
    let p_u: Vec<f64> = inc.iter().filter(|&&i| !b.is_scheduled(i)).map(|&i| b.priority[i]).collect();

    let stats = dict()
        .put("priority", Stats::of(&prio).to_val())
        .put("total_visibility_hours", Stats::of(&vis).to_val())
        .put("requested_hours", Stats::of(&req).to_val())
        .put("elevation_range_deg", Stats::of(&elev).to_val())
        .build();
    let by_status =
        dict().put("scheduled", Stats::of(&p_s).to_val()).put("unscheduled", Stats::of(&p_u).to_val()).build();
    let counts = dict()
        .put("schedule_total", n)
        .put("impossible", impossible_total)
        .put("excluded", n - inc.len())
        .put("included", inc.len())
        .put("scheduled", p_s.len())
        .put("unscheduled", p_u.len())
        .build();
    let blocks = dict()
        .put("block_id", inc.iter().map(|&i| b.block_id[i]).collect::<Vec<i64>>())
        .put("original_block_id", b.original_id.pick(inc.iter().copied()))
        .put("priority", prio.clone())
        .put("priority_bin", bins.bins_of(&prio))
        .put("total_visibility_hours", vis)
        .put("requested_hours", req)
        .put("elevation_range_deg", elev)
        .put("scheduled", sched)
        .put("impossible", imp)
        .build();
    dict().put("blocks", blocks).put("stats", stats).put("priority_by_status", by_status).put("counts", counts).build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::sky_map::testutil::*;

    fn sample() -> BlockSet {
        let mut b = BlockSet::new();
        push(&mut b, row(1, "a", 1.0, 3600, Some((1.0, 1.5))), &[(0.0, 1.0)]);
        push(&mut b, row(2, "b", 9.0, 7200, None), &[]);
        push(&mut b, row(3, "c", 5.0, 1800, None), &[(0.0, 0.5)]);
        let mut r = row(4, "d", 3.0, 0, Some((2.0, 2.25)));
        r.min_alt = 20.0;
        r.max_alt = 60.0;
        push(&mut b, r, &[]);
        b
    }

    #[test]
    fn exclude_impossible_counts() {
        let b = sample();
        let all = distributions(&facts("s"), &b, false);
        let c = all.get("counts").unwrap();
        assert_eq!(
            c.to_json(),
            r#"{"schedule_total":4,"impossible":2,"excluded":0,"included":4,"scheduled":2,"unscheduled":2}"#
        );
        let ex = distributions(&facts("s"), &b, true);
        let c = ex.get("counts").unwrap();
        assert_eq!(
            c.to_json(),
            r#"{"schedule_total":4,"impossible":2,"excluded":2,"included":2,"scheduled":1,"unscheduled":1}"#
        );
        let bl = ex.get("blocks").unwrap();
        assert_eq!(bl.get("block_id"), Some(&Val::ColI64(vec![1, 3])));
        // bins stay schedule-wide: pmin 1, pmax 9 → 5 is bin 3
        assert_eq!(bl.get("priority_bin"), Some(&Val::ColU8(vec![1, 3])));
        let e = all.get("blocks").unwrap().get("elevation_range_deg").unwrap();
        assert_eq!(e, &Val::ColF64(vec![90.0, 90.0, 90.0, 40.0]));
        let ps = ex.get("stats").unwrap().get("priority").unwrap();
        assert_eq!(ps.get("mean"), Some(&Val::Float(3.0)));
        assert_eq!(ps.get("sum"), Some(&Val::Float(6.0)));
    }

    #[test]
    fn empty_schedule() {
        let v = distributions(&facts("e"), &BlockSet::new(), true);
        assert_eq!(v.get("blocks").unwrap().get("priority_bin"), Some(&Val::ColU8(vec![])));
        let s = v.get("stats").unwrap().get("priority").unwrap();
        assert_eq!(s.to_json(), r#"{"count":0,"mean":null,"median":null,"std":null,"min":null,"max":null,"sum":0.0}"#);
        assert_eq!(v.get("counts").unwrap().get("included"), Some(&Val::Int(0)));
    }
}
