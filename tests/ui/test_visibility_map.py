"""Visibility Map page: histogram and calendar drawn, metrics from the facade, bins control, empty/error states."""

from __future__ import annotations

from selenium.webdriver.common.keys import Keys

from builders import f1_block, write_f1
from ui_helpers import assert_clean, open_page, start_app

from tsi.ui.visibility_map_controls import bins_text


def _set_input(dash_duo, selector: str, value: str):
    el = dash_duo.find_element(selector)
    el.send_keys(Keys.CONTROL, "a")
    el.send_keys(Keys.DELETE)
    el.send_keys(value)
    el.send_keys(Keys.TAB)  # commit on blur (debounced inputs and the slider's number boxes)


def test_histogram_calendar_metrics_and_bins(dash_duo, tsi_app, ui_env):
    from tsi import data

    _source, ids = ui_env
    sid = ids["season"]
    payload = data.visibility_map(sid)
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/visibility-map?schedule={sid}", "#vis-histogram .main-svg")
    dash_duo.wait_for_element("#vis-calendar .main-svg", timeout=20)
    s = payload["summary"]
    dash_duo.wait_for_contains_text("#vis-metric-total", f"{s['total_blocks']:,}", timeout=10)
    dash_duo.wait_for_contains_text("#vis-metric-with-visibility", f"{s['selected_with_visibility']:,}")
    dash_duo.wait_for_contains_text("#vis-metric-peak", f"{s['max_count']:,}")
    assert bins_text(payload["range"]).startswith("50 bins of ")
    dash_duo.wait_for_contains_text("#vis-metric-bins", bins_text(payload["range"]))
    # one bar per bin, drawn by the histogram trace
    assert len(dash_duo.find_elements("#vis-histogram .bars .point")) >= len(payload["histogram"]["count"])

    _set_input(dash_duo, "#vis-n-bins", "20")
    expected = bins_text(data.visibility_map(sid, n_bins=20)["range"])
    assert expected.startswith("20 bins of ")
    dash_duo.wait_for_contains_text("#vis-metric-bins", expected, timeout=15)

    # block filter: search an id beyond the first options (served by the search callback) and select it
    oid = payload["blocks"]["original_block_id"][-1]
    dash_duo.find_element("#vis-blocks").click()
    search = dash_duo.wait_for_element(".dash-dropdown-search", timeout=10)
    search.send_keys(oid)
    dash_duo.wait_for_element(f".dash-dropdown-option input[value='{oid}']", timeout=10).click()
    search.send_keys(Keys.ESCAPE)
    one = data.visibility_map(sid, n_bins=20, block_ids=[oid])["summary"]
    dash_duo.wait_for_text_to_equal("#vis-metric-selected .fs-4", "1", timeout=15)
    dash_duo.wait_for_text_to_equal("#vis-metric-peak .fs-4", f"{one['max_count']:,}", timeout=15)

    # calendar metric switch redraws the calendar with the block-hours colour bar
    dash_duo.find_element("label[for='_dbcprivate_radioitems_vis-calendar-metric_input_visible_block_hours']").click()
    dash_duo.wait_for_contains_text("#vis-calendar", "Block-hours", timeout=15)
    dash_duo.driver.save_screenshot("/tmp/visibility_map.png")
    assert_clean(dash_duo)


def test_filters_and_bin_errors(dash_duo, tsi_app, ui_env):
    from tsi import data

    _source, ids = ui_env
    sid = ids["season"]
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/visibility-map?schedule={sid}", "#vis-histogram .main-svg")

    # too many bins for the page control
    _set_input(dash_duo, "#vis-n-bins", "5000")
    dash_duo.wait_for_contains_text("#vis-message", "Number of bins must be a whole number from 1 to 1,000",
                                    timeout=15)
    _set_input(dash_duo, "#vis-n-bins", "50")
    dash_duo.wait_for_contains_text("#vis-metric-bins", "50 bins of ", timeout=15)

    # fixed width so small that the core refuses the number of bins
    dash_duo.find_element("label[for='_dbcprivate_radioitems_vis-bin-mode_input_width']").click()
    dash_duo.wait_for_element("#vis-width", timeout=10)
    _set_input(dash_duo, "#vis-width", "0.001")
    dash_duo.wait_for_contains_text("#vis-message", "choose a wider bin or a shorter range", timeout=15)
    _set_input(dash_duo, "#vis-width", "6")
    w = data.visibility_map(sid, bin_seconds=6 * 3600)["range"]
    dash_duo.wait_for_contains_text("#vis-metric-bins", bins_text(w), timeout=15)

    # a time range whose start is after its end
    _set_input(dash_duo, "#vis-start", "2100-01-01 00:00")
    dash_duo.wait_for_contains_text("#vis-message", "The start of the time range must be before its end",
                                    timeout=15)
    assert_clean(dash_duo)


def test_priority_filter_selecting_nothing(dash_duo, tsi_app, ui_env):
    from tsi import data

    _source, ids = ui_env
    sid = ids["season"]
    # a one-value priority range that no block has
    empty = next(a for a in (3.3, 2.7, 7.1, 8.3, 1.1)
                 if data.visibility_map(sid, priority_min=a, priority_max=a)["summary"]["selected_blocks"] == 0)
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/visibility-map?schedule={sid}", "#vis-histogram .main-svg")
    _set_input(dash_duo, "#vis-priority .dash-range-slider-min-input", str(empty))
    _set_input(dash_duo, "#vis-priority .dash-range-slider-max-input", str(empty))
    dash_duo.wait_for_contains_text("#vis-message", "No blocks match the filters.", timeout=15)
    dash_duo.wait_for_text_to_equal("#vis-metric-selected .fs-4", "0")
    assert_clean(dash_duo)


def test_schedule_without_visibility(dash_duo, tsi_app, ui_env, tmp_path):
    from tsi import data

    s, _v, _d = write_f1(tmp_path / "novis", [f1_block(1), f1_block(2, priority=8.0)])
    sid = data.ingest(s, name="No visibility")["schedule_id"]
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/visibility-map?schedule={sid}", ".tsi-empty")
    dash_duo.wait_for_contains_text(
        ".tsi-empty", "This schedule has no visibility periods (upload a visibility file with it).")
    assert_clean(dash_duo)


def test_error_states(dash_duo, tsi_app, ui_env):
    start_app(dash_duo, tsi_app)
    for query, text in [("?schedule=999", "Schedule 999 does not exist (it may have been deleted)."),
                        ("", "Choose a schedule"),
                        ("?schedule=abc", "Invalid schedule id 'abc'")]:
        open_page(dash_duo, f"/visibility-map{query}", "h1")
        dash_duo.wait_for_contains_text("#_pages_content", text, timeout=10)
    assert_clean(dash_duo)
