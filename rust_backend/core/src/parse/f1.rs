//! F1: the scheduler's camelCase dump (input-formats.md §3).

use std::collections::HashMap;

use super::issues::{Cx, Num};
use super::json::Val;
use super::path::{describe, fmt_num, Path};
use super::period::{check_order, opt_period, time_value};
use crate::model::{ParsedBlock, Period};

/// Register an original id; reports a duplicate on `p` (`a unique block id (also used by <label>[j])`).
pub fn register_id(
    cx: &mut Cx,
    ids: &mut HashMap<String, usize>,
    id: String,
    idx: usize,
    p: &Path,
    got: &Val,
    label: &str,
) -> Option<String> {
    if let Some(&first) = ids.get(&id) {
        cx.err(p, format!("a unique block id (also used by {}[{}])", label, first), describe(got));
        None
    } else {
        ids.insert(id.clone(), idx);
        Some(id)
    }
}

/// Check a min/max pair; the problem is reported on the max field.
pub fn min_max(cx: &mut Cx, o: &Val, kmin: &str, kmax: &str, p: &Path) -> Option<(f64, f64)> {
    let lo = cx.req_num(o, kmin, p);
    let hi = cx.req_num(o, kmax, p);
    match (lo, hi) {
        (Num::Ok(lo, _), Num::Ok(hi, raw)) => {
            if hi >= lo {
                Some((lo, hi))
            } else {
                cx.err(&p.key(kmax), format!("a value >= min ({})", fmt_num(lo)), raw);
                None
            }
        }
        _ => None,
    }
}

/// Minimum observation and requested duration (rounded), min <= requested reported on the min field.
pub fn durations(cx: &mut Cx, o: &Val, kmin: &str, kreq: &str, p: &Path) -> Option<(i64, i64)> {
    let min = cx.duration(o, kmin, p);
    let req = cx.duration(o, kreq, p);
    match (min, req) {
        (Some((m, raw)), Some((r, _))) => {
            if m <= r {
                Some((m, r))
            } else {
                cx.err(&p.key(kmin), format!("a value <= {} ({})", kreq, r), raw);
                None
            }
        }
        _ => None,
    }
}

/// RA in [0, 360) and Dec in [-90, 90].
pub fn ra_dec(cx: &mut Cx, o: &Val, kra: &str, kdec: &str, p: &Path) -> (Option<f64>, Option<f64>) {
    let ra = cx.ranged(o, kra, p, |x| (0.0..360.0).contains(&x), "a number in [0, 360)");
    let dec = cx.ranged(o, kdec, p, |x| (-90.0..=90.0).contains(&x), "a number in [-90, 90]");
    (ra, dec)
}

enum Fixed<'a> {
    /// Absent, null or `[]`; carries the `got` text.
    Empty(String),
    One(f64, &'a str, bool),
    Bad,
}

fn fixed_array<'a>(cx: &mut Cx, tc: &Val<'a>, key: &str, p: &Path) -> Fixed<'a> {
    let pk = p.key(key);
    match tc.get(key) {
        None => Fixed::Empty("missing".into()),
        Some(Val::Null) => Fixed::Empty("null".into()),
        Some(Val::Arr(items)) => match items.len() {
            0 => Fixed::Empty("an array of 0".into()),
            1 => match time_value(cx, Some(&items[0]), &pk.idx(0)) {
                Some((x, raw, in_obj)) => Fixed::One(x, raw, in_obj),
                None => Fixed::Bad,
            },
            n => {
                cx.err(&pk, "at most one element", format!("an array of {}", n));
                Fixed::Bad
            }
        },
        Some(other) => {
            cx.err(&pk, "an array", describe(other));
            Fixed::Bad
        }
    }
}

