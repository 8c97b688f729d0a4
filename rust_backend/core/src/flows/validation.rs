//! Validation (flows.md §8): rule violations per block and per schedule, with category and criticality.
//!
//! Choices where the spec is silent:
//! * `rule` is the code ("V01"); the rule's name appears in the message. Criticality strings are
//!   "Critical", "High", "Medium", "Low"; categories as in the spec's table.
//! * Time comparisons allow 1 s: containment checks accept edges up to 1 s outside; durations compare as
//!   seconds with 1 s slack (V02, V03, V08, V09, V10); V06 counts an overlap only when it exceeds 1 s.
//! * A fixed window counts as set when both its ends are present.
//! * S01 fires only for a schedule that has blocks (an empty schedule has nothing to check but its dark
//!   periods); it suppresses V01–V04. S02 suppresses V07.
//! * V06 "first other id" = the overlapping block with the earliest scheduled start (then block id).
//! * `by_rule` lists the rules that fired, ascending by code; `blocks_with_issues` counts blocks with at least
//!   one block-level issue; the criticality counts include schedule-level issues.
//! * Durations are shown as hours with two decimals, instants as "YYYY-MM-DD HH:MM:SS" UTC.

#![allow(clippy::neg_cmp_op_on_partial_ord)] // NaN-aware negated comparisons are intentional

use std::collections::BTreeMap;

/// Validation's parameters: none.
pub const SPEC: crate::flows::spec::FlowSpec = crate::flows::spec::FlowSpec { name: "validation", params: &[], rules: &[] };

use crate::blockset::{inside_one, BlockSet, ScheduleFacts, TOL_DAYS};
use crate::derive::merge_periods;
use crate::flows::timeline::fmt_mjd;
use crate::payload::{dict, Val};
use crate::strcol::StrCol;

const CRITICALITY: [&str; 4] = ["Critical", "High", "Medium", "Low"];

struct Issue {
    block_id: i64,
    original: String,
    rule: &'static str,
    category: &'static str,
    crit: usize,
    field: String,
    value: String,
    expected: String,
    message: String,
}

fn h(x: f64) -> String {
    format!("{x:.2} h")
}

fn period(a: f64, z: f64) -> String {
    format!("{} to {}", fmt_mjd(a), fmt_mjd(z))
}

/// Is [s, e] inside one of the ascending, disjoint `intervals` (1 s tolerance)?
/// Per scheduled block: (number of other blocks overlapping by more than 1 s, the first such block).
fn conflicts(b: &BlockSet) -> BTreeMap<usize, (usize, usize)> {
    let mut order: Vec<usize> = (0..b.len()).filter(|&i| b.is_scheduled(i)).collect();
    order.sort_by(|&x, &y| {
        b.sched_start[x]
            .total_cmp(&b.sched_start[y])
            .then(b.sched_stop[x].total_cmp(&b.sched_stop[y]))
            .then(b.block_id[x].cmp(&b.block_id[y]))
    });
    let first_key = |i: usize| (b.sched_start[i], b.block_id[i]);
    let mut out: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    let mut note = |i: usize, other: usize| {
        let e = out.entry(i).or_insert((0, other));
        e.0 += 1;
        let (ks, kb) = first_key(other);
        let (cs, cb) = first_key(e.1);
        if ks < cs || (ks == cs && kb < cb) {
            e.1 = other;
        }
    };
    let mut active: Vec<usize> = Vec::new();
    for &i in &order {
        let s = b.sched_start[i];
        active.retain(|&a| b.sched_stop[a] > s + TOL_DAYS);
        for &a in &active {
            let overlap = b.sched_stop[a].min(b.sched_stop[i]) - s;
            if overlap > TOL_DAYS {
                note(a, i);
                note(i, a);
            }
        }
        active.push(i);
    }
    out
}

