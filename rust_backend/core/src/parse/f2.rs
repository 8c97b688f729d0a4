//! F2: the snake_case single file (input-formats.md §4).

use std::collections::HashMap;

use super::f1::{durations, min_max, ra_dec, register_id};
use super::issues::{integer_text, Cx};
use super::json::Val;
use super::path::{describe, Path};
use super::period::{opt_period, period_array};
use crate::model::{ParsedBlock, Site};

/// One block `blocks[idx]`; its `visibility` holds `visibility_periods`.
pub fn block(cx: &mut Cx, b: &Val, p: &Path, ids: &mut HashMap<String, usize>, idx: usize) -> Option<ParsedBlock> {
    if !matches!(b, Val::Obj(_)) {
        cx.err(p, "an object", describe(b));
        return None;
    }
    let mut ok = true;
    // Original id: `original_block_id`, else the integer `id`.
    let id = match b.get("original_block_id") {
        Some(v) if !matches!(v, Val::Null) => {
            let pid = p.key("original_block_id");
            cx.block_id(Some(v), &pid).and_then(|id| register_id(cx, ids, id, idx, &pid, v, "blocks"))
        }
        _ => match b.get("id") {
            None | Some(Val::Null) => {
                cx.err(&p.key("original_block_id"), "a required field", "missing");
                None
            }
            Some(v) => {
                let pid = p.key("id");
                match v {
                    Val::Num(raw) => match integer_text(raw) {
                        Some(t) => register_id(cx, ids, t, idx, &pid, v, "blocks"),
                        None => {
                            cx.err(&pid, "an integer", *raw);
                            None
                        }
                    },
                    other => {
                        cx.err(&pid, "an integer", describe(other));
                        None
                    }
                }
            }
        },
    };
    let priority = cx.req_num(b, "priority", p).value();
    let (ra, dec) = ra_dec(cx, b, "target_ra", "target_dec", p);

    let pc = p.key("constraints");
    let mut alt = None;
    let mut az = None;
    let mut fixed = Err(());
    match cx.req_obj(b, "constraints", p) {
        Some(c) => {
            alt = min_max(cx, c, "min_alt", "max_alt", &pc);
            az = min_max(cx, c, "min_az", "max_az", &pc);
            fixed = opt_period(cx, c.get("fixed_time"), &pc.key("fixed_time"), false);
        }
        None => ok = false,
    }
    let durs = durations(cx, b, "min_observation", "requested_duration", p);
    let pv = p.key("visibility_periods");
    let visibility = match b.get("visibility_periods") {
        None | Some(Val::Null) => Some(Vec::new()),
        v => period_array(cx, v, &pv),
    };
    let scheduled = opt_period(cx, b.get("scheduled_period"), &p.key("scheduled_period"), true);

    let id = id?;
    if !ok {
        return None;
    }
    let (min_alt, max_alt) = alt?;
    let (min_az, max_az) = az?;
    let (min_obs, req) = durs?;
    Some(ParsedBlock {
        target_name: format!("SB_{}", id),
        original_id: id,
        priority: priority?,
        ra_deg: ra?,
        dec_deg: dec?,
        ra_pm_masyr: 0.0,
        dec_pm_masyr: 0.0,
        equinox: 2000.0,
        min_alt_deg: min_alt,
        max_alt_deg: max_alt,
        min_az_deg: min_az,
        max_az_deg: max_az,
        min_observation_sec: min_obs,
        requested_duration_sec: req,
        fixed_window: fixed.ok()?,
        scheduled: scheduled.ok()?,
        visibility: visibility?,
    })
}

/// `geographic_location` (optional; all three numbers required when present).
pub fn site(cx: &mut Cx, v: Option<&Val>, p: &Path) -> Result<Option<Site>, ()> {
    match v {
        None | Some(Val::Null) => Ok(None),
        Some(o @ Val::Obj(_)) => {
            let lon = cx.req_num(o, "lon_deg", p).value();
            let lat = cx.req_num(o, "lat_deg", p).value();
            let h = cx.req_num(o, "height", p).value();
            match (lon, lat, h) {
                (Some(lon), Some(lat), Some(h)) => Ok(Some(Site { lon_deg: lon, lat_deg: lat, height_m: h })),
                _ => Err(()),
            }
        }
        Some(other) => {
            cx.err(p, "an object", describe(other));
            Err(())
        }
    }
}

/// The F2 `name` (optional): a string of 1 to 256 characters after trimming.
pub fn name(cx: &mut Cx, v: Option<&Val>, p: &Path) -> Result<Option<String>, ()> {
    match v {
        None | Some(Val::Null) => Ok(None),
        Some(Val::Str(s)) => match super::validate_name(s) {
            Ok(n) => Ok(Some(n)),
            Err(issue) => {
                cx.err(p, issue.expected, issue.got);
                Err(())
            }
        },
        Some(other) => {
            cx.err(p, "a string", describe(other));
            Err(())
        }
    }
}
