"""Data Source page: facts (masked), schedule table, parity check, recompute with confirmation, staleness."""

from __future__ import annotations

import json
import os

from builders import sql_elsewhere
from ui_helpers import assert_clean, open_page, start_app


def _click(dash_duo, selector: str):
    """Scroll the element to the middle of the window, then click it (the page is taller than the window)."""
    el = dash_duo.wait_for_element(selector)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", el)
    el.click()


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


def test_facts_schedule_table_and_parity(dash_duo, tsi_app, ui_env, tmp_path, monkeypatch):
    from tsi import data
    from tsi.config import get_settings, reset_settings
    from tsi.db.targets import masked_target

    source, ids = ui_env
    sid = ids["season"]
    # A configured secret that happens to occur in the database path must never reach the page.
    secret = tmp_path.name
    monkeypatch.setenv("TSI_DATABASE__MSSQL__PASSWORD", secret)
    reset_settings()
    settings = get_settings()
    target = masked_target(settings)
    assert secret not in target and "***" in target

    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/data-source?schedule={sid}", "#ds-fact-source")
    dash_duo.wait_for_text_to_equal("#ds-fact-source", source)
    dash_duo.wait_for_text_to_equal("#ds-fact-database", f"sqlite {target}")
    dash_duo.wait_for_text_to_equal("#ds-fact-cache", str(settings.CACHE.TYPE))
    dash_duo.wait_for_text_to_equal("#ds-fact-etl-version", str(data.core().build_info()["etl_version"]))
    assert "changed through settings and a restart" in dash_duo.find_element("#ds-facts").text
    dash_duo.wait_for_element("#ds-schedules .ag-row")
    table = dash_duo.find_element("#ds-schedules").text
    for name in ("season", "variant", "night"):
        assert data.schedule_header(ids[name])["name"] in table
    dash_duo.wait_for_text_to_equal("#ds-detail-state", "fresh")
    st = data.etl_status(sid)[0]
    assert f"{st['row_counts']['schedule_blocks_analytics']:,}" in dash_duo.find_element("#ds-row-counts").text

    _click(dash_duo, "#ds-parity-run")
    dash_duo.wait_for_text_to_equal("#ds-parity-badge", "8/8 flows identical", timeout=90)
    dash_duo.wait_for_element("#ds-parity-table .ag-row")
    assert "identical" in dash_duo.find_element("#ds-parity-table").text
    _click(dash_duo, "#ds-parity-download-btn:not([disabled])")
    report = json.loads(_downloaded(dash_duo, f"parity-{sid}.json"))
    assert report["ok"] is True and set(report["counts"]) == {"identical"}
    assert {r["flow"] for r in report["rows"]} == set(data.FLOW_FUNCTIONS)
    assert all(r["schedule_id"] == sid for r in report["rows"])
    assert secret not in dash_duo.driver.page_source
    assert_clean(dash_duo)


