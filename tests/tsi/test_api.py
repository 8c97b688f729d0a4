"""The JSON HTTP API (operations.md §1) through Flask's test client of the real app."""

from __future__ import annotations

import json
import logging
import re

import pytest

from builders import ingest_dir, sql_elsewhere

from tsi import data
from tsi.cli import FLOW_NAMES, main
from tsi.errors import DatabaseError


@pytest.fixture
def client(tsi_db):
    import app as app_module

    c = app_module.app.server.test_client()
    c.environ_base["HTTP_ORIGIN"] = "http://localhost"  # as the app's own pages send it (CSRF check)
    return c


@pytest.fixture
def sid(tsi_db, generated):
    return ingest_dir(generated["night"])["schedule_id"]


def export(capsys, *args) -> bytes:
    """What `tsi export …` prints, as bytes."""
    capsys.readouterr()
    code = main(["export", *map(str, args)])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out.encode()


def assert_error(r, status: int, kind: str, parameter: str | None = None) -> dict:
    assert r.status_code == status, (r.status_code, r.data[:300])
    assert r.mimetype == "application/json"
    body = r.get_json()
    assert set(body) == {"error", "message", "problems"} and body["error"] == kind, body
    assert "\n" not in body["message"] and "Traceback" not in body["message"]
    if parameter is not None:
        assert body["problems"] == [{"parameter": parameter, "message": body["message"]}], body
        assert parameter in body["message"]
    return body


# ------------------------------------------------------------------------------------------ reading


def test_list_and_header_are_the_facade_answers(client, sid, capsys):
    r = client.get("/api/schedules")
    assert r.status_code == 200 and r.mimetype == "application/json"
    capsys.readouterr()
    assert main(["schedules"]) == 0
    assert r.get_json() == json.loads(capsys.readouterr().out)
    assert [s["schedule_id"] for s in r.get_json()] == [sid]

    r = client.get(f"/api/schedules/{sid}")
    assert r.status_code == 200
    assert r.get_json() == json.loads(json.dumps(data.schedule_header(sid, use_cache=False)))


def test_every_flow_on_both_sources_is_byte_for_byte_tsi_export(client, sid, capsys):
    for flow in FLOW_NAMES:
        extra = ["--with", sid] if flow == "compare" else []
        query = f"&with={sid}" if flow == "compare" else ""
        for source in ("legacy", "etl"):
            r = client.get(f"/api/schedules/{sid}/{flow}?source={source}{query}")
            assert r.status_code == 200, (flow, source, r.data[:300])
            assert r.headers["X-TSI-Source"] == source
            assert r.data == export(capsys, sid, flow, "--source", source, *extra), (flow, source)


def test_source_defaults_to_the_configured_one(client, sid, monkeypatch):
    r = client.get(f"/api/schedules/{sid}/timeline")
    assert r.status_code == 200 and r.headers["X-TSI-Source"] == "legacy"
    monkeypatch.setenv("TSI_DATA_SOURCE", "etl")
    from tsi.config import reset_settings

    reset_settings()
    data.reset()
    r = client.get(f"/api/schedules/{sid}/timeline")
    assert r.status_code == 200 and r.headers["X-TSI-Source"] == "etl"
    assert client.get(f"/api/schedules/{sid}/timeline?source=LEGACY").headers["X-TSI-Source"] == "legacy"


