//! Parser tests, continued: block-level checks. Fixtures and helpers are in `parse/tests.rs`.

use super::*;

// ------------------------------------------------------------------ collection limit

#[test]
fn more_than_twenty_problems_truncated() {
    let blocks: Vec<String> = (0..25).map(|i| f1_block(&i.to_string(), "\"x\"", "null", ("[]", "[]"))).collect();
    match parse1("s.json", &f1_doc(&blocks)) {
        Err(CoreError::Format { issues, truncated }) => {
            assert!(truncated);
            assert_eq!(issues.len(), 20);
            assert_eq!(issues[19].path, "SchedulingBlock[19].priority");
            let msg = CoreError::Format { issues, truncated }.to_string();
            assert!(msg.starts_with("schedule rejected: 20+ problems, first 20 shown\n"));
        }
        other => panic!("{other:?}"),
    }
    // Exactly 20 is not truncated.
    let blocks: Vec<String> = (0..20).map(|i| f1_block(&i.to_string(), "\"x\"", "null", ("[]", "[]"))).collect();
    match parse1("s.json", &f1_doc(&blocks)) {
        Err(CoreError::Format { issues, truncated }) => assert!(!truncated && issues.len() == 20),
        other => panic!("{other:?}"),
    }
}

#[test]
fn several_problems_in_one_block_are_all_reported() {
    let b = f1_block("1", "true", r#"{"start": 100001, "stop": 5}"#, ("[]", "[]")).replace("10.5", "360").replace("-20.25", "-91");
    assert_eq!(
        lines(parse1("s.json", &f1_doc(&[b]))),
        vec![
            "s.json: SchedulingBlock[0].priority: expected a number; got true",
            "s.json: SchedulingBlock[0].target.position_.coord.celestial.raInDeg: expected a number in [0, 360); got 360",
            "s.json: SchedulingBlock[0].target.position_.coord.celestial.decInDeg: expected a number in [-90, 90]; got -91",
            "s.json: SchedulingBlock[0].scheduled_period.start: expected an MJD in [0, 100000); got 100001",
        ]
    );
}

// ------------------------------------------------------------------ ids

#[test]
fn integral_float_ids_and_bad_ids() {
    let blocks = vec![
        f1_block("1000004990.0", "1", "null", ("[]", "[]")),
        f1_block("\"  keep me \"", "1", "null", ("[]", "[]")),
        f1_block("2e3", "1", "null", ("[]", "[]")),
    ];
    let s = parse1("s.json", &f1_doc(&blocks)).unwrap();
    let ids: Vec<&str> = s.blocks.iter().map(|b| b.original_id.as_str()).collect();
    assert_eq!(ids, vec!["1000004990", "  keep me ", "2000"]);
    assert_eq!(s.blocks[0].target_name, "SB_1000004990");
    let blocks = vec![f1_block("1.5", "1", "null", ("[]", "[]")), f1_block("\" \"", "1", "null", ("[]", "[]"))];
    assert_eq!(
        lines(parse1("s.json", &f1_doc(&blocks))),
        vec![
            "s.json: SchedulingBlock[0].schedulingBlockId: expected a string or integer; got 1.5",
            "s.json: SchedulingBlock[1].schedulingBlockId: expected a non-empty block id of at most 256 characters; got \" \"",
        ]
    );
}

#[test]
fn duplicate_ids_exact_line() {
    let mut blocks = simple_f1(5);
    blocks[4] = f1_block("\"1003\"", "1", "null", ("[]", "[]"));
    assert_eq!(
        one_line(parse1("schedule.json", &f1_doc(&blocks))),
        "schedule.json: SchedulingBlock[4].schedulingBlockId: expected a unique block id (also used by SchedulingBlock[3]); got \"1003\""
    );
}

#[test]
fn f2_id_fallback_and_duplicates() {
    let a = f2_block("\"x\"", "0", "1", "[]").replace("\"original_block_id\": \"x\",", "\"id\": 17.0,");
    let b = f2_block("17", "0", "1", "[]");
    let s = parse1("n.json", &f2_doc(std::slice::from_ref(&a), "")).unwrap();
    assert_eq!(s.blocks[0].original_id, "17");
    assert_eq!(s.blocks[0].target_name, "SB_17");
    assert_eq!(
        one_line(parse1("n.json", &f2_doc(&[a, b], ""))),
        "n.json: blocks[1].original_block_id: expected a unique block id (also used by blocks[0]); got 17"
    );
    let c = f2_block("\"x\"", "0", "1", "[]").replace("\"original_block_id\": \"x\",", "");
    assert_eq!(
        one_line(parse1("n.json", &f2_doc(&[c], ""))),
        "n.json: blocks[0].original_block_id: expected a required field; got missing"
    );
}

// ------------------------------------------------------------------ periods

#[test]
fn mixed_period_shapes_and_missing_pair_key() {
    let b = f1_block("1", "1", r#"{"start_mjd": 61000, "stop": 61001}"#, ("[]", "[]"));
    assert_eq!(
        one_line(parse1("s.json", &f1_doc(&[b]))),
        "s.json: SchedulingBlock[0].scheduled_period: expected a period object with the keys of one shape \
         (startTime/stopTime, start_mjd/end_mjd or start/stop); got an object mixing start_mjd/end_mjd and start/stop keys"
    );
    let b = f1_block("1", "1", r#"{"start_mjd": 61000}"#, ("[]", "[]"));
    assert_eq!(
        one_line(parse1("s.json", &f1_doc(&[b]))),
        "s.json: SchedulingBlock[0].scheduled_period.end_mjd: expected a required field; got missing"
    );
    let b = f1_block("1", "1", r#"{"foo": 1}"#, ("[]", "[]"));
    assert!(one_line(parse1("s.json", &f1_doc(&[b]))).contains("got an object without period keys"));
    let b = f1_block("1", "1", "[1, 2]", ("[]", "[]"));
    assert_eq!(
        one_line(parse1("s.json", &f1_doc(&[b]))),
        "s.json: SchedulingBlock[0].scheduled_period: expected a period object; got an array of 2"
    );
    // An empty array is "absent" for an optional period.
    let b = f1_block("1", "1", "[]", ("[]", "[]"));
    assert_eq!(parse1("s.json", &f1_doc(&[b])).unwrap().blocks[0].scheduled, None);
}

#[test]
fn time_object_format_scale_and_range() {
    let b = f1_block(
        "1",
        "1",
        r#"{"startTime": {"format": "JD", "scale": "utc", "value": 61000}, "stopTime": {"value": "61001"}, "durationInSec": "x"}"#,
        ("[]", "[]"),
    );
    assert_eq!(
        lines(parse1("s.json", &f1_doc(&[b]))),
        vec![
            "s.json: SchedulingBlock[0].scheduled_period.startTime.format: expected \"MJD\"; got \"JD\"",
            "s.json: SchedulingBlock[0].scheduled_period.stopTime.value: expected a number; got \"61001\"",
        ]
    );
    let b = f1_block("1", "1", r#"{"start": -1, "stop": 100000}"#, ("[]", "[]"));
    assert_eq!(
        lines(parse1("s.json", &f1_doc(&[b]))),
        vec![
            "s.json: SchedulingBlock[0].scheduled_period.start: expected an MJD in [0, 100000); got -1",
            "s.json: SchedulingBlock[0].scheduled_period.stop: expected an MJD in [0, 100000); got 100000",
        ]
    );
    let b = f1_block("1", "1", r#"{"start": 61000, "stop": 61000}"#, ("[]", "[]"));
    assert_eq!(
        one_line(parse1("s.json", &f1_doc(&[b]))),
        "s.json: SchedulingBlock[0].scheduled_period.stop: expected stop after start (61000); got 61000"
    );
}

#[test]
fn f1_fixed_window() {
    let b = f1_block("1", "1", "null", ("[61000.5]", "[{\"format\": \"MJD\", \"value\": 61000.75}]"));
    assert_eq!(parse1("s.json", &f1_doc(&[b])).unwrap().blocks[0].fixed_window, Some(Period::new(61000.5, 61000.75)));
    let b = f1_block("1", "1", "null", ("null", "null"));
    assert_eq!(parse1("s.json", &f1_doc(&[b])).unwrap().blocks[0].fixed_window, None);
    let p = "s.json: SchedulingBlock[0].schedulingBlockConfiguration_.constraints_.timeConstraint_.";
    let b = f1_block("1", "1", "null", ("[61000.5, 61000.6]", "[61001]"));
    assert_eq!(one_line(parse1("s.json", &f1_doc(&[b]))), format!("{p}fixedStartTime: expected at most one element; got an array of 2"));
    let b = f1_block("1", "1", "null", ("[61000.5]", "[]"));
    assert_eq!(
        one_line(parse1("s.json", &f1_doc(&[b]))),
        format!("{p}fixedStopTime: expected both fixedStartTime and fixedStopTime, or neither; got an array of 0")
    );
    let b = f1_block("1", "1", "null", ("[61000.5]", "[{\"value\": 61000.4}]"));
    assert_eq!(
        one_line(parse1("s.json", &f1_doc(&[b]))),
        format!("{p}fixedStopTime[0].value: expected stop after start (61000.5); got 61000.4")
    );
}

// ------------------------------------------------------------------ durations, equinox, optional fields

#[test]
fn durations_rounding_and_checks() {
    let doc = f1_doc(&[f1_block("1", "1", "null", ("[]", "[]"))]);
    let b = &parse1("s.json", &doc).unwrap().blocks[0];
    assert_eq!((b.min_observation_sec, b.requested_duration_sec), (600, 1200));
    let half = doc.replace("1200.4", "1200.5").replace("\"minObservationTimeInSec\": 600", "\"minObservationTimeInSec\": 1200.5");
    let b = &parse1("s.json", &half).unwrap().blocks[0];
    assert_eq!((b.min_observation_sec, b.requested_duration_sec), (1201, 1201));
    let p = "s.json: SchedulingBlock[0].schedulingBlockConfiguration_.constraints_.timeConstraint_.";
    let bad = doc.replace("\"minObservationTimeInSec\": 600", "\"minObservationTimeInSec\": 1800").replace("1200.4", "1799.6");
    assert_eq!(parse1("s.json", &bad).unwrap().blocks[0].min_observation_sec, 1800);
    let bad = bad.replace("\"minObservationTimeInSec\": 1800", "\"minObservationTimeInSec\": 1800.5");
    assert_eq!(one_line(parse1("s.json", &bad)), format!("{p}minObservationTimeInSec: expected a value <= requestedDurationSec (1800); got 1800.5"));
    let bad = doc.replace("\"minObservationTimeInSec\": 1800", "").replace(
        "\"minObservationTimeInSec\": 600",
        "\"minObservationTimeInSec\": 2000",
    );
    assert_eq!(one_line(parse1("s.json", &bad)), format!("{p}minObservationTimeInSec: expected a value <= requestedDurationSec (1200); got 2000"));
    let bad = doc.replace("1200.4", "2147483648");
    assert_eq!(one_line(parse1("s.json", &bad)), format!("{p}requestedDurationSec: expected seconds in [0, 2147483647]; got 2147483648"));
    let bad = doc.replace("\"minObservationTimeInSec\": 600", "\"minObservationTimeInSec\": -1");
    assert_eq!(one_line(parse1("s.json", &bad)), format!("{p}minObservationTimeInSec: expected seconds in [0, 2147483647]; got -1"));
    let missing = doc.replace("\"minObservationTimeInSec\": 600,", "");
    assert_eq!(one_line(parse1("s.json", &missing)), format!("{p}minObservationTimeInSec: expected a required field; got missing"));
}

#[test]
fn equinox_proper_motion_and_target_name() {
    let mk = |eq: &str| {
        f1_doc(&[f1_block("7", "1", "null", ("[]", "[]")).replace(
            "\"decInDeg\": -20.25",
            &format!("\"decInDeg\": -20.25, \"equinox\": {eq}, \"raProperMotionInMarcsecYear\": 1.5, \"decProperMotionInMarcsecYear\": null"),
        )])
    };
    let b = &parse1("s.json", &mk("\"J2015.5\"")).unwrap().blocks[0];
    assert_eq!((b.equinox, b.ra_pm_masyr, b.dec_pm_masyr), (2015.5, 1.5, 0.0));
    assert_eq!(b.target_name, "SB_7");
    assert_eq!(parse1("s.json", &mk("\"J2000\"")).unwrap().blocks[0].equinox, 2000.0);
    assert_eq!(parse1("s.json", &mk("1950")).unwrap().blocks[0].equinox, 1950.0);
    assert_eq!(
        one_line(parse1("s.json", &mk("\"B1950x\""))),
        "s.json: SchedulingBlock[0].target.position_.coord.celestial.equinox: expected a number, or a string like \"J2000\"; got \"B1950x\""
    );
}

#[test]
fn missing_required_objects() {
    let b = f1_block("1", "1", "null", ("[]", "[]")).replace("\"azimuthConstraint_\"", "\"azimuth\"");
    assert_eq!(
        one_line(parse1("s.json", &f1_doc(&[b]))),
        "s.json: SchedulingBlock[0].schedulingBlockConfiguration_.constraints_.azimuthConstraint_: expected a required field; got missing"
    );
    let doc = "{\"SchedulingBlock\": [5, {\"schedulingBlockId\": 2}]}";
    let l = lines(parse1("s.json", doc));
    assert_eq!(l[0], "s.json: SchedulingBlock[0]: expected an object; got 5");
    assert_eq!(l[1], "s.json: SchedulingBlock[1].priority: expected a required field; got missing");
    assert_eq!(l[2], "s.json: SchedulingBlock[1].target: expected a required field; got missing");
}

#[test]
fn long_strings_are_cut_to_40_chars() {
    let long = "y".repeat(50);
    let b = f1_block("1", &format!("\"{long}\""), "null", ("[]", "[]"));
    assert_eq!(
        one_line(parse1("s.json", &f1_doc(&[b]))),
        format!("s.json: SchedulingBlock[0].priority: expected a number; got \"{}…\"", "y".repeat(40))
    );
}

// ------------------------------------------------------------------ detection and companions

#[test]
fn detection_errors() {
    assert_eq!(
        one_line(parse1("s.json", "{\"SchedulingBlock\": [], \"blocks\": []}")),
        "s.json: (root): expected an object with a 'SchedulingBlock' array (scheduler dump) or a 'blocks' array \
         (single-file format), not both; got an object with both keys (ambiguous schedule file)"
    );
    assert_eq!(
        one_line(parse1("s.json", F1_VIS)),
        "s.json: SchedulingBlock: expected an array of blocks (this looks like a visibility file; upload it as the \
         visibility file); got an object"
    );
    assert_eq!(
        one_line(parse1("s.json", "[1, 2, 3]")),
        "s.json: (root): expected an object with a 'SchedulingBlock' array (scheduler dump) or a 'blocks' array \
         (single-file format); got an array of 3"
    );
    assert_eq!(
        one_line(parse1("s.json", "{\"other\": 1}")),
        "s.json: (root): expected an object with a 'SchedulingBlock' array (scheduler dump) or a 'blocks' array \
         (single-file format); got an object"
    );
    assert_eq!(one_line(parse1("s.json", "{\"blocks\": \"no\"}")), "s.json: blocks: expected an array; got \"no\"");
    // Empty arrays are fine.
    assert_eq!(parse1("s.json", "{\"SchedulingBlock\": []}").unwrap().blocks.len(), 0);
    assert_eq!(parse1("s.json", "{\"blocks\": [], \"dark_periods\": []}").unwrap().format, SourceFormat::F2);
}

#[test]
fn f2_with_companion_files_is_rejected() {
    let r = parse_upload(
        ("night.json", F2_EXAMPLE.as_bytes()),
        Some(("vis.json", F1_VIS.as_bytes())),
        Some(("dark.json", F1_DARK.as_bytes())),
        &opts(),
    );
    assert_eq!(
        lines(r),
        vec![
            "vis.json: (file): expected no separate visibility file for a single-file (F2) schedule; got a file",
            "dark.json: (file): expected no separate dark-periods file for a single-file (F2) schedule; got a file",
        ]
    );
}

#[test]
fn visibility_keys_matching() {
    let sched = f1_doc(&simple_f1(3));
    let vis = r#"{"SchedulingBlock": {"1000": [{"start": 61000, "stop": 61001}, {"start": 60999, "stop": 61000.5}],
        "9998": [{"start": "junk"}], "9999": [], "1002": []}, "other": 1}"#;
    let s = parse_upload(("s.json", sched.as_bytes()), Some(("possible_periods.json", vis.as_bytes())), None, &opts()).unwrap();
    assert_eq!(s.warnings, vec!["possible_periods.json: 2 visibility key(s) match no block of the schedule (ignored)".to_string()]);
    assert_eq!(s.blocks[0].visibility, vec![Period::new(61000.0, 61001.0), Period::new(60999.0, 61000.5)]);
    assert!(s.blocks[1].visibility.is_empty());
    let vis = r#"{"SchedulingBlock": {"x1": [], "x2": []}}"#;
    let r = parse_upload(("s.json", sched.as_bytes()), Some(("v.json", vis.as_bytes())), None, &opts());
    assert_eq!(
        one_line(r),
        "v.json: SchedulingBlock: expected keys that are block ids of the schedule file; got 2 key(s), none matching a block id (first \"x1\")"
    );
    // An empty map is fine.
    let vis = r#"{"SchedulingBlock": {}}"#;
    assert!(parse_upload(("s.json", sched.as_bytes()), Some(("v.json", vis.as_bytes())), None, &opts()).is_ok());
    let vis = r#"{"SchedulingBlock": []}"#;
    assert_eq!(
        one_line(parse_upload(("s.json", sched.as_bytes()), Some(("v.json", vis.as_bytes())), None, &opts())),
        "v.json: SchedulingBlock: expected an object mapping block ids to arrays of periods; got an array of 0"
    );
    let vis = r#"{"SchedulingBlock": {"1001": {"start": 1, "stop": 2}}}"#;
    assert_eq!(
        one_line(parse_upload(("s.json", sched.as_bytes()), Some(("v.json", vis.as_bytes())), None, &opts())),
        "v.json: SchedulingBlock[\"1001\"]: expected an array; got an object"
    );
}

#[test]
fn f2_visibility_given_twice_and_unmatched_keys() {
    let blocks = [
        f2_block("\"a\"", "0", "1", "[{\"start\": 1, \"stop\": 2}]"),
        f2_block("\"b\"", "0", "1", "null"),
    ];
    let pp = "\"possible_periods\": {\"a\": [{\"start\": 3, \"stop\": 4}], \"b\": [{\"start\": 5, \"stop\": 6}], \"zz\": []},";
    assert_eq!(
        one_line(parse1("n.json", &f2_doc(&blocks, pp))),
        "n.json: blocks[0].visibility_periods: expected no visibility_periods when possible_periods[\"a\"] is non-empty \
         (visibility given twice); got an array of 1"
    );
    let pp = "\"possible_periods\": {\"a\": [], \"b\": [{\"start\": 5, \"stop\": 6}], \"zz\": []},";
    let s = parse1("n.json", &f2_doc(&blocks, pp)).unwrap();
    assert_eq!(s.blocks[0].visibility, vec![Period::new(1.0, 2.0)]);
    assert_eq!(s.blocks[1].visibility, vec![Period::new(5.0, 6.0)]);
    assert_eq!(s.warnings, vec!["n.json: 1 visibility key(s) match no block of the schedule (ignored)".to_string()]);
    let pp = "\"possible_periods\": {\"b\": [{\"start\": 5, \"stop\": 4}]},";
    assert_eq!(
        one_line(parse1("n.json", &f2_doc(&blocks, pp))),
        "n.json: possible_periods[\"b\"][0].stop: expected stop after start (5); got 4"
    );
}

#[test]
fn f2_top_level_fields() {
    let r = parse1("n.json", "{\"blocks\": []}");
    assert_eq!(one_line(r), "n.json: dark_periods: expected a required field; got missing");
    let r = parse1("n.json", "{\"blocks\": [], \"dark_periods\": [], \"geographic_location\": {\"lon_deg\": 1, \"lat_deg\": 2}}");
    assert_eq!(one_line(r), "n.json: geographic_location.height: expected a required field; got missing");
    let r = parse1(
        "n.json",
        "{\"blocks\": [], \"dark_periods\": [{\"start\": 3, \"stop\": 4}, {\"start\": 1, \"stop\": 9}, {\"start\": 1, \"stop\": 2}], \"checksum\": 5}",
    );
    assert_eq!(
        r.unwrap().dark_periods,
        vec![Period::new(1.0, 2.0), Period::new(1.0, 9.0), Period::new(3.0, 4.0)]
    );
    let b = f2_block("\"a\"", "0", "1", "[]").replace("\"min_az\": 0, \"max_az\": 360", "\"min_az\": 10, \"max_az\": 360, \"fixed_time\": {\"start\": 7, \"stop\": 8}");
    assert_eq!(parse1("n.json", &f2_doc(&[b], "")).unwrap().blocks[0].fixed_window, Some(Period::new(7.0, 8.0)));
}

#[test]
fn dark_file_forms() {
    let sched = f1_doc(&simple_f1(1));
    let bare = r#"[{"start": 5, "stop": 6}, {"start_mjd": 1, "end_mjd": 2}]"#;
    let s = parse_upload(("s.json", sched.as_bytes()), None, Some(("d.json", bare.as_bytes())), &opts()).unwrap();
    assert_eq!(s.dark_periods, vec![Period::new(1.0, 2.0), Period::new(5.0, 6.0)]);
    let full = r#"{"dark_periods": [], "Location": {"Observatory": "ORM",
        "coordinates::ConstGeographic": {"lat": 28.76, "lon": -17.89, "alt": 2396}},
        "Time Window": {"startTime": {"format": "MJD", "scale": "UTC", "value": 61000}, "stopTime": 61010}}"#;
    let s = parse_upload(("s.json", sched.as_bytes()), None, Some(("d.json", full.as_bytes())), &opts()).unwrap();
    assert_eq!(s.site, Some(Site { lon_deg: -17.89, lat_deg: 28.76, height_m: 2396.0 }));
    assert_eq!(s.schedule_period, Some(Period::new(61000.0, 61010.0)));
    let bad = r#"{"Location": {"coordinates::ConstGeographic": {"lat": "x", "lon": 1, "alt": 2}}}"#;
    let r = parse_upload(("s.json", sched.as_bytes()), None, Some(("d.json", bad.as_bytes())), &opts());
    assert_eq!(
        lines(r),
        vec![
            "d.json: dark_periods: expected a required field; got missing",
            "d.json: Location[\"coordinates::ConstGeographic\"].lat: expected a number; got \"x\"",
        ]
    );
    let r = parse_upload(("s.json", sched.as_bytes()), None, Some(("d.json", b"{\"dark_periods\": [{\"start\": 2, \"stop\": 1}]}")), &opts());
    assert_eq!(one_line(r), "d.json: dark_periods[0].stop: expected stop after start (2); got 1");
    let r = parse_upload(("s.json", sched.as_bytes()), None, Some(("d.json", b"7")), &opts());
    assert_eq!(one_line(r), "d.json: (root): expected an object with a 'dark_periods' array, or an array of periods; got 7");
}

#[test]
fn companion_syntax_errors_are_reported_with_schedule_errors() {
    let r = parse_upload(
        ("s.json", b"{\"SchedulingBlock\": 3}"),
        Some(("v.json", b"{")),
        Some(("d.json", b"[{\"start\": 2, \"stop\": 1}]")),
        &opts(),
    );
    assert_eq!(
        lines(r),
        vec![
            "s.json: SchedulingBlock: expected an array; got 3",
            "v.json: line 1, column 2: expected valid JSON; got end of input",
            "d.json: [0].stop: expected stop after start (2); got 1",
        ]
    );
}

#[test]
fn path_rendering() {
    let root = Path::ROOT;
    assert_eq!(root.render(), "(root)");
    let a = root.key("SchedulingBlock");
    let b = a.id("1000002662");
    let c = b.idx(3);
    let d = c.key("stopTime");
    let e = d.key("value");
    assert_eq!(e.render(), "SchedulingBlock[\"1000002662\"][3].stopTime.value");
    let f = root.key("Time Window");
    assert_eq!(f.key("start").render(), "[\"Time Window\"].start");
    assert_eq!(root.idx(2).key("x").render(), "[2].x");
}

// ------------------------------------------------------------------ size

/// A synthetic visibility document of about `target` bytes in the scheduler's shape A.
fn synthetic_vis(n_blocks: usize, per_block: usize) -> String {
    let mut s = String::with_capacity(n_blocks * per_block * 260);
    s.push_str("{\n  \"SchedulingBlock\": {\n");
    for b in 0..n_blocks {
        if b > 0 {
            s.push_str(",\n");
        }
        s.push_str(&format!("    \"{}\": [\n", 1_000_000 + b));
        for k in 0..per_block {
            if k > 0 {
                s.push_str(",\n");
            }
            let start = 61000.0 + k as f64 + b as f64 * 1e-4;
            s.push_str(&format!(
                "      {{\n        \"durationInSec\": 3600.0,\n        \"startTime\": {{\"format\": \"MJD\", \"scale\": \"UTC\", \"value\": {}}},\n        \"stopTime\": {{\"format\": \"MJD\", \"scale\": \"UTC\", \"value\": {}}}\n      }}",
                start,
                start + 0.125
            ));
        }
        s.push_str("\n    ]");
    }
    s.push_str("\n  }\n}\n");
    s
}

#[test]
fn synthetic_twenty_megabyte_visibility_file() {
    let n_blocks = 1000;
    let per_block = 100;
    let vis = synthetic_vis(n_blocks, per_block);
    assert!(vis.len() > 20_000_000, "{}", vis.len());
    let blocks: Vec<String> =
        (0..n_blocks).map(|b| f1_block(&(1_000_000 + b).to_string(), "2.5", "null", ("[]", "[]"))).collect();
    let sched = f1_doc(&blocks);
    let s = parse_upload(("s.json", sched.as_bytes()), Some(("vis.json", vis.as_bytes())), None, &opts()).unwrap();
    assert_eq!(s.blocks.len(), n_blocks);
    for (b, blk) in s.blocks.iter().enumerate() {
        assert_eq!(blk.visibility.len(), per_block);
        let start = 61000.0 + 7.0 + b as f64 * 1e-4;
        assert_eq!(blk.visibility[7], Period::new(start, start + 0.125));
    }
    // Gzip round trip of a large document keeps the bytes.
    let z = gzip(vis.as_bytes());
    assert_eq!(read_input("vis.json.gz", z, 1 << 28).unwrap().len(), vis.len());
}

/// Timing check on a season-sized visibility file (~100 MB); run with
/// `cargo test --release --lib perf_season_sized -- --ignored --nocapture`.
#[test]
#[ignore]
fn perf_season_sized_visibility_file() {
    let n_blocks = 2600;
    let vis = synthetic_vis(n_blocks, 200);
    let t = std::time::Instant::now();
    json::validate(vis.as_bytes()).unwrap();
    println!("syntax pass alone: {:?}", t.elapsed());
    let blocks: Vec<String> =
        (0..n_blocks).map(|b| f1_block(&(1_000_000 + b).to_string(), "2.5", "null", ("[]", "[]"))).collect();
    let sched = f1_doc(&blocks);
    let t = std::time::Instant::now();
    let s = parse_upload(("s.json", sched.as_bytes()), Some(("vis.json", vis.as_bytes())), None, &opts()).unwrap();
    let dt = t.elapsed();
    println!("visibility {} bytes, schedule {} bytes: parsed in {:?}", vis.len(), sched.len(), dt);
    assert_eq!(s.blocks.len(), n_blocks);
}

#[test]
fn fast_period_path_agrees_with_reporting_path() {
    let cases = [
        r#"[{"startTime": {"format": "mjd", "scale": "Utc", "value": 61000.25, "extra": [1]}, "stopTime": 61000.5, "durationInSec": null}]"#,
        r#"[{"start_mjd": 1, "end_mjd": 2, "note": "x"}, {"start": 0, "stop": 99999.9}]"#,
        r#"[]"#,
    ];
    for c in cases {
        let (text, root) = json::validate(c.as_bytes()).unwrap();
        let fast = period::fast_period_array(&mut Lexer::new(text, root.pos)).expect(c);
        let mut issues = Issues::default();
        let mut cx = Cx { file: "f", issues: &mut issues, sentinel: None };
        let slow = period_array(&mut cx, Some(&val_at(text, root.pos)), &Path::ROOT).unwrap();
        assert_eq!(fast, slow, "{c}");
    }
    // Anything unusual leaves the fast path.
    for c in [
        r#"[{"start": 2, "stop": 1}]"#,
        r#"[{"start": 1, "stop": 2, "startTime": 1}]"#,
        r#"[{"startTime": {"format": "JD", "value": 1}, "stopTime": 2}]"#,
        r#"[{"startTime": {"scale": "UTC"}, "stopTime": 2}]"#,
        r#"[{"start_mjd": 1e400, "end_mjd": 2}]"#,
        r#"[{"start": 1}]"#,
        r#"[null]"#,
        r#"{"start": 1, "stop": 2}"#,
    ] {
        let (text, root) = json::validate(c.as_bytes()).unwrap();
        assert!(period::fast_period_array(&mut Lexer::new(text, root.pos)).is_none(), "{c}");
    }
}
