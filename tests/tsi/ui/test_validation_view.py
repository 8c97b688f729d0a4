"""Validation view helpers: filters on the issues table, rule names, texts."""

from __future__ import annotations

import numpy as np

from tsi.ui.validation_view import (blocks_with_issues_text, empty_text, filter_mask, rule_label, showing_text,
                                    view_table)


def _issues():
    return {
        "block_id": np.array([-1, 3, 3, 7]),
        "original_block_id": ["", "A3", "A3", "B7"],
        "rule": ["S02", "V01", "V13", "V06"],
        "category": ["schedule", "visibility", "constraint", "scheduled_period"],
        "criticality": ["Low", "Critical", "Low", "High"],
        "field": ["dark_periods", "total_visibility_hours", "elevation_range", "scheduled_period"],
        "value": ["0", "0.00 h", "3.0°", "conflict"],
        "expected": ["> 0", "> 0 h", ">= 5°", "no overlap"],
        "message": ["No dark periods.", "Impossible block.", "Narrow elevation range.", "Overlaps 1 block (A3)."],
    }


def test_criticality_category_and_text_filters():
    i = _issues()
    assert filter_mask(i).tolist() == [True] * 4
    assert filter_mask(i, ["Low"]).tolist() == [True, False, True, False]
    assert filter_mask(i, []).sum() == 0
    assert filter_mask(i, None, "constraint").tolist() == [False, False, True, False]
    assert filter_mask(i, ["Low", "High"], "constraint").tolist() == [False, False, True, False]
    assert filter_mask(i, None, None, "a3").tolist() == [False, True, True, True]  # id and message
    assert filter_mask(i, None, None, "narrow_elevation").tolist() == [False, False, True, False]  # rule name
    assert filter_mask(i, None, None, "  ").sum() == 4


def test_view_table_adds_rule_names_and_marks_schedule_level_issues():
    i = _issues()
    v = view_table(i, filter_mask(i, ["Low"]))
    assert v["original_block_id"] == ["(schedule)", "A3"]
    assert v["rule_label"] == ["S02 no_dark_periods", "V13 narrow_elevation"]
    assert v["block_id"].tolist() == [-1, 3]
    assert len(view_table(i)["rule"]) == 4
    assert rule_label("X99") == "X99"


def test_texts():
    s = {"blocks_checked": 2000, "blocks_with_issues": 330}
    assert blocks_with_issues_text(s) == "330 of 2,000"
    assert empty_text(s) == "No issues found — 2,000 blocks checked."
    assert showing_text(7, 1330) == "Showing 7 of 1,330 issues"