def test_flow_parameters_use_the_cli_option_names(client, sid, generated, capsys):
    other = ingest_dir(generated["conflicts"])["schedule_id"]
    blocks = data.sky_map(sid)["blocks"]["original_block_id"][:2]
    cases = [
        ("visibility-map", "bins=7", ["--bins", 7]),
        ("visibility-map", "bin_seconds=3600&priority_min=2&priority_max=8.5",
         ["--bin-seconds", 3600, "--priority-min", 2, "--priority-max", 8.5]),
        ("visibility-map", f"block_id={blocks[0]}&block_id={blocks[1]}",
         ["--block-id", blocks[0], "--block-id", blocks[1]]),
        ("insights", "top_n=3&exclude_impossible=true", ["--top-n", 3, "--exclude-impossible"]),
        ("distributions", "exclude_impossible", ["--exclude-impossible"]),
        ("distributions", "exclude_impossible=false", []),
        ("sky-map", "projection=hammer&ra_right=1&center_ra=90", ["--projection", "hammer", "--ra-right",
                                                                   "--center-ra", 90]),
        ("trends", "n_bins=6&bandwidth=0.5&smooth_points=40&visibility_range=0,50&priority_level=5"
                   "&priority_level=9&class_weight=none",
         ["--n-bins", 6, "--bandwidth", 0.5, "--smooth-points", 40, "--visibility-range", 0, 50,
          "--priority-level", 5, "--priority-level", 9, "--class-weight", "none"]),
        ("compare", f"with={other}", ["--with", other]),
        ("timeline", "pretty=true", ["--pretty"]),
    ]
    for flow, query, args in cases:
        r = client.get(f"/api/schedules/{sid}/{flow}?{query}")
        assert r.status_code == 200, (flow, query, r.data[:300])
        assert r.data == export(capsys, sid, flow, *args), (flow, query)
    assert client.get(f"/api/schedules/{sid}/visibility-map?bins=7").get_json()["range"]["n_bins"] == 7
    top = client.get(f"/api/schedules/{sid}/insights?top_n=3").get_json()["top_priority"]
    assert len(top["block_id"]) == 3
    cmp = client.get(f"/api/schedules/{sid}/compare?with={other}").get_json()
    assert cmp == json.loads(export(capsys, sid, "compare", "--with", other))


def test_query_keys_come_from_the_export_parser():
    from tsi.cli import build_parser
    from tsi.http_api import export_options

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    longs = {s for a in sub.choices["export"]._actions for s in a.option_strings if s.startswith("--")}
    keys = set(export_options().options)
    assert keys == {s[2:].replace("-", "_") for s in longs} - {"help"}
    assert {"projection", "ra_right", "center_ra", "exclude_impossible", "bins", "bin_seconds", "start", "end",
            "priority_min", "priority_max", "block_id", "top_n", "n_bins", "bandwidth", "smooth_points",
            "visibility_range", "requested_range", "priority_level", "class_weight", "with", "source"} <= keys


# ------------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize("query,parameter", [
    ("visibility-map?nonsense=1", "nonsense"),
    ("visibility-map?bins=abc", "bins"),
    ("visibility-map?bins=%C2%B2", "bins"),
    ("visibility-map?bins=0", "bins"),
    ("visibility-map?bins=99999999999999999999", "bins"),
    ("visibility-map?bins=3&bins=4", "bins"),
    ("visibility-map?bins=3&bin_seconds=60", "bin_seconds"),
    ("visibility-map?bin_seconds=9223372036854775807000", "bin_seconds"),
    ("visibility-map?start=yesterday", "start"),
    ("visibility-map?start=61771&end=nope", "end"),
    ("visibility-map?start=1e300", "start"),
    ("visibility-map?start=inf", "start"),
    ("visibility-map?priority_min=nan", "priority_min"),
    ("insights?top_n=0", "top_n"),
    ("insights?top_n=1.5", "top_n"),
    ("sky-map?center_ra=400", "center_ra"),
    ("sky-map?projection=globe", "projection"),
    ("sky-map?ra_right=maybe", "ra_right"),
    ("sky-map?top_n=3", "top_n"),
    ("trends?visibility_range=1", "visibility_range"),
    ("trends?visibility_range=5,1", "visibility_range"),
    ("trends?smooth_points=5", "smooth_points"),
    ("trends?class_weight=heavy", "class_weight"),
    ("timeline?source=both", "source"),
    ("compare", "with"),
    ("compare?with=%C2%B2", "with"),
    ("compare?with=0", "with"),
    ("compare?with=-1", "with"),
    ("compare?with=99999999999999999999", "with"),
])
def test_bad_parameters_are_400_naming_the_key(client, sid, query, parameter):
    assert_error(client.get(f"/api/schedules/{sid}/{query}"), 400, "parameter", parameter)


@pytest.mark.parametrize("path", ["%C2%B2", "99999999999999999999", "9223372036854775808", "0", "-1", "abc",
                                  "1.0", "%20%31", "%D9%A3", "1_0"])
