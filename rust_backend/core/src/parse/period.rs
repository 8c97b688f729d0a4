//! Period objects in shapes A, B and C (input-formats.md §1.1) and time values.

use super::issues::{Cx, Num};
use super::json::Val;
use super::path::{describe, describe_opt, fmt_num, Path};
use crate::model::Period;

/// Outcome of reading one period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PeriodOut {
    Ok(Period),
    /// A scheduled period starting at the unscheduled sentinel (treated as absent).
    Sentinel,
    /// A problem was reported.
    Bad,
}

const SHAPES: &str = "startTime/stopTime, start_mjd/end_mjd or start/stop";

/// A checked MJD number: finite and in [0, 100000).
fn mjd<'a>(cx: &mut Cx, v: Option<&Val<'a>>, p: &Path) -> Option<(f64, &'a str)> {
    match cx.num(v, p, true) {
        Num::Ok(x, raw) => {
            if (0.0..100000.0).contains(&x) {
                Some((x, raw))
            } else {
                cx.err(p, "an MJD in [0, 100000)", raw);
                None
            }
        }
        _ => None,
    }
}

/// A time value (bare number or time object) at `p`. Returns the MJD, its token text and whether it sat in
/// a time object (so the number's path is `p.value`).
pub fn time_value<'a>(cx: &mut Cx, v: Option<&Val<'a>>, p: &Path) -> Option<(f64, &'a str, bool)> {
    match v {
        Some(o @ Val::Obj(_)) => {
            let mut ok = true;
            for (key, want) in [("format", "MJD"), ("scale", "UTC")] {
                match o.get(key) {
                    None => {}
                    Some(Val::Str(s)) if s.eq_ignore_ascii_case(want) => {}
                    Some(other) => {
                        cx.err(&p.key(key), format!("\"{}\"", want), describe(other));
                        ok = false;
                    }
                }
            }
            let r = mjd(cx, o.get("value"), &p.key("value"));
            match r {
                Some((x, raw)) if ok => Some((x, raw, true)),
                _ => None,
            }
        }
        Some(Val::Num(_)) => mjd(cx, v, p).map(|(x, raw)| (x, raw, false)),
        None => {
            cx.err(p, "a required field", "missing");
            None
        }
        Some(other) => {
            cx.err(p, "a number or a time object", describe(other));
            None
        }
    }
}

/// Check start < stop; the problem is reported on the stop number.
pub fn check_order(cx: &mut Cx, start: f64, stop: (f64, &str, bool), stop_path: &Path) -> bool {
    if start < stop.0 {
        true
    } else {
        let pv = stop_path.key("value");
        let p = if stop.2 { &pv } else { stop_path };
        cx.err(p, format!("stop after start ({})", fmt_num(start)), stop.1);
        false
    }
}

/// Read a period object at `p`. With `sentinel`, a start within 1e-6 of the sentinel gives
/// `PeriodOut::Sentinel` and the stop is not examined.
pub fn period(cx: &mut Cx, v: &Val, p: &Path, sentinel: bool) -> PeriodOut {
    if !matches!(v, Val::Obj(_)) {
        cx.err(p, "a period object", describe(v));
        return PeriodOut::Bad;
    }
    let a = v.has("startTime") || v.has("stopTime") || v.has("durationInSec");
    let b = v.has("start_mjd") || v.has("end_mjd");
    let c = v.has("start") || v.has("stop");
    let n = a as u8 + b as u8 + c as u8;
    if n != 1 {
        if n == 0 {
            cx.err(p, format!("a period object ({})", SHAPES), "an object without period keys");
        } else {
            let mut names = Vec::new();
            if a {
                names.push("startTime/stopTime");
            }
            if b {
                names.push("start_mjd/end_mjd");
            }
            if c {
                names.push("start/stop");
            }
            cx.err(
                p,
                format!("a period object with the keys of one shape ({})", SHAPES),
                format!("an object mixing {} keys", names.join(" and ")),
            );
        }
        return PeriodOut::Bad;
    }
    let (ks, ke) = if a {
        ("startTime", "stopTime")
    } else if b {
        ("start_mjd", "end_mjd")
    } else {
        ("start", "stop")
    };
    let ps = p.key(ks);
    let pe = p.key(ke);
    let start = if a {
        time_value(cx, v.get(ks), &ps)
    } else {
        mjd(cx, v.get(ks), &ps).map(|(x, r)| (x, r, false))
    };
    if sentinel {
        if let (Some((s, _, _)), Some(sent)) = (start, cx.sentinel) {
            if (s - sent).abs() <= 1e-6 {
                return PeriodOut::Sentinel;
            }
        }
    }
    let stop = if a {
        time_value(cx, v.get(ke), &pe)
    } else {
        mjd(cx, v.get(ke), &pe).map(|(x, r)| (x, r, false))
    };
    match (start, stop) {
        (Some(s), Some(e)) => {
            if check_order(cx, s.0, e, &pe) {
                PeriodOut::Ok(Period::new(s.0, e.0))
            } else {
                PeriodOut::Bad
            }
        }
        _ => PeriodOut::Bad,
    }
}

