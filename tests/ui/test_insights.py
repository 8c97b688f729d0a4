"""Insights page: metrics from the facade, the exclude-impossible switch, heatmap, tables, reports, errors."""

from __future__ import annotations

import os
import time

from ui_helpers import assert_clean, open_page, start_app


def wait_for_file(folder: str, suffix: str, timeout: float = 15.0) -> str:
    end = time.time() + timeout
    while time.time() < end:
        done = [f for f in os.listdir(folder) if f.endswith(suffix)]
        if done:
            path = os.path.join(folder, done[0])
            time.sleep(0.2)
            with open(path, encoding="utf-8") as fh:
                return fh.read()
        time.sleep(0.2)
    raise AssertionError(f"no *{suffix} downloaded into {folder}: {os.listdir(folder)}")


def test_insights_page(dash_duo, tsi_app, ui_env):
    from tsi import data
    from tsi.analysis.insights_text import insight_texts

    source, ids = ui_env
    sid = ids["season"]
    full = data.insights(sid)
    excl = data.insights(sid, exclude_impossible=True)
    m, mx = full["metrics"], excl["metrics"]
    assert m["impossible_count"] > 0 and mx["included"] < m["included"]   # the season has impossible blocks
    header = data.schedule_header(sid)

    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/insights?schedule={sid}", "#ins-corr .main-svg")
    dash_duo.wait_for_element("#ins-priority-graph .main-svg")
    dash_duo.wait_for_contains_text("#ins-metric-rate", f"{100 * m['scheduling_rate']:.1f}%")
    dash_duo.wait_for_contains_text("#ins-metric-rate", f"{m['scheduled_count']:,} of {m['included']:,} blocks")
    dash_duo.wait_for_contains_text("#ins-metric-conflicts", f"{m['conflict_count']:,}")
    dash_duo.wait_for_contains_text(".tsi-schedule-name", header["name"])
    bullets = dash_duo.find_element("#ins-bullets").text
    for text in insight_texts(full):
        assert text in bullets
    assert "impossible" in bullets
    # heatmap: 16 cells annotated with two decimals
    cells = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('#ins-corr .annotation-text')).map(e => e.textContent)")
    assert len(cells) == 16 and cells.count("1.00") == 4
    # top lists: the first row is the payload's first block
    dash_duo.wait_for_element("#ins-top-priority .ag-row")
    first = dash_duo.find_element("#ins-top-priority .ag-row[row-index='0'] [col-id='block_id']").text
    assert first == str(int(full["top_priority"]["block_id"][0]))
    n_conf = m["conflict_count"]
    expected = "No scheduling conflicts" if n_conf == 0 else f"{n_conf:,} scheduling conflicts"
    dash_duo.wait_for_contains_text("#ins-conflict-alert", expected)

    # exclude impossible blocks: the rate card and the bullets change
    dash_duo.find_element("#ins-exclude").click()
    dash_duo.wait_for_contains_text("#ins-metric-rate", f"{mx['scheduled_count']:,} of {mx['included']:,} blocks")
    dash_duo.wait_for_contains_text("#ins-bullets", "excluded from the analysis")
    assert dash_duo.find_element("#ins-metric-rate").text != f"{m['scheduled_count']:,} of {m['included']:,} blocks"

    # downloads: both reports arrive as files
    folder = dash_duo.download_path
    dash_duo.find_element("#ins-dl-md-btn").click()
    md = wait_for_file(folder, ".md")
    assert f"(id {sid})" in md and f"Data source: {source}" in md and "Impossible blocks: excluded" in md
    dash_duo.find_element("#ins-dl-html-btn").click()
    doc = wait_for_file(folder, ".html")
    assert doc.startswith("<!DOCTYPE html>") and "## " not in doc and f"(id {sid})" in doc
    assert dash_duo.find_element("#ins-error").text == ""
    assert_clean(dash_duo)


def test_insights_error_states(dash_duo, tsi_app, ui_env):
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, "/insights?schedule=999", ".tsi-error")
    dash_duo.wait_for_text_to_equal(".tsi-error", "Schedule 999 does not exist (it may have been deleted).")
    open_page(dash_duo, "/insights", ".tsi-choose")
    dash_duo.wait_for_text_to_equal(".tsi-choose", "Choose a schedule")
    open_page(dash_duo, "/insights?schedule=abc", ".tsi-error")
    dash_duo.wait_for_text_to_equal(".tsi-error", "Invalid schedule id 'abc'")
    assert_clean(dash_duo)


def test_report_callbacks_return_content(ui_env):
    """The download callbacks themselves (without a browser)."""
    import dash

    if not dash.page_registry:  # importing the app registers the pages
        import app  # noqa: F401
    from pages import insights as page

    _source, ids = ui_env
    store = {"schedule_id": ids["night"]}
    md, err = page.download_markdown(1, store, False)
    assert err is dash.no_update and md["filename"].endswith(".md") and "# Insights report" in md["content"]
    html_out, _ = page.download_html(1, store, True)
    assert html_out["content"].startswith("<!DOCTYPE html>")
    _, err = page.download_markdown(1, {"schedule_id": 999}, False)
    assert "Schedule 999 does not exist" in str(err.children)
