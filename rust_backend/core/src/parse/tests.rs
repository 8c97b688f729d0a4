//! Parser tests (input-formats.md §1–§9).
#![allow(clippy::excessive_precision)]

use super::*;
use std::io::Write;

const F1_EXAMPLE: &str = r#"{
  "SchedulingBlock": [
    {
      "schedulingBlockId": 4100021,
      "priority": 7.25,
      "target": {
        "name": "NGC 2392",
        "position_": {"coord": {"celestial": {"raInDeg": 112.2949, "decInDeg": 20.9117}}}
      },
      "schedulingBlockConfiguration_": {
        "constraints_": {
          "elevationConstraint_": {"minElevationAngleInDeg": 40.0, "maxElevationAngleInDeg": 90.0},
          "azimuthConstraint_": {"minAzimuthAngleInDeg": 0.0, "maxAzimuthAngleInDeg": 360.0},
          "timeConstraint_": {
            "minObservationTimeInSec": 1200,
            "requestedDurationSec": 1800,
            "fixedStartTime": [],
            "fixedStopTime": []
          }
        }
      },
      "scheduled_period": {
        "durationInSec": 1800.0,
        "startTime": {"format": "MJD", "scale": "UTC", "value": 61775.958333333336},
        "stopTime": {"format": "MJD", "scale": "UTC", "value": 61775.97916666667}
      }
    }
  ]
}"#;

const F1_VIS: &str = r#"{
  "SchedulingBlock": {
    "4100021": [
      {
        "durationInSec": 25812.0,
        "startTime": {"format": "MJD", "scale": "UTC", "value": 61775.92},
        "stopTime": {"format": "MJD", "scale": "UTC", "value": 61776.21875}
      }
    ]
  }
}"#;

const F1_DARK: &str = r#"{"dark_periods": [{"start_mjd": 61775.8285, "end_mjd": 61776.2792}]}"#;

const F2_EXAMPLE: &str = r#"{
  "name": "Two-block night",
  "geographic_location": {"lon_deg": -17.8892, "lat_deg": 28.7624, "height": 2396.0},
  "schedule_period": {"start_mjd": 61775.5, "end_mjd": 61776.5},
  "dark_periods": [{"start_mjd": 61775.8285, "end_mjd": 61776.2792}],
  "possible_periods": {
    "B-002": [{"start": 61776.175, "stop": 61776.2792}]
  },
  "blocks": [
    {
      "original_block_id": "B-001",
      "priority": 3.5,
      "target_ra": 83.8221,
      "target_dec": -5.3911,
      "constraints": {"min_alt": 35.0, "max_alt": 90.0, "min_az": 0.0, "max_az": 360.0, "fixed_time": null},
      "min_observation": 900,
      "requested_duration": 1200,
      "visibility_periods": [{"start_mjd": 61775.86, "end_mjd": 61776.115}],
      "scheduled_period": {"start_mjd": 61775.9, "end_mjd": 61775.913888888889}
    },
    {
      "original_block_id": "B-002",
      "priority": 9.0,
      "target_ra": 210.8023,
      "target_dec": 54.3489,
      "constraints": {"min_alt": 40.0, "max_alt": 90.0, "min_az": 0.0, "max_az": 360.0, "fixed_time": null},
      "min_observation": 1800,
      "requested_duration": 3600,
      "scheduled_period": null
    }
  ]
}"#;

/// A compact F1 block; `id` and other values are inserted as raw JSON text.
fn f1_block(id: &str, priority: &str, scheduled: &str, fixed: (&str, &str)) -> String {
    format!(
        r#"{{"schedulingBlockId": {id}, "priority": {priority},
 "target": {{"position_": {{"coord": {{"celestial": {{"raInDeg": 10.5, "decInDeg": -20.25}}}}}}}},
 "schedulingBlockConfiguration_": {{"constraints_": {{
   "elevationConstraint_": {{"minElevationAngleInDeg": 30, "maxElevationAngleInDeg": 85}},
   "azimuthConstraint_": {{"minAzimuthAngleInDeg": 0, "maxAzimuthAngleInDeg": 360}},
   "timeConstraint_": {{"minObservationTimeInSec": 600, "requestedDurationSec": 1200.4,
                        "fixedStartTime": {fs}, "fixedStopTime": {fe}}}}}}},
 "scheduled_period": {scheduled}}}"#,
        fs = fixed.0,
        fe = fixed.1
    )
}

fn f1_doc(blocks: &[String]) -> String {
    format!("{{\"SchedulingBlock\": [\n{}\n]}}", blocks.join(",\n"))
}

