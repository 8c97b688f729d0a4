"""`POST /api/schedules` through Flask's test client (flows.md §9, input-formats.md §6–§8)."""

from __future__ import annotations

import gzip
import io
import json
import os

import pytest

from tsi import data
from tsi.errors import DatabaseError


@pytest.fixture
def client(tsi_db):
    import app as app_module

    return app_module.app.server.test_client()


def _part(path, filename=None):
    return (open(path, "rb"), filename or os.path.basename(path))


def _f1(d, vis=True, dark=True):
    form = {"schedule": _part(d / "schedule.json", "season_schedule.json")}
    if vis:
        form["visibility"] = _part(d / "possible_periods.json")
    if dark:
        form["dark"] = _part(d / "dark_periods.json")
    return form


def _post(client, form):
    return client.post("/api/schedules", data=form, content_type="multipart/form-data")


def test_good_f1_triple_is_created_then_found_again(client, generated):
    r = _post(client, _f1(generated["season"]))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["created"] is True and body["blocks"] == 300 and body["name"] == "season_schedule"
    assert body["warnings"] == []
    assert [s["schedule_id"] for s in data.list_schedules()] == [body["schedule_id"]]

    again = _post(client, _f1(generated["season"]))
    assert again.status_code == 200
    b2 = again.get_json()
    assert b2["created"] is False and b2["schedule_id"] == body["schedule_id"]
    assert len(data.list_schedules()) == 1


def test_name_field_names_the_schedule(client, generated):
    form = _f1(generated["season"])
    form["name"] = "  Season A  "
    r = _post(client, form)
    assert r.status_code == 201 and r.get_json()["name"] == "Season A"


def test_f1_without_visibility_warns_that_every_block_is_impossible(client, generated):
    r = _post(client, _f1(generated["season"], vis=False))
    assert r.status_code == 201
    assert r.get_json()["warnings"] == ["No visibility data: all 300 blocks are impossible."]


def test_gzipped_f1_without_visibility_is_also_recognised(client, generated, tmp_path):
    gz = tmp_path / "schedule.json.gz"
    gz.write_bytes(gzip.compress((generated["season"] / "schedule.json").read_bytes()))
    r = _post(client, {"schedule": _part(gz)})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["warnings"] == ["No visibility data: all 300 blocks are impossible."]


def test_f2_single_file_has_no_visibility_warning(client, generated):
    r = _post(client, {"schedule": _part(generated["night"] / "schedule.json")})
    assert r.status_code == 201
    assert r.get_json()["warnings"] == []


def test_bad_file_is_rejected_with_problems_naming_file_and_path(client, tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text(json.dumps({"SchedulingBlock": [{"schedulingBlockId": 1, "priority": "high"}]}))
    r = _post(client, {"schedule": _part(bad, "my_upload.json")})
    assert r.status_code == 400
    body = r.get_json()
    assert body["error"] == "format" and body["message"].startswith("schedule rejected:")
    pri = [p for p in body["problems"] if p["path"] == "SchedulingBlock[0].priority"]
    assert pri == [{"file": "my_upload.json", "path": "SchedulingBlock[0].priority", "expected": "a number",
                    "got": '"high"'}]
    assert data.list_schedules() == []


def test_invalid_json_reports_line_and_column(client):
    r = _post(client, {"schedule": (io.BytesIO(b'{"SchedulingBlock": [\n  1,,\n]}'), "x.json")})
    assert r.status_code == 400
    (p,) = r.get_json()["problems"]
    assert p["file"] == "x.json" and p["path"].startswith("line 2") and p["expected"] == "valid JSON"


def test_f2_with_a_visibility_file_is_rejected(client, generated):
    form = {"schedule": _part(generated["night"] / "schedule.json"),
            "visibility": _part(generated["season"] / "possible_periods.json", "vis.json")}
    r = _post(client, form)
    assert r.status_code == 400
    assert r.get_json()["problems"] == [{"file": "vis.json", "path": "(file)", "got": "a file",
                                         "expected": "no separate visibility file for a single-file (F2) schedule"}]


def test_missing_schedule_part_is_a_bad_request(client, generated):
    r = _post(client, {"visibility": _part(generated["season"] / "possible_periods.json")})
    assert r.status_code == 400
    assert r.get_json()["error"] == "request" and "'schedule'" in r.get_json()["message"]
    # an empty file input (no file chosen) counts as missing too
    r = _post(client, {"schedule": (io.BytesIO(b""), ""), "name": "x"})
    assert r.status_code == 400 and r.get_json()["error"] == "request"
    assert client.post("/api/schedules", data=b"{}", content_type="application/json").status_code == 400


@pytest.fixture
def small_limit(monkeypatch):
    from tsi.config import reset_settings

    monkeypatch.setenv("TSI_UPLOAD__MAX_BYTES", "2048")
    reset_settings()
    yield 2048


def test_file_over_the_limit_is_refused_with_413(client, small_limit, generated):
    big = generated["season"] / "schedule.json"
    assert big.stat().st_size > small_limit
    r = _post(client, {"schedule": _part(big, "big.json")})
    assert r.status_code == 413
    body = r.get_json()
    assert body["error"] == "size"
    assert body["message"].startswith("big.json: (file): expected at most 2048 bytes")
    assert data.list_schedules() == []


def test_request_over_the_limit_is_refused_with_413(client, small_limit):
    limit = 3 * small_limit + 1024 * 1024
    r = _post(client, {"schedule": (io.BytesIO(b" " * (limit + 10)), "huge.json")})
    assert r.status_code == 413
    body = r.get_json()
    assert body["error"] == "size" and f"at most {limit} bytes" in body["message"]


def test_flask_request_limit_is_answered_as_json(small_limit):
    """MAX_CONTENT_LENGTH is set from the settings; Flask's own 413 becomes JSON under /api/."""
    from flask import Flask, request

    from tsi.upload import register, request_limit

    server = Flask("probe")
    register(server)
    assert server.config["MAX_CONTENT_LENGTH"] == request_limit(small_limit) == 3 * 2048 + 1024 * 1024

    @server.post("/api/echo")
    def _echo():
        return {"n": len(request.get_data())}

    c = server.test_client()
    assert c.post("/api/echo", data=b"x" * 10).get_json() == {"n": 10}
    r = c.post("/api/echo", data=b"x" * (request_limit(small_limit) + 1))
    assert r.status_code == 413 and r.get_json()["error"] == "size"
    assert f"at most {request_limit(small_limit)} bytes" in r.get_json()["message"]


def test_database_error_is_500_with_masked_message_and_temp_files_are_removed(client, generated, monkeypatch):
    seen = []

    def failing_ingest(schedule_path, visibility_path=None, dark_path=None, name=None, labels=None):
        seen.extend(p for p in (schedule_path, visibility_path, dark_path) if p)
        assert all(os.path.exists(p) for p in seen)
        assert labels == {"schedule": "season_schedule.json", "visibility": "possible_periods.json",
                          "dark": "dark_periods.json"}
        raise DatabaseError("login failed for Server=db;UID=sa;PWD=hunter22;")

    monkeypatch.setattr(data, "ingest", failing_ingest)
    r = _post(client, _f1(generated["season"]))
    assert r.status_code == 500
    body = r.get_json()
    assert body["error"] == "database" and "hunter22" not in body["message"] and "PWD=***" in body["message"]
    assert len(seen) == 3 and not any(os.path.exists(p) for p in seen)
    assert not any(os.path.exists(os.path.dirname(p)) for p in seen)