def test_malformed_ids_are_400_never_500(client, tsi_db, path):
    for method, suffix in [("GET", ""), ("GET", "/timeline"), ("DELETE", ""), ("POST", "/analytics")]:
        r = client.open(f"/api/schedules/{path}{suffix}", method=method)
        assert r.status_code in (400, 404), (method, path, suffix, r.status_code)
        assert_error(r, r.status_code, "parameter" if r.status_code == 400 else "not_found")


def test_the_largest_id_is_well_formed_and_unknown(client, tsi_db):
    assert_error(client.get("/api/schedules/9223372036854775807"), 404, "not_found")
    assert_error(client.get("/api/schedules/9223372036854775807/sky-map"), 404, "not_found")


def test_unknown_schedules_and_routes_are_404(client, sid):
    assert_error(client.get("/api/schedules/4242"), 404, "not_found")
    assert_error(client.get("/api/schedules/4242/insights"), 404, "not_found")
    assert_error(client.get(f"/api/schedules/{sid}/compare?with=4242"), 404, "not_found")
    body = assert_error(client.get(f"/api/schedules/{sid}/sky_map"), 404, "not_found")
    assert "sky-map" in body["message"]
    for method, path in [("GET", "/api"), ("GET", "/api/"), ("GET", "/api/nope"), ("POST", "/api/nope/x"),
                         ("DELETE", "/api/nope"), ("GET", f"/api/schedules/{sid}/timeline/extra")]:
        assert_error(client.open(path, method=method), 404, "not_found")
    # the pages are not under /api and stay Dash's
    r = client.get("/sky-map?schedule=1")
    assert r.status_code == 200 and r.mimetype == "text/html"


def test_wrong_methods_are_405_with_allow(client, sid):
    for method, path, allowed in [("PUT", "/api/schedules", {"GET", "POST"}),
                                  ("DELETE", "/api/schedules", {"GET", "POST"}),
                                  ("POST", f"/api/schedules/{sid}", {"GET", "DELETE"}),
                                  ("GET", f"/api/schedules/{sid}/analytics", {"POST"}),
                                  ("POST", f"/api/schedules/{sid}/timeline", {"GET"})]:
        r = client.open(path, method=method)
        assert_error(r, 405, "method_not_allowed")
        assert allowed <= {m.strip() for m in r.headers["Allow"].split(",")}, (method, path)
    assert client.get(f"/api/schedules/{sid}").status_code == 200  # nothing changed


def test_unknown_query_keys_on_routes_without_parameters(client, sid):
    assert_error(client.get("/api/schedules?page=2"), 400, "parameter", "page")
    assert_error(client.get(f"/api/schedules/{sid}?x=1"), 400, "parameter", "x")
    assert_error(client.delete(f"/api/schedules/{sid}?force=1"), 400, "parameter", "force")
    assert client.get(f"/api/schedules/{sid}").status_code == 200


def test_stale_and_missing_analytics_are_409_and_recompute_repairs(client, sid, tsi_db):
    sql_elsewhere(tsi_db, ("update analytics_schedule_summary_analytics set source_checksum = 'x' "
                           "where schedule_id = ?", (sid,)))
    data.reset()  # drop the cached header
    body = assert_error(client.get(f"/api/schedules/{sid}/timeline?source=etl"), 409, "analytics")
    assert body["problems"] == [{"schedule_id": sid, "reason": "stale"}]
    assert f"tsi etl backfill {sid}" in body["message"]
    assert client.get(f"/api/schedules/{sid}/timeline?source=legacy").status_code == 200

    r = client.post(f"/api/schedules/{sid}/analytics")
    assert r.status_code == 200, r.data
    state = r.get_json()
    assert state["schedule_id"] == sid and state["recomputed"] is True
    assert state["state_before"] == "stale" and state["state"] == "fresh"
    assert state["status"]["state"] == "fresh" and state["status"]["schedule_id"] == sid
    assert client.get(f"/api/schedules/{sid}").get_json()["analytics_state"] == "fresh"
    r = client.get(f"/api/schedules/{sid}/timeline?source=etl")
    assert r.status_code == 200 and r.headers["X-TSI-Source"] == "etl"

    sql_elsewhere(tsi_db, ("delete from analytics_schedule_summary_analytics where schedule_id = ?", (sid,)))
    data.reset()
    body = assert_error(client.get(f"/api/schedules/{sid}/validation?source=etl"), 409, "analytics")
    assert body["problems"] == [{"schedule_id": sid, "reason": "missing"}]
    r = client.post(f"/api/schedules/{sid}/analytics")
    assert r.status_code == 200 and r.get_json()["state_before"] == "missing"
    assert client.get(f"/api/schedules/{sid}/validation?source=etl").status_code == 200


