"""Sky Map page in the browser, under both data sources: plot, subset summary, filters, projection, errors."""

from __future__ import annotations

from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from builders import f1_block, write_f1
from ui_helpers import assert_clean, open_page, start_app


def click_label(dash_duo, container: str, text: str) -> None:
    for label in dash_duo.find_elements(f"{container} label"):
        if label.text.strip() == text:
            label.click()
            return
    raise AssertionError(f"no option {text!r} in {container}")


def type_into(dash_duo, selector: str, text: str) -> None:
    el = dash_duo.find_element(selector)
    dash_duo.clear_input(el)
    el.send_keys(text + Keys.ENTER)


def test_sky_map_draws_filters_and_switches_projection(dash_duo, tsi_app, ui_env):
    from tsi import data

    _source, ids = ui_env
    sid = ids["season"]
    stats = data.sky_map(sid)["stats"]
    total, scheduled = stats["total_count"], stats["scheduled_count"]
    assert 0 < scheduled < total
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/sky-map?schedule={sid}", "#sky-graph .main-svg")
    dash_duo.wait_for_element("#sky-graph .gl-container canvas", timeout=10)
    dash_duo.wait_for_text_to_equal("#sky-metric-0 .fs-4", f"{total:,} of {total:,}", timeout=10)
    assert dash_duo.find_element("#sky-projection").get_attribute("value") == "mollweide"
    assert len(dash_duo.find_elements("#sky-graph .legendtext")) >= 2  # colour groups in the legend
    # WebGL at the screen's pixel ratio (1 in headless Chromium), not Plotly's default of 2; the rest of the
    # graph config kept
    ctx = dash_duo.driver.execute_script(
        "const c = document.querySelector('#sky-graph .js-plotly-plot')._context;"
        "return [c.plotGlPixelRatio, window.devicePixelRatio, c.displaylogo, c.scrollZoom];")
    assert ctx == [ctx[1], ctx[1], False, True]
    # overlay lines in SVG under the WebGL points
    assert dash_duo.find_elements("#sky-graph .scatterlayer .trace path.js-line")

    click_label(dash_duo, "#sky-status", "Scheduled")
    dash_duo.wait_for_text_to_equal("#sky-metric-0 .fs-4", f"{scheduled:,} of {total:,}", timeout=10)
    dash_duo.wait_for_text_to_equal("#sky-metric-1 .fs-4", "100.0 %", timeout=10)

    # projection → a new facade call: cartesian shows labelled axes
    assert not dash_duo.find_elements("#sky-graph .xtitle")
    Select(dash_duo.find_element("#sky-projection")).select_by_value("cartesian")
    dash_duo.wait_for_text_to_equal("#sky-graph .xtitle", "RA (deg)", timeout=10)
    dash_duo.wait_for_text_to_equal("#sky-graph .ytitle", "Dec (deg)", timeout=10)
    dash_duo.wait_for_text_to_equal("#sky-metric-0 .fs-4", f"{scheduled:,} of {total:,}", timeout=10)

    click_label(dash_duo, "#sky-color-by", "Status")
    dash_duo.wait_for_text_to_equal("#sky-graph .legend .traces:last-child .legendtext", "Scheduled", timeout=10)

    dash_duo.find_element("#sky-reset").click()
    dash_duo.wait_for_text_to_equal("#sky-metric-0 .fs-4", f"{total:,} of {total:,}", timeout=10)
    assert_clean(dash_duo)


def test_sky_map_window_keeps_unscheduled_and_empty_state_resets(dash_duo, tsi_app, ui_env):
    from tsi import data

    _source, ids = ui_env
    sid = ids["night"]
    stats = data.sky_map(sid)["stats"]
    total, scheduled = stats["total_count"], stats["scheduled_count"]
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/sky-map?schedule={sid}", "#sky-graph .main-svg")
    dash_duo.wait_for_text_to_equal("#sky-metric-0 .fs-4", f"{total:,} of {total:,}", timeout=10)

    # a window in which nothing starts removes only the scheduled blocks
    type_into(dash_duo, "#sky-window-from", "2000-01-01 00:00")
    type_into(dash_duo, "#sky-window-to", "2000-01-02 00:00")
    dash_duo.wait_for_text_to_equal("#sky-metric-0 .fs-4", f"{total - scheduled:,} of {total:,}", timeout=10)

    # … and with status Scheduled nothing is left
    click_label(dash_duo, "#sky-status", "Scheduled")
    dash_duo.wait_for_contains_text("#sky-empty", "No blocks match the filters.", timeout=10)
    assert not dash_duo.find_element("#sky-graph-wrap").is_displayed()
    dash_duo.find_element("#sky-reset-link").click()
    dash_duo.wait_for_text_to_equal("#sky-metric-0 .fs-4", f"{total:,} of {total:,}", timeout=10)
    dash_duo.wait_for_element("#sky-graph .main-svg", timeout=10)
    assert dash_duo.find_element("#sky-graph-wrap").is_displayed()

    type_into(dash_duo, "#sky-window-from", "not a time")
    dash_duo.wait_for_element("#sky-window-from.is-invalid", timeout=10)
    assert_clean(dash_duo)


def test_sky_map_messages(dash_duo, tsi_app, ui_env, tmp_path):
    from tsi import data

    s, v, dk = write_f1(tmp_path / "unscheduled", [f1_block(1, priority=2.0), f1_block(2, priority=7.0)],
                        visibility={"1": [], "2": []}, dark=[(61771.0, 61771.3)])
    unscheduled = data.ingest(s, v, dk, name="nothing scheduled")["schedule_id"]
    s, v, dk = write_f1(tmp_path / "empty", [], visibility={}, dark=[(61771.0, 61771.3)])
    empty = data.ingest(s, v, dk, name="no blocks")["schedule_id"]
    start_app(dash_duo, tsi_app)

    open_page(dash_duo, "/sky-map?schedule=999", ".tsi-error")
    dash_duo.wait_for_contains_text(".tsi-error", "Schedule 999 does not exist (it may have been deleted).")
    open_page(dash_duo, "/sky-map", ".tsi-choose")
    dash_duo.wait_for_contains_text(".tsi-choose", "Choose a schedule")
    open_page(dash_duo, "/sky-map?schedule=abc", ".tsi-error")
    dash_duo.wait_for_contains_text(".tsi-error", "Invalid schedule id 'abc'")
    open_page(dash_duo, f"/sky-map?schedule={empty}", ".tsi-empty")
    dash_duo.wait_for_contains_text(".tsi-empty", "This schedule has no blocks.")
    open_page(dash_duo, f"/sky-map?schedule={unscheduled}", "#sky-graph .main-svg")
    dash_duo.wait_for_contains_text("#sky-window-note", "Nothing is scheduled")
    assert dash_duo.find_element("#sky-window-from").get_attribute("disabled") is not None
    dash_duo.wait_for_text_to_equal("#sky-metric-0 .fs-4", "2 of 2", timeout=10)
    assert_clean(dash_duo)
