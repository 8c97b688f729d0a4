"""Insights reports: contents, the 100-conflict cut, escaping, no external assets."""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone

import numpy as np

from tsi.analysis.report import MAX_CONFLICTS, html_report, markdown_report, report_filename

WHEN = datetime(2026, 3, 4, 5, 6, tzinfo=timezone.utc)


def payload(n_conflicts=150, conflict_count=None):
    top = {
        "block_id": np.array([7, 3]), "original_block_id": ["orig-7", "orig-3"],
        "priority": np.array([9.5, 8.0]), "total_visibility_hours": np.array([12.0, math.nan]),
        "requested_hours": np.array([1.0, 0.5]), "scheduled": np.array([True, False]),
    }
    k = np.arange(n_conflicts)
    return {
        "metrics": {
            "schedule_total": 300, "impossible_count": 30, "included": 300, "scheduled_count": 200,
            "unscheduled_count": 100, "scheduling_rate": 2 / 3, "priority_mean": 5.0, "priority_median": 5.0,
            "priority_std": 2.0, "priority_scheduled_mean": 6.0, "priority_scheduled_median": 6.0,
            "priority_unscheduled_mean": 4.0, "priority_unscheduled_median": 4.0,
            "visibility_total_hours": 1234.5, "visibility_mean_hours": 4.1, "requested_total_hours": 300.0,
            "requested_mean_hours": 1.0, "scheduled_total_hours": 200.0,
            "conflict_count": n_conflicts if conflict_count is None else conflict_count,
        },
        "correlations": {
            "variable_1": ["priority", "priority", "priority", "visibility", "visibility", "requested"],
            "variable_2": ["visibility", "requested", "elevation", "requested", "elevation", "elevation"],
            "rho": np.array([0.55, 0.1, math.nan, -0.2, 0.3, 0.0]),
        },
        "top_priority": top,
        "top_visibility": top,
        "conflicts": {
            "block_id_1": 1000 + k, "original_block_id_1": [f"a{i}" for i in k],
            "start_1_mjd": np.full(n_conflicts, 61000.0), "stop_1_mjd": np.full(n_conflicts, 61000.5),
            "block_id_2": 5000 + k, "original_block_id_2": [f"b{i}" for i in k],
            "start_2_mjd": np.full(n_conflicts, 61000.25), "stop_2_mjd": np.full(n_conflicts, 61000.75),
            "overlap_hours": np.full(n_conflicts, 6.0),
        },
        "conflicts_truncated": False,
    }


HEADER = {"schedule_id": 42, "name": "Season A"}


def test_markdown_contains_every_section():
    md = markdown_report(HEADER, payload(), source="etl", generated_at=WHEN)
    for text in ("Season A", "(id 42)", "Data source: etl", "Generated: 2026-03-04 05:06 UTC",
                 "## Metrics", "Scheduling rate | 66.7%", "## Insights", "200 of 300 blocks are scheduled",
                 "moderate and positive", "## Correlations", "n/a", "## Top blocks by priority",
                 "## Top blocks by visibility", "orig-7", "## Scheduling conflicts"):
        assert text in md or text.replace("_", "\\_") in md, text
    # MJD 61000 = 2025-11-21; times are rendered as UTC text
    assert "2025-11-21 00:00" in md and "2025-11-21 12:00" in md


def test_markdown_cuts_conflicts_at_100():
    md = markdown_report(HEADER, payload(n_conflicts=150), source="legacy", generated_at=WHEN)
    rows = [line for line in md.splitlines() if re.match(r"\| 1,?\d{3} \|", line)]
    assert len(rows) == MAX_CONFLICTS
    assert "| 1,099 |" in md and "| 1,100 |" not in md
    assert "150 scheduling conflicts; the first 100 are listed." in md


def test_html_cuts_conflicts_at_100_and_reports_total():
    doc = html_report(HEADER, payload(n_conflicts=150), source="legacy", generated_at=WHEN)
    assert doc.count("<td>a") == MAX_CONFLICTS
    assert "<td>a99</td>" in doc and "<td>a100</td>" not in doc
    assert "150 scheduling conflicts; the first 100 are listed." in doc


def test_few_conflicts_all_listed_and_none_message():
    doc = html_report(HEADER, payload(n_conflicts=3), source="legacy", generated_at=WHEN)
    assert doc.count("<td>a") == 3
    md = markdown_report(HEADER, payload(n_conflicts=0), source="legacy", generated_at=WHEN)
    assert "No scheduling conflicts." in md


def test_html_escapes_names_and_is_self_contained():
    header = {"schedule_id": 9, "name": "<script>alert('x')</script> & co"}
    p = payload(n_conflicts=2)
    p["top_priority"] = dict(p["top_priority"], original_block_id=["<b>bold</b>", "ok"])
    doc = html_report(header, p, source="legacy", exclude_impossible=True, generated_at=WHEN)
    assert "<script>" not in doc
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in doc
    assert "<b>bold</b>" not in doc and "&lt;b&gt;bold&lt;/b&gt;" in doc
    assert doc.startswith("<!DOCTYPE html>") and "<style>" in doc
    assert not re.search(r"""(src|href)\s*=|@import|url\(|https?://""", doc)
    assert "Impossible blocks: excluded" in doc
    assert "Data source: legacy" in doc and "2026-03-04 05:06 UTC" in doc


def test_markdown_neutralises_markup_in_names():
    md = markdown_report({"schedule_id": 9, "name": "<script>x|y</script>"}, payload(n_conflicts=0),
                         source="legacy", generated_at=WHEN)
    assert "<script>" not in md
    assert "\\<script\\>x\\|y" in md


def test_filename():
    assert report_filename(HEADER, "md") == "tsi-insights-schedule-42.md"
