//! Compare flow (flows.md §7): two schedules matched by original block id.

use std::cmp::Ordering;

use crate::blockset::{BlockCol, BlockCols, BlockSet, ScheduleFacts};
use crate::derive::{merge_periods, Stats};
use crate::model::Period;
use crate::payload::{dict, Val};
use crate::strcol::StrCol;

/// The block columns Compare reads of each schedule (the ETL loader selects only these).
/// Compare's parameters (flows.md §7): the other schedule.
pub const SPEC: crate::flows::spec::FlowSpec = crate::flows::spec::FlowSpec {
    name: "compare",
    params: &[crate::flows::spec::Param::new(
        "other_schedule_id",
        crate::flows::spec::Kind::Int,
        crate::flows::spec::DefaultValue::Required,
    )
    .at_least(0.0)],
    rules: &[],
};

pub const COLUMNS: BlockCols = BlockCols::of(&[
    BlockCol::OriginalId, BlockCol::Priority, BlockCol::RequestedSec, BlockCol::SchedStart, BlockCol::SchedStop,
]);

fn blocks_table(b: &BlockSet) -> Val {
    let n = b.len();
    dict()
        .put("original_block_id", b.original_id.clone())
        .put("block_id", b.block_id.clone())
        .put("priority", b.priority.clone())
        .put("scheduled", (0..n).map(|i| b.is_scheduled(i)).collect::<Vec<bool>>())
        .put("requested_hours", (0..n).map(|i| b.requested_hours(i)).collect::<Vec<f64>>())
        .put("scheduled_hours", (0..n).map(|i| b.scheduled_hours(i)).collect::<Vec<f64>>())
        .build()
}

/// Positive gaps (hours) between consecutive merged scheduled periods.
pub fn gaps_hours(b: &BlockSet) -> Vec<f64> {
    let mut periods: Vec<Period> =
        (0..b.len()).filter(|&i| b.is_scheduled(i)).map(|i| Period::new(b.sched_start[i], b.sched_stop[i])).collect();
    let merged = merge_periods(&mut periods);
    merged.windows(2).map(|w| (w[1].start - w[0].stop) * 24.0).filter(|&g| g > 0.0).collect()
}

fn stats(b: &BlockSet) -> Val {
    let n = b.len();
    let sched: Vec<usize> = (0..n).filter(|&i| b.is_scheduled(i)).collect();
    let prio = Stats::of(&sched.iter().map(|&i| b.priority[i]).collect::<Vec<f64>>());
    let req = Stats::of(&sched.iter().map(|&i| b.requested_hours(i)).collect::<Vec<f64>>());
    let hours = Stats::of(&sched.iter().map(|&i| b.scheduled_hours(i)).collect::<Vec<f64>>());
    let gaps = Stats::of(&gaps_hours(b));
    dict()
        .put("block_count", n)
        .put("scheduled_count", sched.len())
        .put("unscheduled_count", n - sched.len())
        .put("priority_total", prio.sum)
        .put("priority_mean", prio.mean)
        .put("priority_median", prio.median)
        .put("requested_hours_total", req.sum)
        .put("scheduled_hours_total", hours.sum)
        .put("scheduled_hours_mean", hours.mean)
        .put("scheduled_hours_median", hours.median)
        .put("gap_count", gaps.count)
        .put("gap_mean_hours", gaps.mean)
        .put("gap_median_hours", gaps.median)
        .build()
}

/// Rows of `b` ordered by original id (byte order = code point order for UTF-8).
fn by_id(b: &BlockSet) -> Vec<(&str, usize)> {
    let mut v: Vec<(&str, usize)> = b.original_id.iter().enumerate().map(|(i, s)| (s, i)).collect();
    v.sort_unstable();
    v
}