def test_recompute_fixes_stale_analytics(dash_duo, tsi_app, ui_env):
    from tsi import data
    from tsi.data import cache

    source, ids = ui_env
    sid = ids["season"]
    sql_elsewhere(os.environ["TSI_DATABASE__SQLITE_PATH"],
                  ("update analytics_schedule_summary_analytics set etl_version = 0 where schedule_id = ?", (sid,)))
    cache.reset()  # the app runs in this process: forget the cached header instead of waiting 30 s
    assert data.schedule_header(sid)["analytics_state"] == "stale"

    start_app(dash_duo, tsi_app)
    if source == "etl":
        open_page(dash_duo, f"/validation?schedule={sid}", ".tsi-error")
        dash_duo.wait_for_contains_text(
            ".tsi-error", f"Analytics for schedule {sid} are out of date (data source etl). Recompute them on the "
                          f"Data Source page or run `tsi etl backfill {sid}`.")

    open_page(dash_duo, f"/data-source?schedule={sid}", "#ds-detail-state")
    dash_duo.wait_for_text_to_equal("#ds-detail-state", "stale")
    # Cancel first: nothing happens.
    _click(dash_duo, "#ds-recompute")
    _click(dash_duo, "#ds-confirm-no")
    dash_duo.wait_for_no_elements("#ds-confirm-no", timeout=10)
    assert dash_duo.find_element("#ds-detail-state").text == "stale"
    # Then confirm.
    _click(dash_duo, "#ds-recompute")
    _click(dash_duo, "#ds-confirm-yes")
    dash_duo.wait_for_contains_text("#ds-recompute-ok", "now: fresh", timeout=30)
    dash_duo.wait_for_text_to_equal("#ds-detail-state", "fresh")
    assert data.schedule_header(sid)["analytics_state"] == "fresh"

    if source == "etl":
        open_page(dash_duo, f"/validation?schedule={sid}", "#val-card-critical")
        s = data.validation(sid)["summary"]
        assert f"{int(s['critical']):,}" in dash_duo.find_element("#val-card-critical").text
    assert_clean(dash_duo)


def test_without_schedule_and_errors(dash_duo, tsi_app, ui_env):
    source, _ids = ui_env
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, "/data-source", "#ds-fact-source")
    dash_duo.wait_for_text_to_equal("#ds-fact-source", source)
    dash_duo.wait_for_contains_text("#ds-schedule-problem", "Choose a schedule")
    open_page(dash_duo, "/data-source?schedule=abc", ".tsi-error")
    dash_duo.wait_for_contains_text(".tsi-error", "Invalid schedule id 'abc'")
    open_page(dash_duo, "/data-source?schedule=999", ".tsi-error")
    dash_duo.wait_for_contains_text(".tsi-error", "Schedule 999 does not exist (it may have been deleted).")
    assert_clean(dash_duo)


def test_the_cockpit_shows_the_phase_criteria_latency_and_a_shadow_mismatch(dash_duo, tsi_app, ui_env, tmp_path,
                                                                             monkeypatch):
    from builders import alter_analytics_priority
    from tsi import data
    from tsi.config import reset_settings
    from tsi.data import cache
    from tsi.migration import shadow

    source, ids = ui_env
    sid = ids["night"]
    monkeypatch.setenv("TSI_MIGRATION__SHADOW_RATE", "1")
    monkeypatch.setenv("TSI_MIGRATION__MIN_SHADOW", "1")
    reset_settings()
    data.reset()
    alter_analytics_priority(tmp_path / "ui.sqlite3", sid)  # behind TSI's back: the two paths now differ
    cache.reset()
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/distributions?schedule={sid}", "#dist-priority .main-svg")
    assert shadow.drain(60)
    open_page(dash_duo, f"/data-source?schedule={sid}", "#ds-cockpit")
    phase = "shadow" if source == "legacy" else "live"
    dash_duo.wait_for_text_to_equal("#ds-phase", phase)
    assert dash_duo.find_element("#ds-ready").text == "not ready"
    shadow_c = dash_duo.find_element("#ds-criterion-shadow")
    assert shadow_c.get_attribute("data-ok") == "false" and "differed or failed (distributions" in shadow_c.text
    assert dash_duo.find_element("#ds-criterion-analytics").get_attribute("data-ok") == "true"
    problems = dash_duo.find_element("#ds-shadow-problems").text
    assert "mismatch · distributions" in problems and f"tsi parity {sid} --flow distributions --params" in problems
    assert "distributions" in dash_duo.find_element("#ds-shadow-table").text
    # the latency chart: both paths measured for distributions (served, and the shadow's other path)
    dash_duo.wait_for_element("#ds-latency-graph .main-svg")
    summary = dash_duo.find_element("#ds-latency-summary").get_attribute("textContent")
    assert "distributions: etl p50" in summary and "legacy p50" in summary
    assert_clean(dash_duo)
