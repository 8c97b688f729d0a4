"""AUTH.MODE oidc (operations.md §2): the glue's rules (role from the groups claim, the name, the session's
age), then the real thing over HTTP — `tsi run --workers 2` signing users in through the test provider
(tests/oidc_provider.py) with the authorization-code flow and PKCE: who may read and change what, sign-out, an
expired session, refused and failed sign-ins, and the audit of it all."""

from __future__ import annotations

import html
import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from oidc_provider import APP_SECRET_KEY, CLIENT_ID, CLIENT_SECRET, IdpUser, OidcProvider, callback_uri, tsi_env
from servers import TsiServer, ingest_with, tsi_cli
from tsi.auth.oidc import claim_groups, role_for, session_expired, user_name

requests = pytest.importorskip("requests")

ROLE_MAP = {"tsi-viewers": "viewer", "tsi-editors": "editor", "tsi-admins": "Admin", "odd": "superuser"}
HOUR = 3600.0


# ------------------------------------------------------------------------------------------ the rules

@pytest.mark.parametrize("groups,role", [
    (["tsi-viewers"], "viewer"),
    (["tsi-viewers", "tsi-editors", "staff"], "editor"),   # the highest role wins, in any order
    (["tsi-editors", "tsi-viewers"], "editor"),
    ("tsi-viewers,tsi-admins", "admin"),                   # a comma-separated string; map values in any case
    ("tsi-viewers  tsi-editors", "editor"),                # space-separated
    ("tsi-viewers, tsi-editors", "editor"),
    (["staff", "odd"], None),                              # a group mapped to no known role counts for nothing
    (["TSI-EDITORS"], None),                               # group names match exactly
    ([], None),
    ("", None),
    (None, None),
])
def test_the_highest_mapped_role_wins(groups, role):
    claims = {"sub": "s1"} if groups is None else {"sub": "s1", "groups": groups}
    assert role_for(claims, "groups", ROLE_MAP) == role


def test_the_role_claim_is_the_configured_one():
    assert role_for({"roles": ["tsi-editors"], "groups": ["tsi-viewers"]}, "roles", ROLE_MAP) == "editor"
    assert role_for({"groups": ["tsi-editors"]}, "roles", ROLE_MAP) is None
    assert claim_groups(["a", " b ", "", None]) == ["a", "b"]


def test_the_name_is_the_preferred_username_else_the_email_else_the_subject():
    assert user_name({"sub": "s1", "email": "e@x", "preferred_username": "pat"}) == "pat"
    assert user_name({"sub": "s1", "email": "e@x", "preferred_username": "  "}) == "e@x"
    assert user_name({"sub": "s1"}) == "s1"
    assert user_name({}) is None


def test_a_session_ends_after_session_hours():
    now = 1_800_000_000.0
    assert not session_expired(now - 60, 8, now)
    assert not session_expired(now - 8 * HOUR + 1, 8, now)
    assert session_expired(now - 8 * HOUR, 8, now)
    assert session_expired(now - 30 * HOUR, 24, now)
    for unbelievable in (None, "1799999000", True, now + 3600):  # missing, not a number, far in the future
        assert session_expired(unbelievable, 8, now)


# ------------------------------------------------------------------------------------------ over HTTP

@pytest.fixture(scope="module")
def oidc_site(tmp_path_factory, generated):
    """(server, provider, settings env, {name: id}): `tsi run --workers 2` signing in through the provider."""
    root = tmp_path_factory.mktemp("oidc")
    provider = OidcProvider([IdpUser("vera", ["tsi-viewers"]), IdpUser("ed", "tsi-viewers tsi-editors"),
                             IdpUser("nobody", ["staff"])], CLIENT_ID, CLIENT_SECRET).start()
    env = tsi_env(provider, root / "tsi.sqlite3")
    server = TsiServer(env, workers=2, log=root / "gunicorn.log")
    provider.allow_redirect(callback_uri(server.url))
    try:
        ids = ingest_with(env, {"season": generated["season"], "night": generated["night"]})
        server.start()
        yield server, provider, env, ids
    finally:
        server.stop()
        provider.stop()


def sign_in(server, provider, name: str, path: str = "/", http=None):
    """A browser's round trip, with requests: the page → the provider's form → posted → the app's callback.
    Returns (the session, the callback's answer)."""
    http = http or requests.Session()
    first = http.get(server.url + path, allow_redirects=False, timeout=30)
    assert first.status_code == 302, first.text[:300]
    assert first.headers["Location"].startswith(provider.url + "/authorize?")
    form = http.get(first.headers["Location"], allow_redirects=False, timeout=30)
    assert form.status_code == 200 and 'id="username"' in form.text
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', form.text).group(1))
    back = http.post(provider.url + action, data={"username": name, "password": provider.password},
                     allow_redirects=False, timeout=30)
    assert back.status_code == 302, back.text[:300]
    assert back.headers["Location"].startswith(callback_uri(server.url) + "?")
    return http, http.get(back.headers["Location"], allow_redirects=False, timeout=60)