pub fn compare(cur_facts: &ScheduleFacts, cur: &BlockSet, other_facts: &ScheduleFacts, other: &BlockSet) -> Val {
    // Both sides sorted by id and walked together (a merge join): one comparison per step, instead of a lookup
    // per block.
    let (cs, os) = (by_id(cur), by_id(other));
    let (mut common, mut only_cur, mut only_other) = (StrCol::new(), StrCol::new(), StrCol::new());
    let (mut change_id, mut change_kind) = (StrCol::new(), StrCol::new());
    let (mut change_pc, mut change_po) = (Vec::new(), Vec::new());
    let (mut newly_s, mut newly_u, mut prio_changed) = (0usize, 0usize, 0usize);
    let (mut x, mut y) = (0, 0);
    while x < cs.len() || y < os.len() {
        let order = match (cs.get(x), os.get(y)) {
            (Some(c), Some(o)) => c.0.cmp(o.0),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match order {
            Ordering::Less => {
                only_cur.push(cs[x].0);
                x += 1;
            }
            Ordering::Greater => {
                only_other.push(os[y].0);
                y += 1;
            }
            Ordering::Equal => {
                let ((id, i), (_, j)) = (cs[x], os[y]);
                common.push(id);
                let (sc, so) = (cur.is_scheduled(i), other.is_scheduled(j));
                if sc != so {
                    if sc {
                        newly_u += 1;
                    } else {
                        newly_s += 1;
                    }
                    change_id.push(id);
                    change_kind.push(if sc { "newly_unscheduled" } else { "newly_scheduled" });
                    change_pc.push(cur.priority[i]);
                    change_po.push(other.priority[j]);
                }
                if cur.priority[i] != other.priority[j] {
                    prio_changed += 1;
                }
                x += 1;
                y += 1;
            }
        }
    }

    let summary = dict()
        .put("common_count", common.len())
        .put("only_current_count", only_cur.len())
        .put("only_comparison_count", only_other.len())
        .put("newly_scheduled", newly_s)
        .put("newly_unscheduled", newly_u)
        .put("priority_changed", prio_changed)
        .build();
    let changes = dict()
        .put("original_block_id", change_id)
        .put("change", change_kind)
        .put("priority_current", change_pc)
        .put("priority_comparison", change_po)
        .build();
    dict()
        .put(
            "names",
            dict()
                .put("current_name", cur_facts.name.as_str())
                .put("comparison_name", other_facts.name.as_str())
                .build(),
        )
        .put("current_blocks", blocks_table(cur))
        .put("comparison_blocks", blocks_table(other))
        .put("current_stats", stats(cur))
        .put("comparison_stats", stats(other))
        .put("common_ids", common)
        .put("only_in_current", only_cur)
        .put("only_in_comparison", only_other)
        .put("changes", changes)
        .put("summary", summary)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::sky_map::testutil::*;

    fn sample() -> BlockSet {
        let mut b = BlockSet::new();
        push(&mut b, row(10, "b", 2.0, 3600, Some((1.0, 1.5))), &[]);
        push(&mut b, row(11, "a", 3.0, 3600, None), &[]);
        push(&mut b, row(12, "é", 4.0, 7200, Some((1.5, 1.75))), &[]);
        push(&mut b, row(13, "Z", 5.0, 1800, Some((2.0, 2.25))), &[]);
        push(&mut b, row(14, "c", 6.0, 1800, Some((2.1, 2.2))), &[]);
        b
    }

    fn strs(v: &[&str]) -> Val {
        Val::ColStr(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn with_itself() {
        let b = sample();
        let v = compare(&facts("x"), &b, &facts("x"), &b);
        assert_eq!(v.get("common_ids"), Some(&strs(&["Z", "a", "b", "c", "é"])));
        assert_eq!(v.get("only_in_current"), Some(&strs(&[])));
        assert_eq!(v.get("changes").unwrap().get("change"), Some(&strs(&[])));
        assert_eq!(
            v.get("summary").unwrap().to_json(),
            r#"{"common_count":5,"only_current_count":0,"only_comparison_count":0,"newly_scheduled":0,"newly_unscheduled":0,"priority_changed":0}"#
        );
        let s = v.get("current_stats").unwrap();
        assert_eq!(s.get("scheduled_count"), Some(&Val::Int(4)));
        assert_eq!(s.get("priority_total"), Some(&Val::Float(17.0)));
        // merged periods [1.0, 1.75], [2.0, 2.25] → one gap of 6 h
        assert_eq!(s.get("gap_count"), Some(&Val::Int(1)));
        assert_eq!(s.get("gap_mean_hours"), Some(&Val::Float(6.0)));
        assert_eq!(v.get("current_stats"), v.get("comparison_stats"));
    }

    #[test]
    fn changes_and_disjoint() {
        let a = sample();
        let mut o = BlockSet::new();
        push(&mut o, row(20, "a", 3.0, 3600, Some((5.0, 6.0))), &[]); // newly scheduled
        push(&mut o, row(21, "b", 2.5, 3600, None), &[]); // newly unscheduled, priority changed
        push(&mut o, row(22, "q", 1.0, 3600, None), &[]);
        let v = compare(&facts("cur"), &a, &facts("oth"), &o);
        assert_eq!(v.get("names").unwrap().to_json(), r#"{"current_name":"cur","comparison_name":"oth"}"#);
        assert_eq!(v.get("only_in_current"), Some(&strs(&["Z", "c", "é"])));
        assert_eq!(v.get("only_in_comparison"), Some(&strs(&["q"])));
        let c = v.get("changes").unwrap();
        assert_eq!(c.get("original_block_id"), Some(&strs(&["a", "b"])));
        assert_eq!(c.get("change"), Some(&strs(&["newly_scheduled", "newly_unscheduled"])));
        assert_eq!(c.get("priority_comparison"), Some(&Val::ColF64(vec![3.0, 2.5])));
        let s = v.get("summary").unwrap();
        assert_eq!(s.get("priority_changed"), Some(&Val::Int(1)));
        assert_eq!(v.get("comparison_stats").unwrap().get("gap_count"), Some(&Val::Int(0)));
        assert_eq!(v.get("comparison_stats").unwrap().get("gap_mean_hours"), Some(&Val::Null));

        let mut d = BlockSet::new();
        push(&mut d, row(30, "x", 1.0, 60, None), &[]);
        let v = compare(&facts("cur"), &a, &facts("d"), &d);
        assert_eq!(v.get("summary").unwrap().get("common_count"), Some(&Val::Int(0)));
        assert_eq!(v.get("only_in_comparison"), Some(&strs(&["x"])));
        assert_eq!(v.get("only_in_current").unwrap().column_len(), Some(5));
    }

    #[test]
    fn empty_schedules() {
        let e = BlockSet::new();
        let v = compare(&facts("e"), &e, &facts("e"), &e);
        let s = v.get("current_stats").unwrap();
        assert_eq!(
            s.to_json(),
            r#"{"block_count":0,"scheduled_count":0,"unscheduled_count":0,"priority_total":0.0,"priority_mean":null,"priority_median":null,"requested_hours_total":0.0,"scheduled_hours_total":0.0,"scheduled_hours_mean":null,"scheduled_hours_median":null,"gap_count":0,"gap_mean_hours":null,"gap_median_hours":null}"#
        );
        assert_eq!(v.get("common_ids"), Some(&strs(&[])));
        let v = compare(&facts("a"), &sample(), &facts("e"), &e);
        assert_eq!(v.get("summary").unwrap().get("only_current_count"), Some(&Val::Int(5)));
    }
}