fn simple_f1(n: usize) -> Vec<String> {
    (0..n).map(|i| f1_block(&format!("{}", 1000 + i), "5", "null", ("[]", "[]"))).collect()
}

fn f2_block(id: &str, min_alt: &str, max_alt: &str, vis: &str) -> String {
    format!(
        r#"{{"original_block_id": {id}, "priority": 1, "target_ra": 1, "target_dec": 2,
  "constraints": {{"min_alt": {min_alt}, "max_alt": {max_alt}, "min_az": 0, "max_az": 360}},
  "min_observation": 10, "requested_duration": 20, "visibility_periods": {vis}}}"#
    )
}

fn f2_doc(blocks: &[String], extra: &str) -> String {
    format!("{{\"dark_periods\": [], {} \"blocks\": [{}]}}", extra, blocks.join(","))
}

fn opts() -> ParseOptions {
    ParseOptions::default()
}

fn parse1(name: &str, s: &str) -> Result<ParsedSchedule, CoreError> {
    parse_upload((name, s.as_bytes()), None, None, &opts())
}

/// The problem lines of a rejection.
fn lines(r: Result<ParsedSchedule, CoreError>) -> Vec<String> {
    match r {
        Err(CoreError::Format { issues, .. }) => issues.iter().map(|i| i.to_string()).collect(),
        Err(e) => panic!("unexpected error {e}"),
        Ok(s) => panic!("unexpectedly accepted: {s:?}"),
    }
}

fn one_line(r: Result<ParsedSchedule, CoreError>) -> String {
    let l = lines(r);
    assert_eq!(l.len(), 1, "{l:#?}");
    l[0].clone()
}

// ------------------------------------------------------------------ examples (§9)

#[test]
fn f1_example_with_visibility_and_dark() {
    let s = parse_upload(
        ("schedule.json", F1_EXAMPLE.as_bytes()),
        Some(("possible_periods.json", F1_VIS.as_bytes())),
        Some(("dark_periods.json", F1_DARK.as_bytes())),
        &opts(),
    )
    .unwrap();
    assert_eq!(s.format, SourceFormat::F1);
    assert_eq!(s.name, None);
    assert!(s.warnings.is_empty());
    assert_eq!(s.dark_periods, vec![Period::new(61775.8285, 61776.2792)]);
    assert_eq!(s.blocks.len(), 1);
    let b = &s.blocks[0];
    assert_eq!(b.original_id, "4100021");
    assert_eq!(b.priority, 7.25);
    assert_eq!(b.target_name, "NGC 2392");
    assert_eq!((b.ra_deg, b.dec_deg), (112.2949, 20.9117));
    assert_eq!((b.ra_pm_masyr, b.dec_pm_masyr, b.equinox), (0.0, 0.0, 2000.0));
    assert_eq!((b.min_alt_deg, b.max_alt_deg, b.min_az_deg, b.max_az_deg), (40.0, 90.0, 0.0, 360.0));
    assert_eq!((b.min_observation_sec, b.requested_duration_sec), (1200, 1800));
    assert_eq!(b.fixed_window, None);
    assert_eq!(b.scheduled, Some(Period::new(61775.958333333336, 61775.97916666667)));
    assert_eq!(b.visibility, vec![Period::new(61775.92, 61776.21875)]);
}

#[test]
fn f1_example_alone_has_no_visibility_or_dark() {
    let s = parse1("schedule.json", F1_EXAMPLE).unwrap();
    assert!(s.blocks[0].visibility.is_empty());
    assert!(s.dark_periods.is_empty());
    assert_eq!(s.site, None);
}