def _listed(http, server) -> set[int]:
    r = http.get(f"{server.url}/api/schedules", timeout=30)
    assert r.status_code == 200, r.text[:300]
    return {s["schedule_id"] for s in r.json()}


def test_without_a_session_the_api_says_401_and_pages_go_to_the_provider(oidc_site):
    server, provider, _env, ids = oidc_site
    r = requests.get(f"{server.url}/api/schedules", timeout=30)
    assert r.status_code == 401 and r.json()["error"] == "unauthenticated"
    assert requests.get(f"{server.url}/api/schedules/{ids['season']}/sky-map", timeout=30).status_code == 401
    callback = requests.post(f"{server.url}/_dash-update-component", headers={"Origin": server.url}, timeout=30,
                             json={"output": "nav-user.children", "outputs": {"id": "nav-user", "property": "children"},
                                   "inputs": [], "changedPropIds": []})
    assert callback.status_code == 401 and callback.json()["error"] == "unauthenticated"  # Dash's own requests
    assert requests.get(f"{server.url}/healthz", timeout=30).status_code == 200  # public
    image = requests.get(f"{server.url}/favicon.ico", headers={"Sec-Fetch-Dest": "image"}, allow_redirects=False,
                         timeout=30)
    assert image.status_code == 401  # only a page (a document) is sent to the provider
    page = requests.get(f"{server.url}/sky-map?schedule={ids['season']}", allow_redirects=False, timeout=30)
    assert page.status_code == 302
    target = urlsplit(page.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == provider.url + "/authorize"
    q = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert q["response_type"] == "code" and q["client_id"] == CLIENT_ID
    assert q["redirect_uri"] == callback_uri(server.url)
    assert "openid" in q["scope"].split()
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) >= 43  # PKCE
    assert q["state"] and q["nonce"]


def test_an_editor_signs_in_comes_back_to_the_page_and_may_delete(oidc_site):
    server, provider, _env, ids = oidc_site
    page = f"/sky-map?schedule={ids['season']}"
    http, done = sign_in(server, provider, "ed", page)
    assert done.status_code == 302 and done.headers["Location"] == page, done.text[:300]
    cookie = done.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # AUTH.COOKIE_SECURE = false: plain-HTTP loopback
    assert http.get(server.url + page, timeout=60).status_code == 200
    assert provider.authorizations[-1]["code_challenge_method"] == "S256"
    assert {ids["season"], ids["night"]} <= _listed(http, server)
    cross = http.delete(f"{server.url}/api/schedules/{ids['night']}", headers={"Origin": "http://elsewhere.test"},
                        timeout=30)
    assert cross.status_code == 403
    gone = http.delete(f"{server.url}/api/schedules/{ids['night']}", headers={"Origin": server.url}, timeout=30)
    assert gone.status_code == 204, gone.text[:300]
    assert ids["night"] not in _listed(http, server)


def test_a_viewer_reads_but_may_not_delete(oidc_site):
    server, provider, _env, ids = oidc_site
    http, done = sign_in(server, provider, "vera")
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert ids["season"] in _listed(http, server)
    r = http.delete(f"{server.url}/api/schedules/{ids['season']}", headers={"Origin": server.url}, timeout=30)
    assert r.status_code == 403 and r.json()["error"] == "forbidden" and "editor" in r.json()["message"]
    assert ids["season"] in _listed(http, server)


def test_unfinished_sign_ins_do_not_grow_the_cookie(oidc_site):
    server, provider, _env, _ids = oidc_site
    http = requests.Session()
    sizes = []
    for _ in range(12):  # reloads while the provider's form is open: each starts a sign-in
        assert http.get(server.url + "/", allow_redirects=False, timeout=30).status_code == 302
        sizes.append(len(http.cookies["session"]))
    assert max(sizes) < 1600, sizes
    _http, done = sign_in(server, provider, "vera", http=http)
    assert done.status_code == 302 and http.get(f"{server.url}/api/schedules", timeout=30).status_code == 200


def test_sign_out_ends_the_session(oidc_site):
    server, provider, _env, _ids = oidc_site
    http, _done = sign_in(server, provider, "vera")
    _listed(http, server)
    out = http.get(f"{server.url}/oidc/logout", allow_redirects=False, timeout=30)
    assert out.status_code == 200 and "Signed out" in out.text and 'href="/"' in out.text
    assert http.get(f"{server.url}/api/schedules", timeout=30).status_code == 401
    assert http.get(f"{server.url}/", allow_redirects=False, timeout=30).status_code == 302


