"""Trends page: metrics from the facade, bins slider, exclude switch, model card, CSV download, errors."""

from __future__ import annotations

import os
import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from ui_helpers import assert_clean, open_page, start_app


def wait_for_file(folder: str, suffix: str, timeout: float = 15.0) -> str:
    end = time.time() + timeout
    while time.time() < end:
        done = [f for f in os.listdir(folder) if f.endswith(suffix)]
        if done:
            time.sleep(0.2)
            with open(os.path.join(folder, done[0]), encoding="utf-8") as fh:
                return fh.read()
        time.sleep(0.2)
    raise AssertionError(f"no *{suffix} downloaded into {folder}: {os.listdir(folder)}")


def n_bars(dash_duo, graph_id: str) -> int:
    return dash_duo.driver.execute_script(
        f"return document.querySelectorAll('#{graph_id} .trace.bars .point').length")


def wait_until(dash_duo, predicate, message: str, timeout: int = 20):
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(dash_duo.driver, timeout).until(lambda _d: predicate(), message)


def test_trends_page(dash_duo, tsi_app, ui_env):
    from tsi import data
    from tsi.figures.trends import model_summary

    source, ids = ui_env
    sid = ids["season"]
    base = data.trends(sid)
    m = base["metrics"]
    bins20 = data.trends(sid, n_bins=20)
    excl = data.trends(sid, exclude_impossible=True)
    assert len(bins20["by_visibility"]["bin_index"]) != len(base["by_visibility"]["bin_index"])
    assert excl["metrics"]["total_count"] < m["total_count"]
    assert base["model"]["status"] == "ok"

    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/trends?schedule={sid}", "#tr-heatmap .main-svg")
    for gid in ("tr-priority", "tr-by-visibility", "tr-by-requested", "tr-smooth-visibility", "tr-smooth-requested",
                "tr-curves"):
        dash_duo.wait_for_element(f"#{gid} .main-svg")
    dash_duo.wait_for_contains_text("#tr-metric-0", f"{m['total_count']:,}")
    dash_duo.wait_for_contains_text("#tr-metric-1", f"{100 * m['scheduling_rate']:.1f}%")
    dash_duo.wait_for_text_to_equal("#tr-model-summary", model_summary(base["model"]))
    assert "-fold held-out" in dash_duo.find_element("#tr-model-summary").text
    dash_duo.wait_for_contains_text("#tr-model-counts", f"{base['model']['n_samples']:,} blocks")
    assert n_bars(dash_duo, "tr-by-visibility") == len(base["by_visibility"]["bin_index"])
    assert n_bars(dash_duo, "tr-priority") == len(base["by_priority"]["priority_value"])

    # bins slider 10 → 20 (keyboard End on the handle): one bar per non-empty bin
    thumb = dash_duo.find_element("#tr-bins [role='slider']")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus();", thumb)
    ActionChains(dash_duo.driver).send_keys(Keys.END).perform()
    want = len(bins20["by_visibility"]["bin_index"])
    wait_until(dash_duo, lambda: n_bars(dash_duo, "tr-by-visibility") == want, f"expected {want} bars")

    # exclude impossible blocks: the block count changes
    dash_duo.find_element("#tr-exclude").click()
    dash_duo.wait_for_contains_text("#tr-metric-0", f"{excl['metrics']['total_count']:,}")
    assert f"{m['total_count']:,}" not in dash_duo.find_element("#tr-metric-0").text.split("\n")[1]

    # rates CSV
    dash_duo.find_element("#tr-dl-btn").click()
    text = wait_for_file(dash_duo.download_path, ".csv")
    header = "dimension,priority_level,bin_min,bin_max,total_count,scheduled_count,scheduling_rate"
    assert text.splitlines()[0] == header
    assert sum(1 for line in text.splitlines() if line.startswith("visibility_hours,")) == len(
        data.trends(sid, n_bins=20, exclude_impossible=True)["by_visibility"]["bin_index"])
    assert dash_duo.find_element("#tr-error").text == ""
    assert_clean(dash_duo)


def test_trends_model_status_and_errors(dash_duo, tsi_app, ui_env):
    from tsi import data

    _source, ids = ui_env
    sid = ids["night"]
    level = int(data.trends(sid)["available"]["priority_levels"][0])
    expected = data.trends(sid, priority_levels=[level])["model"]
    assert expected["status"] != "ok"

    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/trends?schedule={sid}", "#tr-heatmap .main-svg")
    dash_duo.wait_for_element("#tr-model-summary")
    dash_duo.find_element("#tr-levels").click()
    dash_duo.wait_for_element("[role='option']")
    options = dash_duo.driver.find_elements(By.CSS_SELECTOR, "[role='option']")
    next(o for o in options if o.text.strip() == str(level)).click()
    dash_duo.wait_for_text_to_equal("#tr-model-status", expected["message"])
    assert "The model needs at least 20 blocks" in expected["message"]

    open_page(dash_duo, "/trends?schedule=999", ".tsi-error")
    dash_duo.wait_for_text_to_equal(".tsi-error", "Schedule 999 does not exist (it may have been deleted).")
    open_page(dash_duo, "/trends", ".tsi-choose")
    dash_duo.wait_for_text_to_equal(".tsi-choose", "Choose a schedule")
    open_page(dash_duo, "/trends?schedule=abc", ".tsi-error")
    dash_duo.wait_for_text_to_equal(".tsi-error", "Invalid schedule id 'abc'")
    assert_clean(dash_duo)


def test_rates_download_callback_returns_content(ui_env):
    import dash

    if not dash.page_registry:
        import app  # noqa: F401
    from pages import trends as page

    _source, ids = ui_env
    sid = ids["night"]
    p = __import__("tsi.data", fromlist=["trends"]).trends(sid)
    a = p["available"]
    store = {"schedule_id": sid, "bounds": {k: float(a[k]) for k in
                                            ("visibility_min", "visibility_max", "requested_min", "requested_max")}}
    out, err = page.download_rates(1, False, [a["visibility_min"], a["visibility_max"]], None, [], 10, 0.3,
                                   "balanced", store)
    assert err is None and out["filename"].endswith(".csv") and out["content"].startswith("dimension,")
    # a narrowed range reaches the facade
    res = page.update_trends(False, [0.0, 1.0], None, [], 10, 0.3, "none", store)
    assert res[-1] is None
    assert "Blocks" in str(res[0])
    _, err = page.download_rates(1, False, None, None, [], 10, 0.3, "balanced", dict(store, schedule_id=999))
    assert "Schedule 999 does not exist" in str(err.children)
