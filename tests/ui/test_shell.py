"""The shell: navigation keeps `?schedule=`, the selector changes it, everything is served locally."""

from __future__ import annotations

from ui_helpers import assert_clean, open_page, start_app


def test_navigation_keeps_the_schedule_and_nothing_leaves_the_machine(dash_duo, tsi_app, ui_env):
    _source, ids = ui_env
    sid = ids["season"]
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/?schedule={sid}", "#nav-sky-map")
    dash_duo.wait_for_element(f"#nav-sky-map[href='/sky-map?schedule={sid}']", timeout=10)
    dash_duo.find_element("#nav-sky-map").click()
    dash_duo.wait_for_contains_text("body", "Sky Map", timeout=10)
    assert f"schedule={sid}" in dash_duo.driver.current_url
    assert_clean(dash_duo)