#[test]
fn f2_example() {
    let s = parse1("night.json", F2_EXAMPLE).unwrap();
    assert_eq!(s.format, SourceFormat::F2);
    assert_eq!(s.name.as_deref(), Some("Two-block night"));
    assert_eq!(s.site, Some(Site { lon_deg: -17.8892, lat_deg: 28.7624, height_m: 2396.0 }));
    assert_eq!(s.schedule_period, Some(Period::new(61775.5, 61776.5)));
    assert_eq!(s.dark_periods, vec![Period::new(61775.8285, 61776.2792)]);
    assert_eq!(s.blocks.len(), 2);
    let (a, b) = (&s.blocks[0], &s.blocks[1]);
    assert_eq!(a.original_id, "B-001");
    assert_eq!(a.target_name, "SB_B-001");
    assert_eq!(a.priority, 3.5);
    assert_eq!((a.ra_deg, a.dec_deg), (83.8221, -5.3911));
    assert_eq!((a.min_alt_deg, a.max_alt_deg), (35.0, 90.0));
    assert_eq!((a.min_observation_sec, a.requested_duration_sec), (900, 1200));
    assert_eq!(a.visibility, vec![Period::new(61775.86, 61776.115)]);
    assert_eq!(a.scheduled, Some(Period::new(61775.9, 61775.913888888889)));
    assert_eq!(a.fixed_window, None);
    assert_eq!(b.original_id, "B-002");
    assert_eq!(b.priority, 9.0);
    assert_eq!(b.scheduled, None);
    assert_eq!(b.visibility, vec![Period::new(61776.175, 61776.2792)]);
    assert_eq!((b.min_observation_sec, b.requested_duration_sec), (1800, 3600));
}

// ------------------------------------------------------------------ typical rejections (§9)

#[test]
fn priority_as_string_exact_line() {
    let mut blocks = simple_f1(20);
    blocks[17] = f1_block("1017", "\"high\"", "null", ("[]", "[]"));
    assert_eq!(
        one_line(parse1("schedule.json", &f1_doc(&blocks))),
        "schedule.json: SchedulingBlock[17].priority: expected a number; got \"high\""
    );
}

#[test]
fn number_in_string_is_rejected() {
    let blocks = vec![f1_block("1", "\"7.5\"", "null", ("[]", "[]"))];
    assert_eq!(
        one_line(parse1("s.json", &f1_doc(&blocks))),
        "s.json: SchedulingBlock[0].priority: expected a number; got \"7.5\""
    );
}

#[test]
fn f2_max_below_min_exact_line() {
    let doc = f2_doc(&[f2_block("\"a\"", "10", "20", "[]"), f2_block("\"b\"", "40.0", "30", "[]")], "");
    assert_eq!(
        one_line(parse1("night.json", &doc)),
        "night.json: blocks[1].constraints.max_alt: expected a value >= min (40); got 30"
    );
}

#[test]
fn visibility_stop_before_start_exact_line() {
    let sched = f1_doc(&[f1_block("\"1000002662\"", "1", "null", ("[]", "[]"))]);
    let per = |a: &str, b: &str| {
        format!(
            r#"{{"startTime": {{"format": "MJD", "scale": "UTC", "value": {a}}}, "stopTime": {{"format": "mjd", "value": {b}}}}}"#
        )
    };
    let vis = format!(
        "{{\"SchedulingBlock\": {{\"1000002662\": [{}, {}, {}, {}]}}}}",
        per("61770.1", "61770.2"),
        per("61771.1", "61771.2"),
        per("61772.1", "61772.2"),
        per("61774.2", "61774.1")
    );
    let r = parse_upload(
        ("schedule.json", sched.as_bytes()),
        Some(("possible_periods.json", vis.as_bytes())),
        None,
        &opts(),
    );
    assert_eq!(
        one_line(r),
        "possible_periods.json: SchedulingBlock[\"1000002662\"][3].stopTime.value: expected stop after start (61774.2); got 61774.1"
    );
}

// ------------------------------------------------------------------ sentinel