def test_recompute_of_an_unknown_schedule_is_404(client, tsi_db):
    assert_error(client.post("/api/schedules/4242/analytics"), 404, "not_found")


def test_delete_then_everything_is_404(client, sid):
    assert client.get(f"/api/schedules/{sid}/sky-map").status_code == 200  # cached now
    r = client.delete(f"/api/schedules/{sid}")
    assert r.status_code == 204 and r.data == b""
    assert_error(client.get(f"/api/schedules/{sid}"), 404, "not_found")
    assert_error(client.get(f"/api/schedules/{sid}/sky-map"), 404, "not_found")
    assert_error(client.delete(f"/api/schedules/{sid}"), 404, "not_found")
    assert client.get("/api/schedules").get_json() == []


def test_database_errors_are_503_with_secrets_masked(client, sid, monkeypatch):
    def down(*_a, **_k):
        raise DatabaseError("cannot connect: Server=db;UID=sa;PWD=hunter2secret;")

    monkeypatch.setattr(data, "list_schedules", down)
    monkeypatch.setattr(data, "schedule_header", down)
    for path in ("/api/schedules", f"/api/schedules/{sid}", f"/api/schedules/{sid}/timeline"):
        body = assert_error(client.get(path), 503, "database")
        assert "hunter2secret" not in body["message"] and "cannot connect" in body["message"]
    r = client.get("/healthz")
    assert r.status_code == 503
    body = r.get_json()
    assert body["status"] == "error" and "hunter2secret" not in body["database"]
    assert set(body) == {"status", "database", "cache", "data_source", "etl_version"}


def test_unexpected_errors_are_500_with_an_error_id_the_log_repeats(client, sid, monkeypatch, caplog):
    def broken(*_a, **_k):
        raise RuntimeError("secret internals PWD=hunter2secret")

    monkeypatch.setattr(data, "schedule_header", broken)
    with caplog.at_level(logging.ERROR, logger="tsi.http_api"):
        r = client.get(f"/api/schedules/{sid}")
    body = assert_error(r, 500, "internal")
    assert body["problems"] == [] and "hunter2secret" not in body["message"] and "internals" not in body["message"]
    error_id = re.search(r"error id ([0-9a-f]{16})", body["message"]).group(1)
    records = [rec for rec in caplog.records if error_id in rec.getMessage()]
    assert records and records[0].exc_info is not None and records[0].exc_info[0] is RuntimeError


# ------------------------------------------------------------------------------------------ health


def test_healthz_reports_database_cache_source_and_etl_version(client, sid):
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.get_json()
    assert body == {"status": "ok", "database": "ok", "cache": body["cache"], "data_source": "legacy",
                    "etl_version": data.build_info()["etl_version"]}
    assert body["cache"] in ("ok", "unknown")


def test_healthz_stays_ok_when_only_the_cache_is_down(client, sid, monkeypatch):
    from tsi.data import cache

    assert client.get("/healthz").get_json()["cache"] == "ok"

    class Unreachable:
        def get(self, key):
            raise ConnectionError("Error 111 connecting to redis://:s3cret@cache:6379/0")

        set = delete = get

    monkeypatch.setattr(cache.get_cache(), "backend", Unreachable())
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json()["status"] == "ok" and r.get_json()["cache"] == "down"
    assert "s3cret" not in r.get_data(as_text=True)
    assert client.get(f"/api/schedules/{sid}/sky-map").status_code == 200  # served from the database


def test_every_route_declares_its_least_role():
    from tsi.http_api import ROLES, ROUTES

    roles = {(r.rule.split("<any")[0], m): r.role for r in ROUTES for m in r.methods}
    assert roles[("/healthz", "GET")] == "public"
    assert roles[("/api/schedules", "GET")] == "viewer"
    assert roles[("/api/schedules/<schedule_id>", "DELETE")] == "editor"
    assert roles[("/api/schedules/<schedule_id>/analytics", "POST")] == "editor"
    assert all(r.role in ROLES for r in ROUTES)
