"""Timeline page: one bar trace per role drawn, metrics from the facade, table filters, empty and error states."""

from __future__ import annotations

from selenium.webdriver.common.keys import Keys

from builders import f1_block, write_f1
from ui_helpers import assert_clean, open_page, start_app


def _type(dash_duo, selector: str, value: str):
    el = dash_duo.find_element(selector)
    el.send_keys(Keys.CONTROL, "a")
    el.send_keys(Keys.DELETE)
    el.send_keys(value)
    el.send_keys(Keys.ENTER)


def test_timeline_metrics_and_table_filters(dash_duo, tsi_app, ui_env):
    from tsi import data

    _source, ids = ui_env
    sid = ids["season"]
    p = data.timeline(sid)
    s = p["summary"]
    n = s["scheduled_count"]
    assert n > 0
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/timeline?schedule={sid}", "#tl-graph .main-svg")
    dash_duo.wait_for_element("#tl-graph .bars .point", timeout=20)
    dash_duo.wait_for_contains_text("#tl-metric-scheduled", f"{n:,} of {s['total_blocks']:,}", timeout=10)
    dash_duo.wait_for_contains_text("#tl-metric-months", str(len(p["months"])))
    dash_duo.wait_for_contains_text("#tl-metric-hours", f"{s['scheduled_hours_total']:,.1f} h")
    dash_duo.wait_for_contains_text("#tl-dark-count", f"{s['dark_period_count']:,}")
    # legend: the blocks trace plus the night and day bands
    legend = dash_duo.find_element("#tl-graph .legend").text
    assert "Night" in legend and "Day" in legend
    dash_duo.wait_for_contains_text("#tl-showing", f"Showing {n:,} of {n:,}")
    dash_duo.wait_for_element("#tl-table .ag-row", timeout=20)

    # id search: an original id of a scheduled block, matched as a substring
    oid = p["blocks"]["original_block_id"][0]
    expected = sum(oid in b for b in p["blocks"]["original_block_id"])
    _type(dash_duo, "#tl-search", oid)
    dash_duo.wait_for_contains_text("#tl-showing", f"Showing {expected:,} of {n:,}", timeout=15)
    dash_duo.wait_for_contains_text("#tl-table", oid, timeout=10)

    # minimum priority (with the search cleared)
    _type(dash_duo, "#tl-search", "")
    dash_duo.wait_for_contains_text("#tl-showing", f"Showing {n:,} of {n:,}", timeout=15)
    threshold = float(sorted(p["blocks"]["priority"])[n // 2])
    expected = int((p["blocks"]["priority"] >= threshold).sum())
    _type(dash_duo, "#tl-min-priority", str(threshold))
    dash_duo.wait_for_contains_text("#tl-showing", f"Showing {expected:,} of {n:,}", timeout=15)
    dash_duo.driver.save_screenshot("/tmp/timeline.png")
    assert_clean(dash_duo)


def test_nothing_scheduled_still_shows_dark_periods(dash_duo, tsi_app, ui_env, tmp_path):
    from tsi import data

    s, _v, d = write_f1(tmp_path / "unsched", [f1_block(1), f1_block(2, priority=8.0)],
                        visibility={"1": [(61771.1, 61771.2)]}, dark=[(61771.0, 61771.3), (61772.0, 61772.25)])
    sid = data.ingest(s, tmp_path / "unsched" / "schedule_possible_periods.json", d, name="Nothing scheduled")[
        "schedule_id"]
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/timeline?schedule={sid}", ".tsi-empty")
    dash_duo.wait_for_contains_text(".tsi-empty", "No block of this schedule is scheduled.")
    dash_duo.wait_for_contains_text("#tl-dark-count", "2")
    dash_duo.wait_for_contains_text("#tl-dark-hours", f"{data.timeline(sid)['summary']['dark_hours']:,.1f} h")
    assert_clean(dash_duo)


def test_error_states(dash_duo, tsi_app, ui_env):
    start_app(dash_duo, tsi_app)
    for query, text in [("?schedule=999", "Schedule 999 does not exist (it may have been deleted)."),
                        ("", "Choose a schedule"),
                        ("?schedule=abc", "Invalid schedule id 'abc'")]:
        open_page(dash_duo, f"/timeline{query}", "h1")
        dash_duo.wait_for_contains_text("#_pages_content", text, timeout=10)
    assert_clean(dash_duo)