#[test]
fn sentinel_makes_block_unscheduled_and_skips_stop() {
    let sched = r#"{"startTime": 51910.5, "stopTime": 51910.4}"#;
    let doc = f1_doc(&[f1_block("1", "1", sched, ("[]", "[]"))]);
    let s = parse1("s.json", &doc).unwrap();
    assert_eq!(s.blocks[0].scheduled, None);
    // Within 1e-6 day.
    let doc = f1_doc(&[f1_block("1", "1", r#"{"start_mjd": 51910.5000005, "end_mjd": 1}"#, ("[]", "[]"))]);
    assert_eq!(parse1("s.json", &doc).unwrap().blocks[0].scheduled, None);
    // Disabled sentinel: the stop is validated.
    let o = ParseOptions { sentinel_mjd: None, ..opts() };
    let doc = f1_doc(&[f1_block("1", "1", sched, ("[]", "[]"))]);
    let r = parse_upload(("s.json", doc.as_bytes()), None, None, &o);
    assert_eq!(
        one_line(r),
        "s.json: SchedulingBlock[0].scheduled_period.stopTime: expected stop after start (51910.5); got 51910.4"
    );
    // A valid period far from the sentinel is kept.
    let doc = f1_doc(&[f1_block("1", "1", r#"{"start": 51910.6, "stop": 51910.7}"#, ("[]", "[]"))]);
    assert_eq!(parse1("s.json", &doc).unwrap().blocks[0].scheduled, Some(Period::new(51910.6, 51910.7)));
}

#[test]
fn sentinel_applies_to_f2_too() {
    let b = f2_block("\"x\"", "0", "1", "[]").replace(
        "\"visibility_periods\"",
        "\"scheduled_period\": {\"start_mjd\": 51910.5, \"end_mjd\": 51910.5}, \"visibility_periods\"",
    );
    let s = parse1("n.json", &f2_doc(&[b], "")).unwrap();
    assert_eq!(s.blocks[0].scheduled, None);
}

// ------------------------------------------------------------------ input, checksum, name

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

#[test]
fn gzip_input_is_decompressed_and_parsed() {
    let raw = gzip(F2_EXAMPLE.as_bytes());
    assert_eq!(&raw[..2], &[0x1F, 0x8B]);
    let out = read_input("night.json.gz", raw, 1 << 20).unwrap();
    assert_eq!(out, F2_EXAMPLE.as_bytes());
    assert!(parse1("night.json.gz", std::str::from_utf8(&out).unwrap()).is_ok());
    // Plain bytes pass through.
    assert_eq!(read_input("a", b"{}".to_vec(), 10).unwrap(), b"{}");
}

#[test]
fn size_limits() {
    let e = read_input("big.json", vec![b' '; 300], 200).unwrap_err();
    assert_eq!(e.to_string(), "big.json: (file): expected at most 200 bytes; got 300 bytes");
    let z = gzip(&vec![b' '; 5000]);
    assert!(z.len() < 200);
    let e = read_input("bomb.json.gz", z, 200).unwrap_err();
    assert_eq!(e.path, "(file)");
    assert_eq!(e.expected, "at most 200 bytes");
    let e = read_input("bad.gz", vec![0x1F, 0x8B, 1, 2, 3], 200).unwrap_err();
    assert_eq!(e.expected, "a valid gzip stream");
    // parse_upload also enforces the limit on decompressed bytes.
    let o = ParseOptions { max_bytes: 10, ..opts() };
    let r = parse_upload(("s.json", F1_EXAMPLE.as_bytes()), None, None, &o);
    assert_eq!(one_line(r), format!("s.json: (file): expected at most 10 bytes; got {} bytes", F1_EXAMPLE.len()));
}

#[test]
fn checksum_matches_independent_computation() {
    let s = b"{\"a\":1}";
    let v = b"vis";
    let mut buf = Vec::new();
    buf.extend_from_slice(&(s.len() as u64).to_be_bytes());
    buf.extend_from_slice(s);
    buf.extend_from_slice(&(v.len() as u64).to_be_bytes());
    buf.extend_from_slice(v);
    buf.extend_from_slice(&0u64.to_be_bytes());
    let want: String = Sha256::digest(&buf).iter().map(|b| format!("{:02x}", b)).collect();
    assert_eq!(checksum(s, Some(v), None), want);
    assert_eq!(want.len(), 64);
    assert_ne!(checksum(s, None, Some(v)), want);
    // Known value: SHA-256 of 24 zero bytes (three absent/empty files).
    assert_eq!(
        checksum(b"", None, None),
        "9d908ecfb6b256def8b49a7c504e6c889c4b0e41fe6ce3e01863dd7b61a20aa0"
    );
}

#[test]
fn schedule_name_validation() {
    assert_eq!(validate_name("  Night 1 ").unwrap(), "Night 1");
    let e = validate_name("   ").unwrap_err();
    assert_eq!(e.to_string(), "(upload): name: expected a name of 1 to 256 characters; got \"   \"");
    assert!(validate_name(&"x".repeat(256)).is_ok());
    let e = validate_name(&"x".repeat(257)).unwrap_err();
    assert_eq!(e.got, format!("\"{}…\"", "x".repeat(40)));
    // F2 name is validated too.
    let r = parse1("n.json", &f2_doc(&[], "\"name\": \"  \","));
    assert_eq!(one_line(r), "n.json: name: expected a name of 1 to 256 characters; got \"  \"");
}

// ------------------------------------------------------------------ JSON syntax

#[test]
fn duplicate_key_is_a_syntax_error() {
    let doc = "{\"SchedulingBlock\": [\n  {\"priority\": 1,\n   \"priority\": 2}]}";
    assert_eq!(
        one_line(parse1("schedule.json", doc)),
        "schedule.json: line 3, column 4: expected valid JSON; got duplicate key \"priority\""
    );
}

#[test]
fn duplicate_key_in_large_object() {
    let mut keys: Vec<String> = (0..40).map(|i| format!("\"k{i}\": {i}")).collect();
    keys.push("\"k7\": 0".into());
    let doc = format!("{{{}}}", keys.join(","));
    let l = one_line(parse1("s.json", &doc));
    assert!(l.ends_with("expected valid JSON; got duplicate key \"k7\""), "{l}");
    // Same key in sibling objects is fine.
    assert!(json::validate(b"[{\"a\":1},{\"a\":2},{\"b\":{\"a\":1},\"a\":3}]").is_ok());
    // Escaped duplicates are found.
    assert!(json::validate(br#"{"a":1,"\u0061":2}"#).is_err());
}

#[test]
fn nan_and_infinity_tokens() {
    assert_eq!(
        one_line(parse1("s.json", "{\"SchedulingBlock\": [NaN]}")),
        "s.json: line 1, column 22: expected valid JSON; got NaN"
    );
    assert_eq!(
        one_line(parse1("s.json", "[-Infinity]")),
        "s.json: line 1, column 2: expected valid JSON; got -Infinity"
    );
    assert_eq!(one_line(parse1("s.json", "[Infinity]")), "s.json: line 1, column 2: expected valid JSON; got Infinity");
    // A number overflowing f64 is valid JSON but not a finite number.
    let blocks = vec![f1_block("1", "1e400", "null", ("[]", "[]"))];
    assert_eq!(
        one_line(parse1("s.json", &f1_doc(&blocks))),
        "s.json: SchedulingBlock[0].priority: expected a finite number; got 1e400"
    );
}

#[test]
fn depth_limit() {
    let ok = format!("{{\"x\": {}{}}}", "[".repeat(63), "]".repeat(63));
    assert!(json::validate(ok.as_bytes()).is_ok());
    let bad = format!("{{\"x\": {}{}}}", "[".repeat(64), "]".repeat(64));
    assert_eq!(
        one_line(parse1("s.json", &bad)),
        "s.json: line 1, column 70: expected valid JSON; got nesting deeper than 64 levels"
    );
}

#[test]
fn empty_and_bad_utf8_and_trailing() {
    assert_eq!(one_line(parse1("e.json", "")), "e.json: line 1, column 1: expected valid JSON; got an empty file");
    assert_eq!(one_line(parse1("e.json", "  \n ")), "e.json: line 1, column 1: expected valid JSON; got an empty file");
    let r = parse_upload(("u.json", b"{\"a\": \"\xff\"}"), None, None, &opts());
    assert_eq!(one_line(r), "u.json: line 1, column 8: expected valid JSON; got invalid UTF-8");
    assert_eq!(
        one_line(parse1("t.json", "{\"a\": [1, 2,]}")),
        "t.json: line 1, column 13: expected valid JSON; got unexpected character ']'"
    );
    assert_eq!(
        one_line(parse1("t.json", "{} x")),
        "t.json: line 1, column 4: expected valid JSON; got unexpected character 'x' after the end of the document"
    );
    assert_eq!(one_line(parse1("t.json", "{\"a\": ")), "t.json: line 1, column 7: expected valid JSON; got end of input");
    assert!(lines(parse1("t.json", "{\"a\": 01}"))[0].contains("invalid number"));
}

#[test]
fn bom_is_ignored() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(F2_EXAMPLE.as_bytes());
    let s = parse_upload(("night.json", &bytes), None, None, &opts()).unwrap();
    assert_eq!(s.blocks.len(), 2);
    // Columns on line 1 are counted after the BOM.
    let r = parse_upload(("b.json", b"\xEF\xBB\xBF[x]"), None, None, &opts());
    assert_eq!(one_line(r), "b.json: line 1, column 2: expected valid JSON; got unexpected character 'x'");
}

#[test]
fn string_escapes_decode() {
    let (text, root) = json::validate(br#"{"k": "a\"b\\c\u00e9\ud83d\ude00\n"}"#).unwrap();
    let v = val_at(text, root.find("k").unwrap());
    assert_eq!(v, Val::Str("a\"b\\c\u{e9}\u{1F600}\n".to_string().into()));
    assert!(json::validate(br#"["\ud800"]"#).is_err());
    assert!(json::validate(b"[\"a\tb\"]").is_err());
}

// The block-level checks (collection limit, ids, periods, durations, detection and companions) are in
// `tests/blocks.rs`.
mod blocks;