pub fn validation(facts: &ScheduleFacts, b: &BlockSet) -> Val {
    let mut issues: Vec<Issue> = Vec::new();
    let n = b.len();
    let no_vis = n > 0 && !b.has_visibility();
    let no_dark = facts.dark_periods.is_empty();
    let schedule_issue = |rule, crit, field: &str, expected: &str, message: &str| Issue {
        block_id: -1,
        original: String::new(),
        rule,
        category: "schedule",
        crit,
        field: field.into(),
        value: "0 periods".into(),
        expected: expected.into(),
        message: message.into(),
    };
    if no_vis {
        issues.push(schedule_issue(
            "S01",
            2,
            "visibility_periods",
            "at least one visibility period",
            "No block has any visibility period (no_visibility_data); visibility checks V01-V04 are skipped.",
        ));
    }
    if no_dark {
        issues.push(schedule_issue(
            "S02",
            3,
            "dark_periods",
            "at least one dark period",
            "The schedule has no dark periods (no_dark_periods); the daylight check V07 is skipped.",
        ));
    }
    let mut dark = facts.dark_periods.clone();
    let dark = merge_periods(&mut dark);
    let conf = conflicts(b);

    for i in 0..n {
        let mut add = |rule: &'static str, category: &'static str, crit: usize, field: &str, value: String, expected: String, message: String| {
            issues.push(Issue {
                block_id: b.block_id[i],
                original: b.original_id[i].to_string(),
                rule,
                category,
                crit,
                field: field.into(),
                value,
                expected,
                message,
            })
        };
        let vis_h = b.total_vis_hours[i];
        let digest = b.window_digest(i);
        let req_s = b.requested_sec[i] as f64;
        let min_s = b.min_obs_sec[i] as f64;
        let sched = b.is_scheduled(i);
        let (ss, se) = (b.sched_start[i], b.sched_stop[i]);
        let fixed = !b.fixed_start[i].is_nan() && !b.fixed_stop[i].is_nan();
        let (fs, fe) = (b.fixed_start[i], b.fixed_stop[i]);

        if !no_vis {
            if vis_h == 0.0 {
                let msg = if sched {
                    "Impossible block: total visibility is 0 h, yet the block is scheduled."
                } else {
                    "Impossible block: total visibility is 0 h, so it can never be observed."
                };
                add("V01", "visibility", 0, "total_visibility_hours", h(0.0), "> 0 h".into(), msg.into());
            }
            if vis_h > 0.0 {
                let longest = digest.longest_days;
                if longest * 86400.0 < min_s - 1.0 {
                    add(
                        "V02",
                        "visibility",
                        1,
                        "visibility_periods",
                        format!("longest window {}", h(longest * 24.0)),
                        format!(">= {} (minimum observation time)", h(min_s / 3600.0)),
                        format!(
                            "Window too short: the longest visibility window ({}) is shorter than the minimum observation time ({}).",
                            h(longest * 24.0),
                            h(min_s / 3600.0)
                        ),
                    );
                }
                if vis_h * 3600.0 < req_s - 1.0 {
                    add(
                        "V03",
                        "visibility",
                        2,
                        "total_visibility_hours",
                        h(vis_h),
                        format!(">= {} (requested duration)", h(req_s / 3600.0)),
                        format!(
                            "Visibility below request: total visibility ({}) is less than the requested duration ({}).",
                            h(vis_h),
                            h(req_s / 3600.0)
                        ),
                    );
                }
                if sched && !digest.scheduled_inside {
                    add(
                        "V04",
                        "scheduled_period",
                        1,
                        "scheduled_period",
                        period(ss, se),
                        "inside one merged visibility period".into(),
                        "Scheduled outside visibility: the scheduled period is not inside any single visibility period.".into(),
                    );
                }
            }
        }
        if sched && fixed && !(fs <= ss + TOL_DAYS && se <= fe + TOL_DAYS) {
            add(
                "V05",
                "scheduled_period",
                1,
                "scheduled_period",
                period(ss, se),
                format!("inside the fixed window {}", period(fs, fe)),
                "Scheduled outside the fixed window: the scheduled period is not inside the block's fixed time window.".into(),
            );
        }
        if let Some(&(count, other)) = conf.get(&i) {
            add(
                "V06",
                "scheduled_period",
                1,
                "scheduled_period",
                period(ss, se),
                "no overlap with other scheduled blocks".into(),
                format!(
                    "Scheduling conflict: overlaps {count} other scheduled block(s), first: {}.",
                    &b.original_id[other]
                ),
            );
        }
        if sched && !no_dark && !inside_one(&dark, ss, se) {
            add(
                "V07",
                "scheduled_period",
                2,
                "scheduled_period",
                period(ss, se),
                "inside one merged dark period".into(),
                "Scheduled in daylight: the scheduled period is not inside a single dark period.".into(),
            );
        }
        if sched {
            let dur_s = (se - ss) * 86400.0;
            if dur_s > req_s * 1.01 + 1.0 {
                add(
                    "V08",
                    "duration",
                    2,
                    "scheduled_duration",
                    h(dur_s / 3600.0),
                    format!("<= {} (requested × 1.01)", h(req_s * 1.01 / 3600.0)),
                    format!(
                        "Scheduled too long: {} scheduled for a request of {}.",
                        h(dur_s / 3600.0),
                        h(req_s / 3600.0)
                    ),
                );
            }
            if dur_s < min_s - 1.0 {
                add(
                    "V09",
                    "duration",
                    2,
                    "scheduled_duration",
                    h(dur_s / 3600.0),
                    format!(">= {} (minimum observation time)", h(min_s / 3600.0)),
                    format!(
                        "Scheduled too short: {} scheduled, below the minimum observation time of {}.",
                        h(dur_s / 3600.0),
                        h(min_s / 3600.0)
                    ),
                );
            }
        }
        if fixed {
            let len_s = (fe - fs) * 86400.0;
            if len_s < min_s - 1.0 {
                add(
                    "V10",
                    "constraint",
                    1,
                    "fixed_window",
                    format!("{} ({})", period(fs, fe), h(len_s / 3600.0)),
                    format!(">= {} (minimum observation time)", h(min_s / 3600.0)),
                    "Fixed window too short: the fixed time window is shorter than the minimum observation time.".into(),
                );
            }
        }
        if b.requested_sec[i] == 0 {
            add(
                "V11",
                "duration",
                2,
                "requested_duration",
                "0 s".into(),
                "> 0 s".into(),
                "Zero requested duration: the block requests no observing time.".into(),
            );
        }
        let (lo, hi) = (b.min_alt[i], b.max_alt[i]);
        if lo < 0.0 || hi > 90.0 {
            add(
                "V12",
                "constraint",
                2,
                "altitude",
                format!("min {lo}°, max {hi}°"),
                "0° <= min, max <= 90°".into(),
                "Altitude out of range: the altitude constraint lies outside 0–90°.".into(),
            );
        }
        let er = b.elevation_range(i);
        if er < 5.0 {
            add(
                "V13",
                "constraint",
                3,
                "elevation_range",
                format!("{er}°"),
                ">= 5°".into(),
                format!("Narrow elevation: the allowed elevation range is only {er}°."),
            );
        }
        let (alo, ahi) = (b.min_az[i], b.max_az[i]);
        if alo < 0.0 || ahi > 360.0 {
            add(
                "V14",
                "constraint",
                3,
                "azimuth",
                format!("min {alo}°, max {ahi}°"),
                "0° <= min, max <= 360°".into(),
                "Azimuth out of range: the azimuth constraint lies outside 0–360°.".into(),
            );
        }
        if b.priority[i] < 0.0 {
            add(
                "V15",
                "priority",
                3,
                "priority",
                format!("{}", b.priority[i]),
                ">= 0".into(),
                "Negative priority.".into(),
            );
        }
    }

    issues.sort_by(|x, y| x.crit.cmp(&y.crit).then(x.block_id.cmp(&y.block_id)).then(x.rule.cmp(y.rule)));

    let mut by_rule: BTreeMap<&str, i64> = BTreeMap::new();
    let mut per_crit = [0i64; 4];
    let mut blocks_with: Vec<i64> = Vec::new();
    for is in &issues {
        *by_rule.entry(is.rule).or_default() += 1;
        per_crit[is.crit] += 1;
        if is.rule.starts_with('V') {
            blocks_with.push(is.block_id);
        }
    }
    blocks_with.sort_unstable();
    blocks_with.dedup();

    let table = dict()
        .put("block_id", issues.iter().map(|x| x.block_id).collect::<Vec<i64>>())
        .put("original_block_id", issues.iter().map(|x| x.original.as_str()).collect::<StrCol>())
        .put("rule", issues.iter().map(|x| x.rule).collect::<StrCol>())
        .put("category", issues.iter().map(|x| x.category).collect::<StrCol>())
        .put("criticality", issues.iter().map(|x| CRITICALITY[x.crit]).collect::<StrCol>())
        .put("field", issues.iter().map(|x| x.field.as_str()).collect::<StrCol>())
        .put("value", issues.iter().map(|x| x.value.as_str()).collect::<StrCol>())
        .put("expected", issues.iter().map(|x| x.expected.as_str()).collect::<StrCol>())
        .put("message", issues.iter().map(|x| x.message.as_str()).collect::<StrCol>())
        .build();
    let summary = dict()
        .put("blocks_checked", n)
        .put("blocks_with_issues", blocks_with.len())
        .put("critical", per_crit[0])
        .put("high", per_crit[1])
        .put("medium", per_crit[2])
        .put("low", per_crit[3])
        .put(
            "by_rule",
            dict()
                .put("rule", by_rule.keys().map(|k| k.to_string()).collect::<Vec<String>>())
                .put("count", by_rule.values().copied().collect::<Vec<i64>>())
                .build(),
        )
        .build();
    dict().put("issues", table).put("summary", summary).build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Period;
    use crate::blockset::BlockRow;
    use crate::etl::aggregates::tests::row;

    const D: f64 = 60000.0; // a night: dark [D, D + 0.5)

    fn facts(dark: Vec<Period>) -> ScheduleFacts {
        ScheduleFacts { schedule_id: 1, name: "t".into(), checksum: "c".into(), dark_periods: dark }
    }

    /// A clean block: 1 h requested, 10 min minimum, visible [D, D + 0.45), scheduled 1 h from D + 0.1 (D + 0.3 for
    /// ids >= 100).
    fn clean(id: i64) -> (BlockRow, Vec<Period>) {
        let mut r = row(id, 5.0);
        r.min_alt = 20.0;
        r.max_alt = 80.0;
        r.min_az = 0.0;
        r.max_az = 360.0;
        r.sched_start = if id >= 100 { D + 0.3 } else { D + 0.1 };
        r.sched_stop = r.sched_start + 1.0 / 24.0;
        (r, vec![Period::new(D, D + 0.45)])
    }

    fn rules_of(v: &Val, id: i64) -> Vec<String> {
        let Some(Val::ColI64(ids)) = v.get("issues").unwrap().get("block_id") else { panic!() };
        let Some(Val::ColStr(rules)) = v.get("issues").unwrap().get("rule") else { panic!() };
        ids.iter().zip(rules).filter(|(b, _)| **b == id).map(|(_, r)| r.to_string()).collect()
    }

    fn check(id: i64, tweak: impl Fn(&mut BlockRow, &mut Vec<Period>)) -> Vec<String> {
        let mut b = BlockSet::new();
        let (mut r, mut p) = clean(id);
        tweak(&mut r, &mut p);
        b.push_raw(r, p);
        // a second, clean block keeps S01 quiet
        let (r2, p2) = clean(id + 100);
        b.push_raw(r2, p2);
        let v = validation(&facts(vec![Period::new(D, D + 0.5), Period::new(D + 0.6, D + 1.0)]), &b);
        assert!(rules_of(&v, id + 100).is_empty(), "{:?}", rules_of(&v, id + 100));
        rules_of(&v, id)
    }

    #[test]
    fn clean_block_has_no_issue() {
        assert!(check(1, |_, _| {}).is_empty());
        // 1 s tolerance: scheduled 0.5 s beyond visibility is still fine
        assert!(check(1, |r, p| p[0].stop = r.sched_stop - 0.5 / 86400.0).is_empty());
    }

    #[test]
    fn each_rule_fires() {
        assert_eq!(check(1, |r, p| {
            p.clear();
            r.sched_start = f64::NAN;
            r.sched_stop = f64::NAN;
        }), vec!["V01"]);
        assert_eq!(check(1, |_, p| p.clear()), vec!["V01"]);
        assert_eq!(check(1, |r, p| {
            r.sched_start = f64::NAN;
            r.sched_stop = f64::NAN;
            r.requested_sec = 600;
            *p = vec![Period::new(D, D + 300.0 / 86400.0), Period::new(D + 0.1, D + 0.1 + 300.0 / 86400.0)];
        }), vec!["V02"]);
        assert_eq!(check(1, |r, p| {
            r.sched_start = f64::NAN;
            r.sched_stop = f64::NAN;
            *p = vec![Period::new(D, D + 1800.0 / 86400.0)];
        }), vec!["V03"]);
        assert_eq!(check(1, |r, p| *p = vec![Period::new(r.sched_start + 0.01, r.sched_start + 0.3)]), vec!["V04"]);
        assert_eq!(check(1, |r, _| {
            r.fixed_start = r.sched_start + 0.01;
            r.fixed_stop = r.sched_start + 0.2;
        }), vec!["V05"]);
        assert_eq!(check(1, |r, p| {
            r.sched_start = D + 0.48;
            r.sched_stop = D + 0.48 + 1.0 / 24.0;
            p[0].stop = D + 0.6;
        }), vec!["V07"]);
        assert_eq!(check(1, |r, _| r.sched_stop = r.sched_start + 1.02 / 24.0), vec!["V08"]);
        assert_eq!(check(1, |r, _| r.sched_stop = r.sched_start + 300.0 / 86400.0), vec!["V09"]);
        assert_eq!(check(1, |r, _| {
            r.fixed_start = r.sched_start;
            r.fixed_stop = r.sched_start + 300.0 / 86400.0;
            r.sched_start = f64::NAN;
            r.sched_stop = f64::NAN;
        }), vec!["V10"]);
        assert_eq!(check(1, |r, _| {
            r.requested_sec = 0;
            r.min_obs_sec = 0;
            r.sched_start = f64::NAN;
            r.sched_stop = f64::NAN;
        }), vec!["V11"]);
        assert_eq!(check(1, |r, _| r.min_alt = -5.0), vec!["V12"]);
        assert_eq!(check(1, |r, _| {
            r.min_alt = 40.0;
            r.max_alt = 42.0;
        }), vec!["V13"]);
        assert_eq!(check(1, |r, _| r.max_az = 400.0), vec!["V14"]);
        assert_eq!(check(1, |r, _| r.priority = -1.0), vec!["V15"]);
    }

    #[test]
    fn conflicts_and_schedule_rules() {
        let mut b = BlockSet::new();
        for id in 1..=3 {
            let (mut r, p) = clean(id);
            r.sched_start = D + 0.1;
            r.sched_stop = D + 0.1 + 1.0 / 24.0;
            if id == 3 {
                // touches block 1 within 1 s only: no conflict
                r.sched_start = D + 0.1 + 1.0 / 24.0 - 0.5 / 86400.0;
                r.sched_stop = r.sched_start + 1.0 / 24.0;
            }
            b.push_raw(r, p);
        }
        let v = validation(&facts(vec![]), &b);
        assert_eq!(rules_of(&v, 1), vec!["V06"]);
        assert_eq!(rules_of(&v, 2), vec!["V06"]);
        assert!(rules_of(&v, 3).is_empty());
        assert_eq!(rules_of(&v, -1), vec!["S02"]);
        let Some(Val::ColStr(msg)) = v.get("issues").unwrap().get("message") else { panic!() };
        assert!(msg.iter().any(|m| m.contains("overlaps 1 other scheduled block(s), first: B2")));
        let s = v.get("summary").unwrap();
        assert_eq!(s.get("blocks_with_issues"), Some(&Val::Int(2)));
        assert_eq!((s.get("high"), s.get("low")), (Some(&Val::Int(2)), Some(&Val::Int(1))));
        assert_eq!(s.get("by_rule").unwrap().get("rule"), Some(&Val::strs(&["S02", "V06"])));

        // S01: no visibility anywhere → V01 suppressed; sorted Critical → Low, then block id
        let mut b = BlockSet::new();
        let mut r = row(7, -1.0);
        r.requested_sec = 0;
        r.min_obs_sec = 0;
        b.push_raw(r, vec![]);
        b.push_raw(row(3, 1.0), vec![]);
        let v = validation(&facts(vec![]), &b);
        let issues = v.get("issues").unwrap();
        assert_eq!(issues.get("rule"), Some(&Val::strs(&["S01", "V11", "S02", "V15"])));
        assert_eq!(issues.get("block_id"), Some(&Val::ColI64(vec![-1, 7, -1, 7])));
        assert_eq!(
            issues.get("criticality"),
            Some(&Val::strs(&["Medium", "Medium", "Low", "Low"]))
        );
    }

    #[test]
    fn empty_schedule() {
        let v = validation(&facts(vec![Period::new(D, D + 0.5)]), &BlockSet::new());
        assert_eq!(v.get("issues").unwrap().get("rule"), Some(&Val::strs(&[])));
        let s = v.get("summary").unwrap();
        assert_eq!((s.get("blocks_checked"), s.get("blocks_with_issues")), (Some(&Val::Int(0)), Some(&Val::Int(0))));
        let v = validation(&facts(vec![]), &BlockSet::new());
        assert_eq!(v.get("issues").unwrap().get("rule"), Some(&Val::strs(&["S02"])));
    }
}
