"""ETL fallback on the pages (operations.md §4): with DATA_SOURCE=etl and MIGRATION.ETL_FALLBACK=legacy, a
schedule with stale analytics is drawn from the legacy path under a warning banner."""

from __future__ import annotations

import os

import pytest

from builders import sql_elsewhere
from ui_helpers import assert_clean, open_page, start_app


@pytest.mark.parametrize("ui_env", ["etl"], indirect=True)
def test_stale_analytics_page_shows_banner_and_figure(dash_duo, tsi_app, ui_env, monkeypatch):
    from tsi import data
    from tsi.config import reset_settings
    from tsi.data import cache

    _source, ids = ui_env
    sid, fresh = ids["season"], ids["variant"]
    monkeypatch.setenv("TSI_MIGRATION__ETL_FALLBACK", "legacy")
    reset_settings()
    data.reset()
    sql_elsewhere(os.environ["TSI_DATABASE__SQLITE_PATH"],
                  ("update analytics_schedule_summary_analytics set etl_version = 0 where schedule_id = ?", (sid,)))
    cache.reset()  # the app runs in this process: forget the cached header instead of waiting 30 s
    assert data.schedule_header(sid)["analytics_state"] == "stale"

    start_app(dash_duo, tsi_app)
    open_page(dash_duo, f"/timeline?schedule={sid}", "#tl-graph .main-svg")
    dash_duo.wait_for_text_to_equal("#tsi-fallback-banner", "served from the legacy path: analytics stale")
    dash_duo.wait_for_element("#tl-graph .bars .point", timeout=20)
    assert "alert-warning" in dash_duo.find_element("#tsi-fallback-banner").get_attribute("class")

    # A schedule whose analytics are fresh is served by ETL: no banner.
    open_page(dash_duo, f"/timeline?schedule={fresh}", "#tl-graph .main-svg")
    dash_duo.wait_for_element("#tl-graph .bars .point", timeout=20)
    assert not dash_duo.driver.find_elements("css selector", "#tsi-fallback-banner")

    # Compare falls back when either schedule is not fresh: here the other one.
    open_page(dash_duo, f"/compare?schedule={fresh}&with={sid}", "#cmp-priority-hist .main-svg")
    dash_duo.wait_for_text_to_equal("#tsi-fallback-banner", "served from the legacy path: analytics stale")
    assert_clean(dash_duo)
