"""Validation page: cards match the facade payload, filters reduce the table, empty and error states."""

from __future__ import annotations

from collections import Counter

from selenium.webdriver.common.by import By

from builders import f1_block, write_f1
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


def _chip(dash_duo, label: str):
    return dash_duo.driver.find_element(
        By.XPATH, f"//div[@id='val-criticality']//label[starts-with(normalize-space(.), '{label} (')]")


def test_cards_filters_and_search(dash_duo, tsi_app, ui_env):
    from tsi import data

    _source, ids = ui_env
    sid = ids["season"]
    p = data.validation(sid)
    s, issues = p["summary"], p["issues"]
    total = len(issues["rule"])
    assert total > 0
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/validation?schedule={sid}", "#val-card-critical")
    for c in ("critical", "high", "medium", "low"):
        assert f"{int(s[c]):,}" in dash_duo.find_element(f"#val-card-{c}").text
    assert f"{int(s['blocks_with_issues']):,} of {int(s['blocks_checked']):,}" in \
        dash_duo.find_element("#val-card-blocks").text
    dash_duo.wait_for_text_to_equal("#val-showing", f"Showing {total:,} of {total:,} issues")
    dash_duo.wait_for_element("#val-issues .ag-row")

    # Criticality chips: switching off the most frequent criticality removes its rows.
    by_crit = Counter(issues["criticality"])
    crit, n_crit = by_crit.most_common(1)[0]
    _chip(dash_duo, crit).click()
    dash_duo.wait_for_text_to_equal("#val-showing", f"Showing {total - n_crit:,} of {total:,} issues", timeout=15)
    cells = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#val-issues .ag-row [col-id='criticality']")
    assert all(c.text != crit for c in cells)
    if total == n_crit:
        dash_duo.wait_for_contains_text("#val-no-match", "No issues match the filters.")
    _chip(dash_duo, crit).click()
    dash_duo.wait_for_text_to_equal("#val-showing", f"Showing {total:,} of {total:,} issues", timeout=15)

    # Text search on a rule code.
    rule = issues["rule"][0]
    n_rule = sum(1 for r in issues["rule"] if r == rule)
    box = dash_duo.find_element("#val-search")
    box.send_keys(rule)
    box.send_keys("\n")
    dash_duo.wait_for_text_to_equal("#val-showing", f"Showing {n_rule:,} of {total:,} issues", timeout=15)
    dash_duo.find_element("#val-download-btn").click()
    lines = _downloaded(dash_duo, f"validation-{sid}.csv").strip().splitlines()
    assert lines[0].startswith("original_block_id,block_id,rule,rule_name,category,criticality")
    assert len(lines) == 1 + n_rule
    assert_clean(dash_duo)


def test_empty_and_error_states(dash_duo, tsi_app, ui_env, tmp_path):
    from tsi import data

    blocks = [f1_block(1, priority=5.0), f1_block(2, priority=7.0)]
    vis = {"1": [(61771.0, 61772.0)], "2": [(61771.0, 61772.0)]}
    s, v, dk = write_f1(tmp_path / "clean", blocks, visibility=vis, dark=[(61771.0, 61771.5)])
    clean = data.ingest(s, v, dk, name="Clean")["schedule_id"]
    assert len(data.validation(clean)["issues"]["rule"]) == 0
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/validation?schedule={clean}", ".tsi-empty")
    dash_duo.wait_for_contains_text(".tsi-empty", "No issues found — 2 blocks checked.")
    assert dash_duo.find_element("#val-card-critical").text.splitlines()[1] == "0"
    open_page(dash_duo, "/validation", ".tsi-choose")
    open_page(dash_duo, "/validation?schedule=abc", ".tsi-error")
    dash_duo.wait_for_contains_text(".tsi-error", "Invalid schedule id 'abc'")
    open_page(dash_duo, "/validation?schedule=999", ".tsi-error")
    dash_duo.wait_for_contains_text(".tsi-error", "Schedule 999 does not exist (it may have been deleted).")
    assert_clean(dash_duo)
