//! Hand-written JSON output for F1 (schedule, possible-periods and dark-periods files) and F2 (one file).
//! Numbers use Rust's shortest round-trip formatting; durations are integers.

use super::scheduler::{Frame, GenBlock};
use super::Plan;
use crate::model::SourceFormat;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Shortest round-trip text of a finite float (`1.0`, `61775.958333333336`).
pub fn num(x: f64) -> String {
    assert!(x.is_finite(), "non-finite number in generator output");
    let s = format!("{:?}", x);
    if s == "-0.0" {
        "0.0".to_string()
    } else {
        s
    }
}

/// A JSON string literal.
pub fn jstr(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for ch in s.chars() {
        match ch {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn time_obj(mjd: f64) -> String {
    format!("{{\"format\": \"MJD\", \"scale\": \"UTC\", \"value\": {}}}", num(mjd))
}

/// Shape A period with an integer `durationInSec`.
fn period_a(start: f64, stop: f64, dur: i64) -> String {
    format!(
        "{{\"durationInSec\": {}, \"startTime\": {}, \"stopTime\": {}}}",
        dur,
        time_obj(start),
        time_obj(stop)
    )
}

/// Shape B period.
fn period_b(start: f64, stop: f64) -> String {
    format!("{{\"start_mjd\": {}, \"end_mjd\": {}}}", num(start), num(stop))
}

/// Scheduled period of a block as (start, stop) MJD: the slot, the sentinel placeholder, or none.
fn scheduled_mjd(plan: &Plan, b: &GenBlock) -> Option<(f64, f64)> {
    match b.scheduled {
        Some((s, e)) => Some((plan.frame.mjd(s), plan.frame.mjd(e))),
        None if plan.sentinel => {
            let s = crate::DEFAULT_SENTINEL_MJD;
            Some((s, s + b.dur_sec as f64 / 86400.0))
        }
        None => None,
    }
}

pub fn f1_id(b: &GenBlock) -> u64 {
    1_000_000_001 + b.index
}

pub fn f2_id(b: &GenBlock) -> String {
    format!("B-{:05}", b.index + 1)
}

pub fn target_name(b: &GenBlock) -> String {
    format!("SYN-{:05}", b.index + 1)
}

fn create(dir: &Path, name: &str) -> io::Result<(PathBuf, BufWriter<File>)> {
    let p = dir.join(name);
    let f = File::create(&p)?;
    Ok((p, BufWriter::with_capacity(1 << 20, f)))
}

/// Write the plan's files into `dir`; returns their paths in a fixed order.
pub fn write(plan: &Plan, dir: &Path) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    match plan.format {
        SourceFormat::F1 => write_f1(plan, dir),
        SourceFormat::F2 => Ok(vec![write_f2(plan, dir)?]),
    }
}

fn write_f1(plan: &Plan, dir: &Path) -> io::Result<Vec<PathBuf>> {
    let fr = &plan.frame;
    // Schedule file.
    let (p_sched, mut w) = create(dir, "schedule.json")?;
    writeln!(w, "{{")?;
    writeln!(w, "  \"name\": {},", jstr(&plan.name))?;
    write!(w, "  \"SchedulingBlock\": [")?;
    for (k, b) in plan.blocks.iter().enumerate() {
        w.write_all(if k == 0 { b"\n    " } else { b",\n    " })?;
        let fixed = match b.fixed {
            Some((a, e)) => format!(
                "\"fixedStartTime\": [{}], \"fixedStopTime\": [{}]",
                time_obj(fr.mjd(a)),
                time_obj(fr.mjd(e))
            ),
            None => "\"fixedStartTime\": [], \"fixedStopTime\": []".to_string(),
        };
        let sched = match scheduled_mjd(plan, b) {
            Some((s, e)) => period_a(s, e, b.dur_sec),
            None => "null".to_string(),
        };
        write!(
            w,
            "{{\"schedulingBlockId\": {}, \"priority\": {}, \"target\": {{\"name\": {}, \"position_\": {{\"coord\": \
             {{\"celestial\": {{\"raInDeg\": {}, \"decInDeg\": {}, \"raProperMotionInMarcsecYear\": 0.0, \
             \"decProperMotionInMarcsecYear\": 0.0, \"equinox\": 2000.0}}}}}}}}, \"schedulingBlockConfiguration_\": \
             {{\"constraints_\": {{\"elevationConstraint_\": {{\"minElevationAngleInDeg\": {}, \
             \"maxElevationAngleInDeg\": {}}}, \"azimuthConstraint_\": {{\"minAzimuthAngleInDeg\": {}, \
             \"maxAzimuthAngleInDeg\": {}}}, \"timeConstraint_\": {{\"minObservationTimeInSec\": {}, \
             \"requestedDurationSec\": {}, {}}}}}}}, \"scheduled_period\": {}}}",
            f1_id(b),
            num(b.priority),
            jstr(&target_name(b)),
            num(b.ra_deg),
            num(b.dec_deg),
            num(b.min_alt_deg),
            num(b.max_alt_deg),
            num(b.min_az_deg),
            num(b.max_az_deg),
            b.min_obs_sec,
            b.dur_sec,
            fixed,
            sched
        )?;
    }
    if !plan.blocks.is_empty() {
        write!(w, "\n  ")?;
    }
    writeln!(w, "]")?;
    writeln!(w, "}}")?;
    w.flush()?;
    drop(w);

    // Possible-periods (visibility) file: blocks without windows are omitted.
    let (p_vis, mut w) = create(dir, "possible_periods.json")?;
    write!(w, "{{\n  \"SchedulingBlock\": {{")?;
    let mut first = true;
    for b in &plan.blocks {
        if b.vis.is_empty() {
            continue;
        }
        w.write_all(if first { b"\n    " } else { b",\n    " })?;
        first = false;
        write!(w, "\"{}\": [", f1_id(b))?;
        for (k, &(s, e)) in b.vis.iter().enumerate() {
            if k > 0 {
                w.write_all(b", ")?;
            }
            w.write_all(period_a(fr.mjd(s), fr.mjd(e), e - s).as_bytes())?;
        }
        w.write_all(b"]")?;
    }
    if !first {
        write!(w, "\n  ")?;
    }
    writeln!(w, "}}\n}}")?;
    w.flush()?;
    drop(w);

    // Dark-periods file.
    let (p_dark, mut w) = create(dir, "dark_periods.json")?;
    writeln!(w, "{{")?;
    writeln!(
        w,
        "  \"Location\": {{\"Observatory\": \"Synthetic site\", \"coordinates::ConstGeographic\": {{\"lat\": {}, \"lon\": {}, \"alt\": {}}}}},",
        num(plan.site.lat_deg),
        num(plan.site.lon_deg),
        num(plan.site.height_m)
    )?;
    if fr.total > 0 {
        writeln!(w, "  \"Time Window\": {},", period_b(fr.mjd(0), fr.mjd(fr.total)))?;
    }
    write!(w, "  \"dark_periods\": [")?;
    write_dark_list(&mut w, plan)?;
    writeln!(w, "]")?;
    writeln!(w, "}}")?;
    w.flush()?;
    Ok(vec![p_sched, p_vis, p_dark])
}

fn write_dark_list<W: Write>(w: &mut W, plan: &Plan) -> io::Result<()> {
    for (k, &(s, e)) in plan.dark.iter().enumerate() {
        w.write_all(if k == 0 { b"\n    " } else { b",\n    " })?;
        w.write_all(period_b(plan.frame.mjd(s), plan.frame.mjd(e)).as_bytes())?;
    }
    if !plan.dark.is_empty() {
        write!(w, "\n  ")?;
    }
    Ok(())
}

fn write_f2(plan: &Plan, dir: &Path) -> io::Result<PathBuf> {
    let fr: &Frame = &plan.frame;
    let (path, mut w) = create(dir, "schedule.json")?;
    writeln!(w, "{{")?;
    writeln!(w, "  \"name\": {},", jstr(&plan.name))?;
    writeln!(
        w,
        "  \"geographic_location\": {{\"lon_deg\": {}, \"lat_deg\": {}, \"height\": {}}},",
        num(plan.site.lon_deg),
        num(plan.site.lat_deg),
        num(plan.site.height_m)
    )?;
    if fr.total > 0 {
        writeln!(w, "  \"schedule_period\": {},", period_b(fr.mjd(0), fr.mjd(fr.total)))?;
    }
    write!(w, "  \"dark_periods\": [")?;
    write_dark_list(&mut w, plan)?;
    writeln!(w, "],")?;
    write!(w, "  \"blocks\": [")?;
    for (k, b) in plan.blocks.iter().enumerate() {
        w.write_all(if k == 0 { b"\n    " } else { b",\n    " })?;
        let fixed = match b.fixed {
            Some((a, e)) => period_b(fr.mjd(a), fr.mjd(e)),
            None => "null".to_string(),
        };
        let mut vis = String::new();
        for (j, &(s, e)) in b.vis.iter().enumerate() {
            if j > 0 {
                vis.push_str(", ");
            }
            vis.push_str(&period_b(fr.mjd(s), fr.mjd(e)));
        }
        let sched = match scheduled_mjd(plan, b) {
            Some((s, e)) => period_b(s, e),
            None => "null".to_string(),
        };
        write!(
            w,
            "{{\"original_block_id\": {}, \"priority\": {}, \"target_ra\": {}, \"target_dec\": {}, \"constraints\": \
             {{\"min_alt\": {}, \"max_alt\": {}, \"min_az\": {}, \"max_az\": {}, \"fixed_time\": {}}}, \
             \"min_observation\": {}, \"requested_duration\": {}, \"visibility_periods\": [{}], \"scheduled_period\": {}}}",
            jstr(&f2_id(b)),
            num(b.priority),
            num(b.ra_deg),
            num(b.dec_deg),
            num(b.min_alt_deg),
            num(b.max_alt_deg),
            num(b.min_az_deg),
            num(b.max_az_deg),
            fixed,
            b.min_obs_sec,
            b.dur_sec,
            vis,
            sched
        )?;
    }
    if !plan.blocks.is_empty() {
        write!(w, "\n  ")?;
    }
    writeln!(w, "]")?;
    writeln!(w, "}}")?;
    w.flush()?;
    Ok(path)
}