/// An optional period field: absent, `null` or `[]` → `Ok(None)`; the sentinel rule applies when asked.
pub fn opt_period(cx: &mut Cx, v: Option<&Val>, p: &Path, sentinel: bool) -> Result<Option<Period>, ()> {
    match v {
        None | Some(Val::Null) => Ok(None),
        Some(Val::Arr(a)) if a.is_empty() => Ok(None),
        Some(v) => match period(cx, v, p, sentinel) {
            PeriodOut::Ok(per) => Ok(Some(per)),
            PeriodOut::Sentinel => Ok(None),
            PeriodOut::Bad => Err(()),
        },
    }
}

/// An array of required periods (file order). None when a problem was reported.
pub fn period_array(cx: &mut Cx, v: Option<&Val>, p: &Path) -> Option<Vec<Period>> {
    match v {
        Some(Val::Arr(items)) => {
            let mut out = Vec::with_capacity(items.len());
            let mut ok = true;
            for (i, it) in items.iter().enumerate() {
                if cx.full() {
                    return None;
                }
                match period(cx, it, &p.idx(i), false) {
                    PeriodOut::Ok(per) => out.push(per),
                    _ => ok = false,
                }
            }
            if ok {
                Some(out)
            } else {
                None
            }
        }
        None => {
            cx.err(p, "a required field", "missing");
            None
        }
        Some(other) => {
            cx.err(p, "an array", describe_opt(Some(other)));
            None
        }
    }
}

// ------------------------------------------------------------------ fast path

use super::json::Lexer;

fn fast_mjd(lx: &mut Lexer) -> Option<f64> {
    lx.ws();
    match lx.peek() {
        Some(b'-') | Some(b'0'..=b'9') => {
            let x: f64 = lx.number().ok()?.parse().ok()?;
            if (0.0..100000.0).contains(&x) {
                Some(x)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// A bare number or a valid time object.
fn fast_time(lx: &mut Lexer) -> Option<f64> {
    if !lx.begin_object() {
        return fast_mjd(lx);
    }
    let mut value = None;
    let mut first = true;
    while let Some(k) = lx.obj_next(&mut first).ok()? {
        match k.as_ref() {
            "value" => value = Some(fast_mjd(lx)?),
            "format" | "scale" => {
                let want = if k == "format" { "MJD" } else { "UTC" };
                lx.ws();
                if lx.peek() != Some(b'"') {
                    return None;
                }
                if !lx.string().ok()?.eq_ignore_ascii_case(want) {
                    return None;
                }
            }
            _ => lx.skip().ok()?,
        }
    }
    value
}

/// Read an array of periods straight from the document when everything is valid; `None` as soon as
/// anything is unusual (the caller then rewinds and takes the reporting path).
pub fn fast_period_array(lx: &mut Lexer) -> Option<Vec<Period>> {
    if !lx.begin_array() {
        return None;
    }
    let mut out = Vec::new();
    let mut first = true;
    while lx.arr_next(&mut first).ok()? {
        if !lx.begin_object() {
            return None;
        }
        // Slots: [startTime, stopTime, start_mjd, end_mjd, start, stop]; shape A also owns durationInSec.
        let mut v = [None::<f64>; 6];
        let mut shapes = [false; 3];
        let mut f = true;
        while let Some(k) = lx.obj_next(&mut f).ok()? {
            let slot = match k.as_ref() {
                "startTime" => 0,
                "stopTime" => 1,
                "start_mjd" => 2,
                "end_mjd" => 3,
                "start" => 4,
                "stop" => 5,
                "durationInSec" => {
                    shapes[0] = true;
                    lx.skip().ok()?;
                    continue;
                }
                _ => {
                    lx.skip().ok()?;
                    continue;
                }
            };
            shapes[slot / 2] = true;
            v[slot] = Some(if slot < 2 { fast_time(lx)? } else { fast_mjd(lx)? });
        }
        let shape = match shapes {
            [true, false, false] => 0,
            [false, true, false] => 1,
            [false, false, true] => 2,
            _ => return None,
        };
        let (s, e) = (v[shape * 2]?, v[shape * 2 + 1]?);
        if s >= e || s.is_nan() || e.is_nan() {
            return None;
        }
        out.push(Period::new(s, e));
    }
    Some(out)
}
