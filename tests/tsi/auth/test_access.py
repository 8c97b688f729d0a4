"""Access (operations.md §2) for real: `tsi run --workers 2` with AUTH.MODE basic (users made with `tsi user`)
and proxy, driven over HTTP — who may read, who may change, same-origin only, and the audit of it all."""

from __future__ import annotations

import base64
import json
import sys

import pytest

from servers import TsiServer, add_users, free_port, ingest_with, tsi_cli

requests = pytest.importorskip("requests")

PASSWORDS = {"vera": "viewer-pass-1", "ed": "editor-pass-1", "ada": "admin-pass-1", "gone": "disabled-pass-1"}


def basic(name: str, password: str | None = None) -> dict[str, str]:
    token = base64.b64encode(f"{name}:{password or PASSWORDS[name]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _files(d) -> dict:
    return {f: (n, (d / n).read_bytes()) for f, n in
            (("schedule", "schedule.json"), ("visibility", "possible_periods.json"), ("dark", "dark_periods.json"))}


@pytest.fixture(scope="module")
def basic_server(tmp_path_factory, generated):
    root = tmp_path_factory.mktemp("basic")
    env = {"TSI_ENV": "testing", "TSI_DATABASE__SQLITE_PATH": str(root / "tsi.sqlite3"), "TSI_AUTH__MODE": "basic",
           "TSI_LOG_LEVEL": "WARNING"}
    ids = ingest_with(env, {"season": generated["season"]})
    add_users(env, {name: (role, PASSWORDS[name]) for name, role in
                    (("vera", "viewer"), ("ed", "editor"), ("ada", "admin"), ("gone", "editor"))})
    assert tsi_cli(env, "user", "disable", "gone").returncode == 0
    server = TsiServer(env, workers=2, log=root / "gunicorn.log").start()
    yield server, env, ids
    server.stop()


def _count(server) -> int:
    return len(requests.get(f"{server.url}/api/schedules", headers=basic("vera"), timeout=30).json())


def test_anonymous_requests_are_asked_to_sign_in(basic_server):
    server, _env, ids = basic_server
    for path in ("/", "/sky-map", f"/api/schedules", f"/api/schedules/{ids['season']}/sky-map"):
        r = requests.get(server.url + path, timeout=30)
        assert r.status_code == 401, path
        assert r.headers["WWW-Authenticate"].startswith("Basic")
    assert requests.get(f"{server.url}/api/schedules", timeout=30).json()["error"] == "unauthenticated"
    assert requests.get(f"{server.url}/healthz", timeout=30).status_code == 200  # public
    for bad in ("Basic", "Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode(), "Bearer x"):
        assert requests.get(f"{server.url}/api/schedules", headers={"Authorization": bad}, timeout=30).status_code == 401
    assert requests.get(f"{server.url}/api/schedules", headers=basic("vera", "wrong-password"), timeout=30
                        ).status_code == 401
    assert requests.get(f"{server.url}/api/schedules", headers=basic("gone"), timeout=30).status_code == 401


def test_a_viewer_reads_everything_and_changes_nothing(basic_server, generated):
    server, _env, ids = basic_server
    sid = ids["season"]
    h = {**basic("vera"), "Origin": server.url}
    assert requests.get(f"{server.url}/sky-map?schedule={sid}", headers=h, timeout=30).status_code == 200
    for flow in ("sky-map", "insights", "validation"):
        assert requests.get(f"{server.url}/api/schedules/{sid}/{flow}", headers=h, timeout=120).status_code == 200
    before = _count(server)
    up = requests.post(f"{server.url}/api/schedules", files=_files(generated["variant"]), headers=h, timeout=120)
    assert up.status_code == 403 and up.json()["error"] == "forbidden"
    gone = requests.delete(f"{server.url}/api/schedules/{sid}", headers=h, timeout=30)
    assert gone.status_code == 403 and "editor" in gone.json()["message"]
    assert requests.post(f"{server.url}/api/schedules/{sid}/analytics", headers=h, timeout=30).status_code == 403
    assert requests.get(f"{server.url}/api/audit", headers=h, timeout=30).status_code == 403
    assert _count(server) == before


def test_an_editor_uploads_same_origin_only(basic_server, generated):
    server, _env, _ids = basic_server
    before = _count(server)
    cross = requests.post(f"{server.url}/api/schedules", files=_files(generated["conflicts"]), timeout=120,
                          headers={**basic("ed"), "Origin": "http://elsewhere.example"})
    assert cross.status_code == 403 and cross.json()["error"] == "forbidden"
    no_origin = requests.post(f"{server.url}/api/schedules", files=_files(generated["conflicts"]), timeout=120,
                              headers=basic("ed"))
    assert no_origin.status_code == 403
    assert _count(server) == before
    ok = requests.post(f"{server.url}/api/schedules", files=_files(generated["conflicts"]), timeout=120,
                       headers={**basic("ed"), "Origin": server.url})
    assert ok.status_code == 201, ok.text[:300]
    again = requests.post(f"{server.url}/api/schedules", files=_files(generated["conflicts"]), timeout=120,
                          headers={**basic("ed"), "Referer": server.url + "/"})  # Referer when Origin is absent
    assert again.status_code == 200 and again.json()["created"] is False
    new_id = ok.json()["schedule_id"]
    assert requests.delete(f"{server.url}/api/schedules/{new_id}", timeout=30,
                           headers={**basic("ed"), "Origin": "http://elsewhere.example"}).status_code == 403
    assert requests.delete(f"{server.url}/api/schedules/{new_id}", timeout=30,
                           headers={**basic("ed"), "Origin": server.url}).status_code == 204
    assert _count(server) == before


def test_the_audit_names_who_did_what_and_who_was_refused(basic_server):
    server, env, _ids = basic_server
    out = tsi_cli(env, "audit", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    actions = {(r["user"], r["action"]) for r in rows}
    assert ("ed", "upload") in actions and ("ed", "delete") in actions
    assert ("vera", "sign-in refused") in actions and ("gone", "sign-in refused") in actions
    assert ("ed", "request refused") in actions  # the cross-origin upload
    assert {r["detail"]["created"] for r in rows if r["action"] == "upload"} == {True, False}  # duplicates too
    assert all(r["client_address"] == "127.0.0.1" for r in rows if r["user"] == "ed")
    via_api = requests.get(f"{server.url}/api/audit?since=2000-01-01", headers=basic("ada"), timeout=30)
    assert via_api.status_code == 200 and len(via_api.json()) == len(rows)
    assert requests.get(f"{server.url}/api/audit?since=soon", headers=basic("ada"), timeout=30).status_code == 400
    assert "user added" in {r["action"] for r in rows}


def test_anonymous_serving_is_refused_off_loopback(tmp_path):
    env = {"TSI_ENV": "testing", "TSI_DATABASE__SQLITE_PATH": str(tmp_path / "t.sqlite3")}
    out = tsi_cli(env, "run", "--host", "0.0.0.0", "--port", str(free_port()), timeout=60)
    assert out.returncode == 6 and "AUTH.MODE 'none'" in out.stderr and "0.0.0.0" in out.stderr


# ------------------------------------------------------------------------------------------ proxy


@pytest.fixture(scope="module")
def proxy_servers(tmp_path_factory, generated):
    """Two servers on one database: one trusting loopback (where the test's requests come from), one not."""
    root = tmp_path_factory.mktemp("proxy")
    env = {"TSI_ENV": "testing", "TSI_DATABASE__SQLITE_PATH": str(root / "tsi.sqlite3"), "TSI_AUTH__MODE": "proxy",
           "TSI_AUTH__PROXY__TRUSTED": '["10.0.0.0/8"]', "TSI_LOG_LEVEL": "WARNING"}
    ids = ingest_with(env, {"night": generated["night"]})
    trusting = TsiServer({**env, "TSI_AUTH__PROXY__TRUSTED": '["127.0.0.1/32"]'}, workers=1,
                         log=root / "trusting.log").start()
    distrusting = TsiServer(env, workers=1, log=root / "distrusting.log").start()
    yield trusting, distrusting, env, ids
    trusting.stop()
    distrusting.stop()


def test_proxy_headers_count_only_from_trusted_addresses(proxy_servers):
    trusting, distrusting, env, ids = proxy_servers
    sid = ids["night"]
    viewer = {"X-Forwarded-User": "pat", "X-Forwarded-Roles": "viewer"}
    editor = {"X-Forwarded-User": "eve", "X-Forwarded-Roles": "staff, editor"}
    assert requests.get(f"{trusting.url}/api/schedules", timeout=30).status_code == 401
    assert requests.get(f"{trusting.url}/api/schedules", headers=viewer, timeout=30).status_code == 200
    assert requests.get(f"{distrusting.url}/api/schedules", headers=viewer, timeout=30).status_code == 401
    assert requests.get(f"{trusting.url}/api/schedules", timeout=30,
                        headers={"X-Forwarded-User": "x", "X-Forwarded-Roles": "root"}).status_code == 401
    assert requests.delete(f"{trusting.url}/api/schedules/{sid}", timeout=30,
                           headers={**viewer, "Origin": trusting.url}).status_code == 403
    assert requests.delete(f"{trusting.url}/api/schedules/{sid}", timeout=30,
                           headers={**editor, "Origin": trusting.url}).status_code == 204
    rows = json.loads(tsi_cli(env, "audit", "--json").stdout)
    assert any(r["user"] == "eve" and r["role"] == "editor" and r["action"] == "delete" for r in rows)
    assert any(r["user"] == "pat" and r["action"] == "sign-in refused" and r["detail"]["reason"] == "untrusted address"
               for r in rows)


# ------------------------------------------------------------------------------------------ rules


def test_roles_include_the_ones_before():
    from tsi.auth import role_at_least

    assert role_at_least("admin", "viewer") and role_at_least("editor", "editor")
    assert not role_at_least("viewer", "editor") and not role_at_least("root", "viewer")


def test_same_origin_compares_the_host_the_browser_addressed():
    from tsi.auth.csrf import same_origin

    assert same_origin("http://tsi.example:8050", None, "tsi.example:8050")
    assert same_origin("https://tsi.example", None, "tsi.example")  # TLS ends at the proxy
    assert same_origin(None, "http://tsi.example/sky-map?x=1", "tsi.example")
    assert not same_origin("http://elsewhere.example", "http://tsi.example/", "tsi.example")  # Origin wins
    assert not same_origin(None, None, "tsi.example") and not same_origin("null", None, "tsi.example")


def test_production_names_the_auth_choices(monkeypatch):
    from tsi.config import load_settings
    from tsi.errors import ConfigError

    for k in [k for k in __import__("os").environ if k.startswith("TSI_")]:
        monkeypatch.delenv(k)
    with pytest.raises(ConfigError, match="AUTH.MODE must be chosen: 'none', 'basic', 'oidc' or 'proxy'"):
        load_settings("production")
    with pytest.raises(ConfigError) as e:
        load_settings("testing", AUTH__MODE="oidc", AUTH__PROXY__TRUSTED=["not-a-net"],
                      AUTH__OIDC__ROLE_MAP={"g": "root"})
    text = str(e.value)
    for needle in ("AUTH.OIDC.ISSUER_URL", "AUTH.OIDC.CLIENT_ID", "AUTH.SECRET_KEY is required",
                   "AUTH.PROXY.TRUSTED must list CIDRs", "AUTH.OIDC.ROLE_MAP roles"):
        assert needle in text
    assert sys.version_info >= (3, 10)


def _callback_body(output_id: str, prop: str = "children") -> dict:
    """A Dash callback request writing `output_id` (the shape dash-renderer posts)."""
    return {"output": f"{output_id}.{prop}", "outputs": {"id": output_id, "property": prop},
            "inputs": [{"id": "home-delete-confirm", "property": "n_clicks", "value": 1}],
            "changedPropIds": ["home-delete-confirm.n_clicks"], "state": []}


@pytest.mark.parametrize("output_id", ["home-delete-message", "ds-recompute-result", "ds-parity-results"])
def test_a_viewers_data_changing_callback_is_refused_before_it_runs(basic_server, output_id):
    server, _env, _ids = basic_server
    before = _count(server)
    r = requests.post(f"{server.url}/_dash-update-component", json=_callback_body(output_id), timeout=30,
                      headers={**basic("vera"), "Origin": server.url})
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert _count(server) == before
    cross = requests.post(f"{server.url}/_dash-update-component", json=_callback_body(output_id), timeout=30,
                          headers={**basic("ed"), "Origin": "http://elsewhere.example"})
    assert cross.status_code == 403
