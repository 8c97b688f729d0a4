"""Compare page: summary numbers from the facade, the `with` selector and swap in the URL, empty and error states."""

from __future__ import annotations

from ui_helpers import assert_clean, open_page, start_app


def _downloaded(dash_duo, name: str, timeout: float = 20.0) -> str:
    """The text of a file the browser downloaded (dash_duo downloads into its own temporary directory)."""
    import time
    from pathlib import Path

    path = Path(dash_duo.download_path) / name
    end = time.time() + timeout
    while time.time() < end:
        if path.exists() and path.stat().st_size > 0:
            return path.read_text()
        time.sleep(0.2)
    raise AssertionError(f"{name} was not downloaded")


def _pct(a, b) -> str:
    return f"{(b - a) / abs(a) * 100:+.1f} %"


def test_summary_swap_and_download(dash_duo, tsi_app, ui_env):
    from tsi import data

    _source, ids = ui_env
    a, b = ids["season"], ids["variant"]
    p = data.compare(a, other_schedule_id=b)
    cs, os_ = p["current_stats"], p["comparison_stats"]
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/compare?schedule={a}&with={b}", "#cmp-summary")
    dash_duo.wait_for_element("#cmp-priority-hist .main-svg", timeout=20)
    dash_duo.wait_for_element("#cmp-status-bars .main-svg")
    dash_duo.wait_for_element("#cmp-durations .main-svg")

    row = dash_duo.find_element("#cmp-row-scheduled_count").text
    assert f"{cs['scheduled_count']:,}" in row and f"{os_['scheduled_count']:,}" in row
    assert _pct(cs["scheduled_count"], os_["scheduled_count"]) in row
    cell = dash_duo.find_element("#cmp-row-scheduled_count td:last-child")
    if os_["scheduled_count"] > cs["scheduled_count"]:
        assert "text-success" in cell.get_attribute("class")
    elif os_["scheduled_count"] < cs["scheduled_count"]:
        assert "text-danger" in cell.get_attribute("class")
    gaps = dash_duo.find_element("#cmp-row-gap_count td:last-child")
    if os_["gap_count"] < cs["gap_count"]:
        assert "text-success" in gaps.get_attribute("class")
    elif os_["gap_count"] > cs["gap_count"]:
        assert "text-danger" in gaps.get_attribute("class")
    s = p["summary"]
    dash_duo.wait_for_text_to_equal("#cmp-newly-scheduled-count", f"Newly scheduled: {s['newly_scheduled']:,}")
    dash_duo.wait_for_text_to_equal("#cmp-newly-unscheduled-count",
                                    f"Newly unscheduled: {s['newly_unscheduled']:,}")
    if s["only_current_count"] or s["only_comparison_count"]:
        assert f"{s['common_count']:,} in both" in dash_duo.find_element("#cmp-notice-text").text
    if s["newly_scheduled"] or s["newly_unscheduled"]:
        dash_duo.wait_for_element("#cmp-changed-hist .main-svg")

    dash_duo.find_element("#cmp-download-btn").click()
    csv_text = _downloaded(dash_duo, f"changes-{a}-vs-{b}.csv")
    lines = csv_text.strip().splitlines()
    assert lines[0] == "original_block_id,change,priority_current,priority_comparison"
    assert len(lines) == 1 + len(p["changes"]["change"])

    # Swap: the URL exchanges schedule and with, the page shows the other schedule as current.
    dash_duo.find_element("#cmp-swap").click()
    dash_duo.wait_for_contains_text("#cmp-current-name", f"(id {b})", timeout=20)
    dash_duo.wait_for_contains_text("#cmp-comparison-name", f"(id {a})")
    assert f"schedule={b}" in dash_duo.driver.current_url and f"with={a}" in dash_duo.driver.current_url
    row = dash_duo.wait_for_element("#cmp-row-scheduled_count").text
    assert _pct(os_["scheduled_count"], cs["scheduled_count"]) in row
    assert_clean(dash_duo)


def test_choose_a_schedule_then_select_one(dash_duo, tsi_app, ui_env):
    from tsi import data

    _source, ids = ui_env
    a, n = ids["season"], ids["night"]
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/compare?schedule={a}", "#cmp-with")
    dash_duo.wait_for_contains_text("#cmp-body", "Choose a schedule to compare with.")
    night_name = data.schedule_header(n)["name"]
    dash_duo.select_dcc_dropdown("#cmp-with", value=f"{night_name} ({n})")
    dash_duo.wait_for_contains_text("#cmp-comparison-name", f"(id {n})", timeout=20)
    assert f"with={n}" in dash_duo.driver.current_url and f"schedule={a}" in dash_duo.driver.current_url
    p = data.compare(a, other_schedule_id=n)
    if p["summary"]["common_count"] == 0:
        dash_duo.wait_for_contains_text("#cmp-notice-text", "The schedules share no block ids; nothing to compare.")
    dash_duo.wait_for_element("#cmp-status-bars .main-svg")
    assert_clean(dash_duo)


def test_error_states(dash_duo, tsi_app, ui_env):
    _source, ids = ui_env
    a = ids["season"]
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, "/compare", ".tsi-choose")
    dash_duo.wait_for_contains_text(".tsi-choose", "Choose a schedule")
    open_page(dash_duo, "/compare?schedule=abc", ".tsi-error")
    dash_duo.wait_for_contains_text(".tsi-error", "Invalid schedule id 'abc'")
    open_page(dash_duo, "/compare?schedule=999", ".tsi-error")
    dash_duo.wait_for_contains_text(".tsi-error", "Schedule 999 does not exist (it may have been deleted).")
    open_page(dash_duo, f"/compare?schedule={a}&with=999", ".tsi-error")
    dash_duo.wait_for_contains_text(".tsi-error", "Schedule 999 does not exist (it may have been deleted).")
    assert_clean(dash_duo)
