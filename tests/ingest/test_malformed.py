"""Malformed uploads: each gives a ScheduleFormatError (exit code 3 on the CLI) with one line per problem naming
the file and the JSON path, and nothing is written to the database."""

from __future__ import annotations

import copy
import gzip
import json

import pytest

from builders import f1_block, period_a, sql_elsewhere, write_json

from tsi import data
from tsi.cli import main
from tsi.errors import ScheduleFormatError

GOOD_F1 = {"SchedulingBlock": [f1_block(1000004990, scheduled=(61775.9, 61775.92)), f1_block("B2", priority=2.0)]}
GOOD_F2 = {
    "name": "night",
    "dark_periods": [{"start_mjd": 61775.8285, "end_mjd": 61776.2792}],
    "blocks": [{"original_block_id": "B-001", "priority": 3.5, "target_ra": 83.8, "target_dec": -5.4,
                "constraints": {"min_alt": 35.0, "max_alt": 90.0, "min_az": 0.0, "max_az": 360.0, "fixed_time": None},
                "min_observation": 900, "requested_duration": 1200,
                "visibility_periods": [{"start_mjd": 61775.86, "end_mjd": 61776.115}],
                "scheduled_period": {"start_mjd": 61775.9, "end_mjd": 61775.913888888889}}],
}
TC = "schedulingBlockConfiguration_.constraints_.timeConstraint_"
EL = "schedulingBlockConfiguration_.constraints_.elevationConstraint_"
AZ = "schedulingBlockConfiguration_.constraints_.azimuthConstraint_"
CEL = "target.position_.coord.celestial"


def f1_with(path: str, value, block: int = 0):
    """GOOD_F1 with one value replaced (path relative to the block; value `...` deletes the key)."""
    doc = copy.deepcopy(GOOD_F1)
    node = doc["SchedulingBlock"][block]
    keys = path.split(".")
    for k in keys[:-1]:
        node = node[k]
    if value is ...:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return doc


def f2_with(path: str, value, block: int = 0):
    doc = copy.deepcopy(GOOD_F2)
    node = doc["blocks"][block]
    keys = path.split(".")
    for k in keys[:-1]:
        node = node[k]
    if value is ...:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return doc


