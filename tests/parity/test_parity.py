"""Parity: every flow of the parity matrix returns identical payloads on the legacy and the ETL path, on
generated schedules and on hand-made edge cases."""

from __future__ import annotations

import pytest

from builders import f1_block, write_f1
from builders import ingest_dir

from tsi import data, parity


def _assert_parity(ids):
    report = parity.run(ids)
    bad = [r.as_dict() for r in report.rows if r.result != "identical"]
    assert not bad, bad
    flows = {r.flow for r in report.rows}
    assert flows == set(data.FLOW_FUNCTIONS), flows
    return report


def test_generated_schedules_are_identical_on_both_paths(tsi_db, generated):
    ids = [ingest_dir(generated[k])["schedule_id"] for k in ("season", "variant", "conflicts", "night")]
    report = _assert_parity(ids)
    # compare with the next older schedule was part of the matrix
    assert any(r.flow == "compare" and r.params["other_schedule_id"] != r.schedule_id for r in report.rows)


EDGE_CASES = {
    "empty": dict(blocks=[], visibility={}, dark=[]),
    "one_block": dict(blocks=[f1_block(1, scheduled=(61775.9, 61775.92))],
                      visibility={"1": [(61775.85, 61776.1)]}, dark=[(61775.83, 61776.28)]),
    "equal_priorities": dict(blocks=[f1_block(i, priority=3.0, ra=10.0 * i) for i in range(1, 8)],
                             visibility={str(i): [(61775.8 + i / 100, 61775.9 + i / 100)] for i in range(1, 8)},
                             dark=[(61775.83, 61776.28)]),
    "all_impossible": dict(blocks=[f1_block(i, priority=i) for i in range(1, 6)], visibility=None, dark=None),
    "month_spanning": dict(
        blocks=[f1_block("a", scheduled=(61801.9, 61802.1)),  # crosses 2028-01-31 → 02-01
                f1_block("b", priority=9, scheduled=(61801.95, 61802.0)),  # overlaps a
                f1_block("c", priority=1, scheduled=(61802.0, 61802.05))],  # touches b
        visibility={"a": [(61801.8, 61802.2), (61801.85, 61801.9), (61802.1, 61802.3)],
                    "b": [(61801.9, 61802.05)], "c": [(61801.99, 61802.2)], "unknown": [(61801.0, 61801.1)]},
        dark=[(61801.83, 61802.28), (61802.83, 61803.28)]),
    "fixed_windows_and_duplicate_targets": dict(
        blocks=[f1_block(10, ra=50.0, dec=-10.0, fixed=(61775.0, 61776.0), scheduled=(61775.5, 61775.52)),
                f1_block(11, ra=50.0, dec=-10.0, fixed=(61775.0, 61776.0)),
                f1_block(12, ra=50.0, dec=-10.0, priority=7.5, min_alt=60, max_alt=62)],
        visibility={"10": [(61775.4, 61775.6)], "11": [(61775.45, 61775.5), (61775.46, 61775.47)]},
        dark=[(61775.3, 61775.7)]),
}


@pytest.mark.parametrize("case", sorted(EDGE_CASES))
def test_edge_case_schedules_are_identical_on_both_paths(tsi_db, tmp_path, case):
    spec = EDGE_CASES[case]
    s, v, d = write_f1(tmp_path / case, spec["blocks"], spec["visibility"], spec["dark"])
    r = data.ingest(s, v, d, name=case)
    assert r["created"] is True
    assert r["blocks"] == len(spec["blocks"])
    _assert_parity([r["schedule_id"]])


def test_sentinel_schedule_is_identical_and_unscheduled(tsi_db, tmp_path):
    blocks = [f1_block(1, scheduled=(51910.5, 51910.52)), f1_block(2, priority=8, scheduled=(61775.9, 61775.92))]
    s, v, d = write_f1(tmp_path / "sentinel", blocks, {"1": [(61775.85, 61776.1)], "2": [(61775.85, 61776.1)]},
                       [(61775.83, 61776.28)])
    r = data.ingest(s, v, d)
    assert r["scheduled"] == 1
    _assert_parity([r["schedule_id"]])
    tl = data.timeline(r["schedule_id"], source="etl")
    assert list(tl["blocks"]["original_block_id"]) == ["2"]


def test_first_difference_reports_the_path():
    import numpy as np

    a = {"histogram": {"count": np.array([1, 2, 3])}, "x": 1.0}
    b = {"histogram": {"count": np.array([1, 2, 4])}, "x": 1.0}
    assert parity.first_difference(a, b) == ("histogram.count[2]", 3, 4)
    nan = {"v": np.array([np.nan, 1.0])}
    assert parity.first_difference(nan, {"v": np.array([np.nan, 1.0])}) is None
    assert parity.first_difference({"a": 1}, {"a": 1, "b": 2})[0] == "(root)"
    # lists: text compared at once, other items one by one (types and NaN rules kept)
    assert parity.first_difference({"ids": ["a", "b"]}, {"ids": ["a", "b"]}) is None
    assert parity.first_difference({"ids": ["a", "b"]}, {"ids": ["a", "c"]}) == ("ids[1]", "b", "c")
    assert parity.first_difference([1, 2.0], [1, 2]) == ("[1]", 2.0, 2)
    assert parity.first_difference([float("nan")], [float("nan")]) is None