def test_the_provider_answers_userinfo_to_a_bearer_of_its_access_token(oidc_site):
    server, provider, _env, _ids = oidc_site
    sign_in(server, provider, "vera")
    token = list(provider.tokens)[-1]  # issued to the app by that sign-in
    r = requests.get(provider.url + "/userinfo", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200 and r.json()["sub"] == "sub-vera" and r.json()["groups"] == ["tsi-viewers"]
    assert requests.get(provider.url + "/userinfo", headers={"Authorization": "Bearer nope"}, timeout=30
                        ).status_code == 401


def _forged_session(signed_in_at: float | None) -> str:
    """A session cookie as the app signs it (Flask's serializer with AUTH.SECRET_KEY): ed, an editor, signed in
    at ``signed_in_at`` (None: no sign-in time)."""
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    app = Flask("forge")
    app.secret_key = APP_SECRET_KEY
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    data = {"user": {"sub": "sub-ed", "preferred_username": "ed", "groups": ["tsi-editors"]}, "idp": "idp"}
    if signed_in_at is not None:
        data["tsi_signed_in_at"] = int(signed_in_at)
    return serializer.dumps(data)


def test_a_session_older_than_session_hours_is_signed_out(oidc_site):
    server, _provider, _env, _ids = oidc_site
    fresh = requests.get(f"{server.url}/api/schedules", cookies={"session": _forged_session(time.time() - 60)},
                         timeout=30)
    assert fresh.status_code == 200  # the forged cookie is what the app itself would have set
    old = _forged_session(time.time() - 8 * HOUR - 60)  # SESSION_HOURS = 8
    r = requests.get(f"{server.url}/api/schedules", cookies={"session": old}, timeout=30)
    assert r.status_code == 401 and r.json()["error"] == "unauthenticated"
    page = requests.get(f"{server.url}/", cookies={"session": old}, allow_redirects=False, timeout=30)
    assert page.status_code == 302 and "/authorize?" in page.headers["Location"]
    no_time = _forged_session(None)
    assert requests.get(f"{server.url}/api/schedules", cookies={"session": no_time}, timeout=30).status_code == 401


def test_a_user_with_no_mapped_group_is_refused(oidc_site):
    server, provider, _env, _ids = oidc_site
    http, done = sign_in(server, provider, "nobody")
    assert done.status_code == 403
    assert "none of your groups" in done.text and "nobody" in done.text
    assert http.get(f"{server.url}/api/schedules", timeout=30).status_code == 401


@pytest.mark.parametrize("misbehave", ["foreign-key", "wrong-nonce", "wrong-issuer"])
def test_an_id_token_that_does_not_check_out_is_refused(oidc_site, misbehave):
    server, provider, _env, _ids = oidc_site
    provider.misbehave = misbehave
    try:
        http, done = sign_in(server, provider, "ed")
    finally:
        provider.misbehave = None
    assert done.status_code == 401 and "Sign-in failed" in done.text
    assert http.get(f"{server.url}/api/schedules", timeout=30).status_code == 401


def test_a_failed_callback_answers_401_without_a_traceback(oidc_site):
    server, provider, _env, _ids = oidc_site
    http = requests.Session()
    http.get(server.url + "/", allow_redirects=False, timeout=30)  # a sign-in under way: state in the session
    bad_state = http.get(callback_uri(server.url) + "?code=abc&state=not-the-state", allow_redirects=False,
                         timeout=30)
    assert bad_state.status_code == 401 and "Sign-in failed" in bad_state.text
    denied = http.get(callback_uri(server.url) + "?error=access_denied&error_description=User+said+no",
                      allow_redirects=False, timeout=30)
    assert denied.status_code == 401 and "Sign-in failed" in denied.text
    assert http.get(f"{server.url}/api/schedules", timeout=30).status_code == 401
    assert "Traceback" not in server.log.read_text(errors="replace")


def test_the_audit_names_the_oidc_users(oidc_site):
    server, _provider, env, ids = oidc_site
    out = tsi_cli(env, "audit", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    actions = {(r["user"], r["action"]) for r in rows}
    assert ("ed", "delete") in actions and ("nobody", "sign-in refused") in actions
    deleted = next(r for r in rows if r["action"] == "delete")
    assert deleted["role"] == "editor" and deleted["schedule_id"] == ids["night"]
    failed = [r for r in rows if r["action"] == "sign-in refused" and r["detail"]["reason"] == "callback failed"]
    assert len(failed) >= 5  # three bad ID tokens, a bad state, the provider's error
    assert any("access_denied" in r["detail"]["error"] for r in failed)
    assert ("vera", "delete") not in actions


def test_an_unreachable_provider_is_a_503_page_not_a_traceback(tmp_path):
    provider = OidcProvider([IdpUser("ed", ["tsi-editors"])], CLIENT_ID, CLIENT_SECRET)  # never started
    server = TsiServer(tsi_env(provider, tmp_path / "tsi.sqlite3"), workers=1, log=tmp_path / "gunicorn.log")
    try:
        server.start()
        r = requests.get(f"{server.url}/sky-map?schedule=1", allow_redirects=False, timeout=60)
        assert r.status_code == 503 and "cannot be reached" in r.text
        assert requests.get(f"{server.url}/api/schedules", timeout=30).status_code == 401
    finally:
        server.stop()
    assert "Traceback" not in server.log.read_text(errors="replace")