# (case id, schedule document or raw text, expected fragment of the first problem line)
SCHEDULE_CASES = [
    ("not_json", "{nope", "schedule.json: line 1, column"),
    ("empty_file", "", "expected valid JSON"),
    ("nan_token", '{"SchedulingBlock": [{"priority": NaN}]}', "expected valid JSON"),
    ("infinity_token", '{"blocks": [], "dark_periods": [], "x": Infinity}', "expected valid JSON"),
    ("duplicate_key", '{"SchedulingBlock": [], "SchedulingBlock": []}', "expected valid JSON"),
    ("deep_nesting", '{"SchedulingBlock": []' + ', "x": ' + "[" * 70 + "]" * 70 + "}", "expected valid JSON"),
    ("top_array", [], "(root): expected an object with a 'SchedulingBlock' array"),
    ("top_number", 5, "(root): expected"),
    ("no_known_key", {"foo": []}, "(root): expected"),
    ("ambiguous", {"SchedulingBlock": [], "blocks": []}, "(root)"),
    ("visibility_shape", {"SchedulingBlock": {"1": []}}, "visibility"),
    ("blocks_not_array", {"blocks": {}, "dark_periods": []}, "schedule.json: blocks: expected an array; got an object"),
    ("priority_string", f1_with("priority", "high"), 'SchedulingBlock[0].priority: expected a number; got "high"'),
    ("priority_missing", f1_with("priority", ...), "SchedulingBlock[0].priority: expected a required field; got missing"),
    ("priority_null", f1_with("priority", None), "SchedulingBlock[0].priority: expected a number; got null"),
    ("priority_numeric_string", f1_with("priority", "7.5"), 'expected a number; got "7.5"'),
    ("id_missing", f1_with("schedulingBlockId", ...), "SchedulingBlock[0].schedulingBlockId: expected a required field"),
    ("id_bool", f1_with("schedulingBlockId", True), "SchedulingBlock[0].schedulingBlockId: expected a string or integer; got true"),
    ("id_empty", f1_with("schedulingBlockId", "  "), "SchedulingBlock[0].schedulingBlockId"),
    ("id_fraction", f1_with("schedulingBlockId", 12.5), "SchedulingBlock[0].schedulingBlockId"),
    ("id_too_long", f1_with("schedulingBlockId", "x" * 257), "SchedulingBlock[0].schedulingBlockId"),
    ("id_duplicate", {"SchedulingBlock": [f1_block("A"), f1_block("A")]}, "a unique block id (also used by SchedulingBlock[0])"),
    ("id_duplicate_int_float", {"SchedulingBlock": [f1_block(7), f1_block(7.0)]}, "a unique block id"),
    ("ra_360", f1_with(f"{CEL}.raInDeg", 360.0), "raInDeg: expected a number in [0, 360); got 360.0"),
    ("ra_negative", f1_with(f"{CEL}.raInDeg", -1), "raInDeg: expected a number in [0, 360)"),
    ("dec_91", f1_with(f"{CEL}.decInDeg", 91), "decInDeg: expected a number in [-90, 90]; got 91"),
    ("ra_missing", f1_with(f"{CEL}.raInDeg", ...), "raInDeg: expected a required field"),
    ("target_missing", f1_with("target", ...), "SchedulingBlock[0].target"),
    ("alt_max_below_min", f1_with(f"{EL}.maxElevationAngleInDeg", 30), "maxElevationAngleInDeg: expected a value >= min (40); got 30"),
    ("az_max_below_min", f1_with(f"{AZ}.maxAzimuthAngleInDeg", -5), "maxAzimuthAngleInDeg: expected a value >= min (0); got -5"),
    ("elevation_object_missing", f1_with(EL, ...), "elevationConstraint_"),
    ("time_constraint_missing", f1_with(TC, ...), "timeConstraint_"),
    ("requested_negative", f1_with(f"{TC}.requestedDurationSec", -1), "requestedDurationSec: expected seconds in [0, 2147483647]"),
    ("requested_huge", f1_with(f"{TC}.requestedDurationSec", 3e9), "seconds in [0, 2147483647]"),
    ("min_obs_over_requested", f1_with(f"{TC}.minObservationTimeInSec", 2000), "expected a value <= requestedDurationSec (1800)"),
    ("fixed_two_elements", f1_with(f"{TC}.fixedStartTime", [61775.0, 61776.0]), "fixedStartTime: expected at most one element"),
    ("fixed_only_start", f1_with(f"{TC}.fixedStartTime", [61775.0]), "both fixedStartTime and fixedStopTime, or neither"),
    ("scheduled_stop_before_start", f1_with("scheduled_period", period_a(61775.9, 61775.8)),
     "scheduled_period.stopTime.value: expected stop after start (61775.9); got 61775.8"),
    ("scheduled_equal_times", f1_with("scheduled_period", period_a(61775.9, 61775.9)), "expected stop after start"),
    ("scheduled_mixed_shapes", f1_with("scheduled_period", {"startTime": 61775.9, "end_mjd": 61776.0}), "SchedulingBlock[0].scheduled_period"),
    ("scheduled_missing_stop", f1_with("scheduled_period", {"start_mjd": 61775.9}), "SchedulingBlock[0].scheduled_period"),
    ("scheduled_bad_scale", f1_with("scheduled_period", {"startTime": {"format": "MJD", "scale": "TAI", "value": 61775.9},
                                                          "stopTime": 61776.0}), "scale"),
    ("scheduled_bad_format", f1_with("scheduled_period", {"startTime": {"format": "JD", "value": 61775.9},
                                                           "stopTime": 61776.0}), "format"),
    ("mjd_out_of_range", f1_with("scheduled_period", {"start_mjd": 61775.9, "end_mjd": 100000.0}), "an MJD in [0, 100000)"),
    ("period_not_object", f1_with("scheduled_period", [1, 2]), "SchedulingBlock[0].scheduled_period"),
    ("f2_alt_max_below_min", f2_with("constraints.max_alt", 30), "blocks[0].constraints.max_alt: expected a value >= min (35); got 30"),
    ("f2_dark_missing", {k: v for k, v in GOOD_F2.items() if k != "dark_periods"}, "dark_periods: expected a required field"),
    ("f2_ra_string", f2_with("target_ra", "83"), 'blocks[0].target_ra: expected a number; got "83"'),
    ("f2_no_id", f2_with("original_block_id", ...), "blocks[0]"),
    ("f2_visibility_twice", dict(copy.deepcopy(GOOD_F2), possible_periods={"B-001": [{"start": 61775.9, "stop": 61776.0}]}),
     "visibility given twice"),
    ("f2_possible_no_match", dict(copy.deepcopy(GOOD_F2), visibility_periods=None,
                                  blocks=[dict(f2_with("visibility_periods", [])["blocks"][0])],
                                  possible_periods={"ZZZ": [{"start": 61775.9, "stop": 61776.0}]}),
     "keys that are block ids of the schedule file"),
    ("f2_geo_incomplete", dict(copy.deepcopy(GOOD_F2), geographic_location={"lon_deg": 1.0}), "geographic_location"),
    ("f2_min_obs_over", f2_with("min_observation", 5000), "blocks[0].min_observation: expected a value <= "),
    ("f2_fixed_reversed", f2_with("constraints.fixed_time", {"start": 61776.0, "stop": 61775.0}), "blocks[0].constraints.fixed_time"),
    ("f2_name_too_long", dict(copy.deepcopy(GOOD_F2), name="n" * 300), "a name of 1 to 256 characters"),
]


def _count_rows(db) -> int:
    (tables,) = sql_elsewhere(db, "select name from sqlite_master where type='table' "
                                  "and name not like 'sqlite_%' and name != 'tsi_schema_migrations'")
    counts = sql_elsewhere(db, *(f"select count(*) from {t}" for (t,) in tables))
    return sum(rows[0][0] for rows in counts)


