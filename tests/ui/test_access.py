"""Access in the browser: headless Chromium against `tsi run` with AUTH.MODE basic (the Authorization header a
browser sends after its sign-in prompt) and proxy (the headers a reverse proxy adds), set through Chromium's
DevTools so that every request of the page — document, scripts and Dash callbacks — carries them."""

from __future__ import annotations

import base64

import pytest

from servers import TsiServer, add_users, ingest_with
from ui_helpers import assert_clean, open_page

PASSWORDS = {"vera": "viewer-pass-1", "ed": "editor-pass-1", "ada": "admin-pass-1"}


def send_headers(dash_duo, headers: dict[str, str]) -> None:
    dash_duo.driver.execute_cdp_cmd("Network.enable", {})
    dash_duo.driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": headers})


def as_basic(name: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{PASSWORDS[name]}".encode()).decode()}


@pytest.fixture(scope="module")
def basic_site(tmp_path_factory, generated):
    root = tmp_path_factory.mktemp("ui-basic")
    env = {"TSI_ENV": "testing", "TSI_DATABASE__SQLITE_PATH": str(root / "tsi.sqlite3"), "TSI_AUTH__MODE": "basic",
           "TSI_LOG_LEVEL": "WARNING"}
    ids = ingest_with(env, {"season": generated["season"]})
    add_users(env, {name: (role, PASSWORDS[name]) for name, role in (("vera", "viewer"), ("ed", "editor"),
                                                                       ("ada", "admin"))})
    server = TsiServer(env, workers=2, log=root / "gunicorn.log").start()
    yield server, ids
    server.stop()


def test_a_viewer_sees_every_page_but_no_way_to_change_data(dash_duo, basic_site):
    server, ids = basic_site
    sid = ids["season"]
    send_headers(dash_duo, as_basic("vera"))
    dash_duo.server_url = server.url
    open_page(dash_duo, "/", f'#home-grid .ag-row[row-id="{sid}"]', timeout=60)
    dash_duo.wait_for_text_to_equal("#nav-user-name", "vera")
    assert dash_duo.find_element("#nav-user-role").text == "(viewer)"
    assert dash_duo.find_element("#home-viewer-note").is_displayed()
    assert not dash_duo.find_elements(".tsi-delete-cell")
    assert not dash_duo.find_element("#home-file-schedule").is_displayed()
    open_page(dash_duo, f"/sky-map?schedule={sid}", "#sky-graph .main-svg", timeout=60)
    open_page(dash_duo, f"/data-source?schedule={sid}", "#ds-viewer-note", timeout=60)
    assert not dash_duo.find_elements("#ds-facts") and not dash_duo.find_elements("#ds-audit-card")
    assert not dash_duo.find_elements("#ds-cockpit")  # the migration cockpit is the operators' (editor+)
    assert not dash_duo.find_element("#ds-recompute").is_displayed()
    assert_clean(dash_duo)


def test_an_editor_may_upload_and_delete_and_an_admin_reads_the_audit(dash_duo, basic_site):
    server, ids = basic_site
    sid = ids["season"]
    send_headers(dash_duo, as_basic("ed"))
    dash_duo.server_url = server.url
    open_page(dash_duo, "/", f'#home-grid .ag-row[row-id="{sid}"] .tsi-delete-cell', timeout=60)
    assert dash_duo.find_elements("#home-file-schedule") and not dash_duo.find_elements("#home-viewer-note")
    open_page(dash_duo, f"/data-source?schedule={sid}", "#ds-recompute", timeout=60)
    assert not dash_duo.find_elements("#ds-audit-card")  # admins only
    send_headers(dash_duo, as_basic("ada"))
    open_page(dash_duo, f"/data-source?schedule={sid}", "#ds-audit .ag-row", timeout=60)
    dash_duo.wait_for_text_to_equal("#nav-user-name", "ada")
    assert "user added" in dash_duo.find_element("#ds-audit").text
    assert dash_duo.find_elements("#ds-facts")
    assert_clean(dash_duo)


@pytest.fixture(scope="module")
def proxy_site(tmp_path_factory, generated):
    root = tmp_path_factory.mktemp("ui-proxy")
    env = {"TSI_ENV": "testing", "TSI_DATABASE__SQLITE_PATH": str(root / "tsi.sqlite3"), "TSI_AUTH__MODE": "proxy",
           "TSI_AUTH__PROXY__TRUSTED": '["127.0.0.1/32"]', "TSI_LOG_LEVEL": "WARNING"}
    ids = ingest_with(env, {"night": generated["night"]})
    server = TsiServer(env, workers=1, log=root / "gunicorn.log").start()
    yield server, ids
    server.stop()


def test_behind_a_proxy_the_page_shows_the_proxys_user(dash_duo, proxy_site):
    server, ids = proxy_site
    sid = ids["night"]
    send_headers(dash_duo, {"X-Forwarded-User": "pat@observatory", "X-Forwarded-Roles": "viewer"})
    dash_duo.server_url = server.url
    open_page(dash_duo, f"/timeline?schedule={sid}", "#nav-user-name", timeout=60)
    dash_duo.wait_for_text_to_equal("#nav-user-name", "pat@observatory")
    assert dash_duo.find_element("#nav-user-role").text == "(viewer)"
    open_page(dash_duo, "/", "#home-viewer-note", timeout=60)
    assert_clean(dash_duo)
