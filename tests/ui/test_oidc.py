"""OpenID Connect sign-in in headless Chromium: `tsi run --workers 2` with AUTH.MODE oidc and the test provider
(tests/oidc_provider.py), both on 127.0.0.1. The browser opens a page, lands on the provider's login form, signs
in and comes back to the page, which shows who is signed in and what their role allows; Sign out ends it."""

from __future__ import annotations

import pytest

from oidc_provider import CLIENT_ID, CLIENT_SECRET, IdpUser, OidcProvider, callback_uri, tsi_env
from servers import TsiServer, ingest_with
from ui_helpers import assert_clean


@pytest.fixture(scope="module")
def oidc_ui_site(tmp_path_factory, generated):
    root = tmp_path_factory.mktemp("ui-oidc")
    provider = OidcProvider([IdpUser("vera", ["tsi-viewers"]), IdpUser("ed", ["tsi-editors", "staff"])],
                            CLIENT_ID, CLIENT_SECRET).start()
    env = tsi_env(provider, root / "tsi.sqlite3")
    server = TsiServer(env, workers=2, log=root / "gunicorn.log")
    provider.allow_redirect(callback_uri(server.url))
    try:
        ids = ingest_with(env, {"night": generated["night"]})
        server.start()
        yield server, provider, ids
    finally:
        server.stop()
        provider.stop()


def sign_in_at_the_provider(dash_duo, provider, name: str) -> None:
    dash_duo.wait_for_element("#username", timeout=30)
    assert dash_duo.driver.current_url.startswith(provider.url + "/authorize?")
    dash_duo.find_element("#username").send_keys(name)
    dash_duo.find_element("#password").send_keys(provider.password)
    dash_duo.find_element("#sign-in").click()


def session_cookie(dash_duo) -> dict | None:
    return next((c for c in dash_duo.driver.get_cookies() if c["name"] == "session"), None)


def test_an_editor_signs_in_sees_the_upload_card_and_signs_out(dash_duo, oidc_ui_site):
    server, provider, ids = oidc_ui_site
    sid = ids["night"]
    # Not dash_duo.server_url = ...: its setter waits for the Dash page, and the first stop is the provider's form.
    dash_duo.driver.get(f"{server.url}/?schedule={sid}")
    sign_in_at_the_provider(dash_duo, provider, "ed")
    dash_duo.wait_for_element(f'#home-grid .ag-row[row-id="{sid}"] .tsi-delete-cell', timeout=60)
    assert dash_duo.driver.current_url == f"{server.url}/?schedule={sid}"  # back on the page that was asked for
    dash_duo.wait_for_text_to_equal("#nav-user-name", "ed", timeout=30)
    assert dash_duo.find_element("#nav-user-role").text == "(editor)"
    assert dash_duo.find_element("#home-upload-card").is_displayed()
    assert not dash_duo.find_elements("#home-viewer-note")
    cookie = session_cookie(dash_duo)
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]
    assert_clean(dash_duo)

    sign_out = dash_duo.find_element("#nav-sign-out")
    assert sign_out.text == "Sign out"
    sign_out.click()
    dash_duo.wait_for_text_to_equal("#oidc-title", "Signed out of TSI", timeout=30)
    assert session_cookie(dash_duo) is None
    dash_duo.find_element("#oidc-link").click()  # signed out: the app sends the browser to the provider again
    dash_duo.wait_for_element("#username", timeout=30)
    assert_clean(dash_duo)


def test_a_viewer_sees_the_viewer_note_and_no_delete_column(dash_duo, oidc_ui_site):
    server, provider, ids = oidc_ui_site
    sid = ids["night"]
    dash_duo.driver.get(f"{server.url}/")
    sign_in_at_the_provider(dash_duo, provider, "vera")
    dash_duo.wait_for_element(f'#home-grid .ag-row[row-id="{sid}"]', timeout=60)
    dash_duo.wait_for_text_to_equal("#nav-user-name", "vera", timeout=30)
    assert dash_duo.find_element("#nav-user-role").text == "(viewer)"
    assert dash_duo.find_element("#home-viewer-note").is_displayed()
    assert not dash_duo.find_elements(".tsi-delete-cell")
    assert not dash_duo.find_element("#home-upload-card").is_displayed()
    assert dash_duo.find_element("#nav-sign-out").is_displayed()
    assert_clean(dash_duo)