@pytest.mark.parametrize("case,doc,fragment", SCHEDULE_CASES, ids=[c[0] for c in SCHEDULE_CASES])
def test_malformed_schedule_is_rejected_and_nothing_written(tsi_db, tmp_path, case, doc, fragment):
    path = write_json(tmp_path / "schedule.json", doc)
    data.list_schedules(use_cache=False)  # creates the schema
    before = _count_rows(tsi_db)
    with pytest.raises(ScheduleFormatError) as ei:
        data.ingest(path)
    e = ei.value
    assert e.errors, "the exception lists its problems"
    lines = str(e).splitlines()
    assert lines[0].startswith("schedule rejected: ")
    assert any(fragment in line for line in lines[1:]), lines
    for err in e.errors:
        assert err["file"] == "schedule.json"
        assert err["path"] and err["expected"] and err["got"] is not None
    assert _count_rows(tsi_db) == before


VIS_CASES = [
    ("vis_not_object", {"SchedulingBlock": []}, "possible.json: SchedulingBlock: expected an object mapping block ids to arrays of periods; got an array of 0"),
    ("vis_period_reversed", {"SchedulingBlock": {"1000004990": [period_a(61774.2, 61774.1)]}},
     'possible.json: SchedulingBlock["1000004990"][0].stopTime.value: expected stop after start (61774.2); got 61774.1'),
    ("vis_no_key_matches", {"SchedulingBlock": {"999": [period_a(61774.1, 61774.2)]}},
     "keys that are block ids of the schedule file"),
    ("vis_periods_not_array", {"SchedulingBlock": {"B2": {"a": 1}}}, 'SchedulingBlock["B2"]'),
]


@pytest.mark.parametrize("case,doc,fragment", VIS_CASES, ids=[c[0] for c in VIS_CASES])
def test_malformed_visibility_file(tsi_db, tmp_path, case, doc, fragment):
    s = write_json(tmp_path / "schedule.json", GOOD_F1)
    v = write_json(tmp_path / "possible.json", doc)
    with pytest.raises(ScheduleFormatError) as ei:
        data.ingest(s, v)
    assert any(fragment in line for line in str(ei.value).splitlines()), str(ei.value)
    assert data.list_schedules(use_cache=False) == []


DARK_CASES = [
    ("dark_not_array", {"dark_periods": 5}, "dark.json: dark_periods"),
    ("dark_reversed", [{"start_mjd": 2.0, "end_mjd": 1.0}], "dark.json: [0]"),
    ("dark_string", "\"x\"", "dark.json: (root)"),
]


@pytest.mark.parametrize("case,doc,fragment", DARK_CASES, ids=[c[0] for c in DARK_CASES])
def test_malformed_dark_file(tsi_db, tmp_path, case, doc, fragment):
    s = write_json(tmp_path / "schedule.json", GOOD_F1)
    d = write_json(tmp_path / "dark.json", doc)
    with pytest.raises(ScheduleFormatError) as ei:
        data.ingest(s, None, d)
    assert any(fragment in line for line in str(ei.value).splitlines()), str(ei.value)
    assert data.list_schedules(use_cache=False) == []


def test_companion_file_with_f2_is_rejected(tsi_db, tmp_path):
    s = write_json(tmp_path / "night.json", GOOD_F2)
    v = write_json(tmp_path / "vis.json", {"SchedulingBlock": {}})
    with pytest.raises(ScheduleFormatError) as ei:
        data.ingest(s, v)
    assert "vis.json: (file): expected no separate visibility file for a single-file (F2) schedule" in str(ei.value)


def test_more_than_twenty_problems_are_cut_at_twenty(tsi_db, tmp_path):
    doc = {"SchedulingBlock": [f1_block(i, priority="x") for i in range(30)]}
    with pytest.raises(ScheduleFormatError) as ei:
        data.ingest(write_json(tmp_path / "schedule.json", doc))
    assert str(ei.value).splitlines()[0] == "schedule rejected: 20+ problems, first 20 shown"
    assert len(ei.value.errors) == 20


def test_cli_exit_code_3_and_problem_lines_on_stderr(tsi_db, tmp_path, capsys):
    path = write_json(tmp_path / "night.json", f2_with("constraints.max_alt", 30))
    code = main(["ingest", str(path)])
    err = capsys.readouterr().err
    assert code == 3
    assert "night.json: blocks[0].constraints.max_alt: expected a value >= min (35); got 30" in err


def test_gzip_input_and_checksum_dedup(tsi_db, tmp_path):
    raw = json.dumps(GOOD_F2).encode()
    gz = tmp_path / "night.json.gz"
    gz.write_bytes(gzip.compress(raw))
    plain = write_json(tmp_path / "plain.json", raw.decode())
    a = data.ingest(gz)
    b = data.ingest(plain, name="other name")
    assert a["created"] is True and b["created"] is False
    assert b["schedule_id"] == a["schedule_id"] and b["name"] == a["name"] == "night"