/// One block `SchedulingBlock[idx]`.
pub fn block(cx: &mut Cx, b: &Val, p: &Path, ids: &mut HashMap<String, usize>, idx: usize) -> Option<ParsedBlock> {
    if !matches!(b, Val::Obj(_)) {
        cx.err(p, "an object", describe(b));
        return None;
    }
    let mut ok = true;
    let pid = p.key("schedulingBlockId");
    let id = cx
        .block_id(b.get("schedulingBlockId"), &pid)
        .and_then(|id| register_id(cx, ids, id, idx, &pid, b.get("schedulingBlockId").unwrap(), "SchedulingBlock"));
    let priority = cx.req_num(b, "priority", p).value();

    // Target.
    let pt = p.key("target");
    let mut name: Option<String> = None;
    let (mut ra, mut dec) = (None, None);
    let (mut ra_pm, mut dec_pm, mut equinox) = (Some(0.0), Some(0.0), Some(2000.0));
    match cx.req_obj(b, "target", p) {
        Some(t) => {
            match cx.opt_str(t, "name", &pt) {
                Ok(n) => name = n.map(str::to_string),
                Err(()) => ok = false,
            }
            let ppos = pt.key("position_");
            let pcoord = ppos.key("coord");
            let pcel = pcoord.key("celestial");
            let cel = cx
                .req_obj(t, "position_", &pt)
                .and_then(|pos| cx.req_obj(pos, "coord", &ppos))
                .and_then(|coord| cx.req_obj(coord, "celestial", &pcoord));
            match cel {
                Some(c) => {
                    (ra, dec) = ra_dec(cx, c, "raInDeg", "decInDeg", &pcel);
                    for (key, slot) in [("raProperMotionInMarcsecYear", &mut ra_pm), ("decProperMotionInMarcsecYear", &mut dec_pm)] {
                        match cx.num(c.get(key), &pcel.key(key), false) {
                            Num::Absent => {}
                            Num::Ok(x, _) => *slot = Some(x),
                            Num::Bad => *slot = None,
                        }
                    }
                    equinox = read_equinox(cx, c.get("equinox"), &pcel.key("equinox"));
                }
                None => ok = false,
            }
        }
        None => ok = false,
    }

    // Constraints.
    let pcfg = p.key("schedulingBlockConfiguration_");
    let pcon = pcfg.key("constraints_");
    let mut alt = None;
    let mut az = None;
    let mut durs = None;
    let mut fixed: Result<Option<Period>, ()> = Err(());
    let con = cx.req_obj(b, "schedulingBlockConfiguration_", p).and_then(|cfg| cx.req_obj(cfg, "constraints_", &pcfg));
    if let Some(con) = con {
        let pel = pcon.key("elevationConstraint_");
        if let Some(el) = cx.req_obj(con, "elevationConstraint_", &pcon) {
            alt = min_max(cx, el, "minElevationAngleInDeg", "maxElevationAngleInDeg", &pel);
        }
        let paz = pcon.key("azimuthConstraint_");
        if let Some(azc) = cx.req_obj(con, "azimuthConstraint_", &pcon) {
            az = min_max(cx, azc, "minAzimuthAngleInDeg", "maxAzimuthAngleInDeg", &paz);
        }
        let ptc = pcon.key("timeConstraint_");
        if let Some(tc) = cx.req_obj(con, "timeConstraint_", &pcon) {
            durs = durations(cx, tc, "minObservationTimeInSec", "requestedDurationSec", &ptc);
            let fs = fixed_array(cx, tc, "fixedStartTime", &ptc);
            let fe = fixed_array(cx, tc, "fixedStopTime", &ptc);
            const BOTH: &str = "both fixedStartTime and fixedStopTime, or neither";
            fixed = match (fs, fe) {
                (Fixed::Empty(_), Fixed::Empty(_)) => Ok(None),
                (Fixed::One(s, _, _), Fixed::One(e, raw, in_obj)) => {
                    if check_order(cx, s, (e, raw, in_obj), &ptc.key("fixedStopTime").idx(0)) {
                        Ok(Some(Period::new(s, e)))
                    } else {
                        Err(())
                    }
                }
                (Fixed::One(..), Fixed::Empty(got)) => {
                    cx.err(&ptc.key("fixedStopTime"), BOTH, got);
                    Err(())
                }
                (Fixed::Empty(got), Fixed::One(..)) => {
                    cx.err(&ptc.key("fixedStartTime"), BOTH, got);
                    Err(())
                }
                _ => Err(()),
            };
        }
    }

    let scheduled = opt_period(cx, b.get("scheduled_period"), &p.key("scheduled_period"), true);

    let id = id?;
    let target_name = name.unwrap_or_else(|| format!("SB_{}", id));
    if !ok {
        return None;
    }
    let (min_alt, max_alt) = alt?;
    let (min_az, max_az) = az?;
    let (min_obs, req) = durs?;
    Some(ParsedBlock {
        original_id: id,
        priority: priority?,
        target_name,
        ra_deg: ra?,
        dec_deg: dec?,
        ra_pm_masyr: ra_pm?,
        dec_pm_masyr: dec_pm?,
        equinox: equinox?,
        min_alt_deg: min_alt,
        max_alt_deg: max_alt,
        min_az_deg: min_az,
        max_az_deg: max_az,
        min_observation_sec: min_obs,
        requested_duration_sec: req,
        fixed_window: fixed.ok()?,
        scheduled: scheduled.ok()?,
        visibility: Vec::new(),
    })
}

/// Equinox: a number, or a string like `"J2000"` / `"J2015.5"`; absent or null → 2000.0.
fn read_equinox(cx: &mut Cx, v: Option<&Val>, p: &Path) -> Option<f64> {
    const EXPECT: &str = "a number, or a string like \"J2000\"";
    match v {
        None | Some(Val::Null) => Some(2000.0),
        Some(Val::Num(_)) => cx.num(v, p, true).value(),
        Some(Val::Str(s)) => {
            let t = s.trim();
            let t = t.strip_prefix('J').or_else(|| t.strip_prefix('j')).unwrap_or(t);
            match t.parse::<f64>() {
                Ok(x) if x.is_finite() && !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit() || c == b'.') => Some(x),
                _ => {
                    cx.err(p, EXPECT, describe(v.unwrap()));
                    None
                }
            }
        }
        Some(other) => {
            cx.err(p, EXPECT, describe(other));
            None
        }
    }
}
