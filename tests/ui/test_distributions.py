"""Distributions page in the browser, under both data sources: figures, subtitle, exclude-impossible, messages."""

from __future__ import annotations

from builders import f1_block, write_f1
from ui_helpers import assert_clean, open_page, start_app


def subtitle(counts: dict) -> str:
    n, s = counts["included"], counts["scheduled"]
    return f"Scheduled: {s:,} of {n:,} ({100 * s / n:.1f} %)"


def test_distributions_draws_and_excludes_impossible_blocks(dash_duo, tsi_app, ui_env):
    from tsi import data

    _source, ids = ui_env
    sid = ids["season"]
    everything = data.distributions(sid)["counts"]
    possible = data.distributions(sid, exclude_impossible=True)["counts"]
    assert possible["excluded"] > 0  # the generated season has impossible blocks
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/distributions?schedule={sid}", "#dist-priority .main-svg")
    for key in ("visibility", "requested", "elevation", "status", "violin"):
        dash_duo.wait_for_element(f"#dist-{key} .main-svg", timeout=10)
    dash_duo.wait_for_contains_text("#dist-priority", subtitle(everything), timeout=10)
    dash_duo.wait_for_text_to_equal("#dist-metric-0 .fs-4",
                                    f"{everything['included']:,} of {everything['schedule_total']:,}", timeout=10)
    assert dash_duo.find_element("#dist-status").text.count(f"{everything['unscheduled']:,}") >= 1
    dash_duo.wait_for_contains_text("#dist-stats-table", "Elevation range (deg)", timeout=10)

    dash_duo.find_element("#dist-exclude").click()
    dash_duo.wait_for_contains_text("#dist-priority", subtitle(possible), timeout=10)
    dash_duo.wait_for_text_to_equal("#dist-metric-0 .fs-4",
                                    f"{possible['included']:,} of {possible['schedule_total']:,}", timeout=10)
    dash_duo.wait_for_contains_text("#dist-metric-3", f"{possible['excluded']:,} excluded", timeout=10)
    assert_clean(dash_duo)


def test_distributions_messages(dash_duo, tsi_app, ui_env, tmp_path):
    from tsi import data

    _source, ids = ui_env
    s, v, dk = write_f1(tmp_path / "impossible", [f1_block(1, priority=2.0), f1_block(2, priority=7.0)],
                        visibility={"1": [], "2": []}, dark=[(61771.0, 61771.3)])
    impossible = data.ingest(s, v, dk, name="all impossible")["schedule_id"]
    s, v, dk = write_f1(tmp_path / "empty", [], visibility={}, dark=[(61771.0, 61771.3)])
    empty = data.ingest(s, v, dk, name="no blocks")["schedule_id"]
    night = data.distributions(ids["night"])["counts"]
    start_app(dash_duo, tsi_app)

    open_page(dash_duo, "/distributions?schedule=999", ".tsi-error")
    dash_duo.wait_for_contains_text(".tsi-error", "Schedule 999 does not exist (it may have been deleted).")
    open_page(dash_duo, "/distributions", ".tsi-choose")
    dash_duo.wait_for_contains_text(".tsi-choose", "Choose a schedule")
    open_page(dash_duo, "/distributions?schedule=abc", ".tsi-error")
    dash_duo.wait_for_contains_text(".tsi-error", "Invalid schedule id 'abc'")
    open_page(dash_duo, f"/distributions?schedule={empty}", ".tsi-empty")
    dash_duo.wait_for_contains_text(".tsi-empty", "This schedule has no blocks.")

    open_page(dash_duo, f"/distributions?schedule={ids['night']}", "#dist-priority .main-svg")
    dash_duo.wait_for_contains_text("#dist-priority", subtitle(night), timeout=10)

    open_page(dash_duo, f"/distributions?schedule={impossible}", "#dist-priority .main-svg")
    dash_duo.wait_for_contains_text("#dist-priority", "Scheduled: 0 of 2 (0.0 %)", timeout=10)
    dash_duo.find_element("#dist-exclude").click()
    dash_duo.wait_for_contains_text("#dist-empty", "Every block is impossible and 'Exclude impossible' is on.",
                                    timeout=10)
    assert not dash_duo.find_element("#dist-body").is_displayed()
    dash_duo.find_element("#dist-exclude").click()
    dash_duo.wait_for_contains_text("#dist-priority", "Scheduled: 0 of 2 (0.0 %)", timeout=10)
    assert dash_duo.find_element("#dist-body").is_displayed()
    assert_clean(dash_duo)
