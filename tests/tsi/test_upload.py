"""`POST /api/schedules` through Flask's test client (flows.md §9, input-formats.md §6–§8)."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import requests

from upload_inputs import pretty_generated_set, serving, write_multipart

from tsi import data
from tsi.errors import DatabaseError
from tsi.upload import ENDPOINT, MAX_FIELD_BYTES, MAX_PARTS, request_limit


@pytest.fixture
def client(tsi_db):
    import app as app_module

    c = app_module.app.server.test_client()
    c.environ_base["HTTP_ORIGIN"] = "http://localhost"  # as the app's own pages send it (CSRF check)
    return c


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
    got = int(re.fullmatch(r".*; got (\d+) bytes", body["message"]).group(1))
    assert got == r.request.content_length > limit and body["problems"][0]["got"] == f"{got} bytes"


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


def test_database_error_is_503_with_masked_message_and_temp_files_are_removed(client, generated, monkeypatch):
    seen = []

    def failing_ingest(schedule_path, visibility_path=None, dark_path=None, name=None, labels=None):
        seen.extend(p for p in (schedule_path, visibility_path, dark_path) if p)
        assert all(os.path.exists(p) for p in seen)
        assert labels == {"schedule": "season_schedule.json", "visibility": "possible_periods.json",
                          "dark": "dark_periods.json"}
        raise DatabaseError("login failed for Server=db;UID=sa;PWD=hunter22;")

    monkeypatch.setattr(data, "ingest", failing_ingest)
    r = _post(client, _f1(generated["season"]))
    assert r.status_code == 503  # operations.md §1: database unavailable
    body = r.get_json()
    assert body["error"] == "database" and "hunter22" not in body["message"] and "PWD=***" in body["message"]
    assert len(seen) == 3 and not any(os.path.exists(p) for p in seen)
    assert not any(os.path.exists(os.path.dirname(p)) for p in seen)


# ------------------------------------------------------------------------------------------ pretty-printed files


@pytest.fixture(scope="module")
def pretty_1500(tmp_path_factory):
    """`tsi generate --blocks 1500` pretty-printed (indent=2) with LF and with CRLF line ends: {ends: dir}."""
    root = tmp_path_factory.mktemp("pretty")
    return {ends: pretty_generated_set(root, 1500, crlf=ends == "crlf") for ends in ("lf", "crlf")}


@pytest.fixture(scope="module")
def pretty_25000_crlf(tmp_path_factory):
    return pretty_generated_set(tmp_path_factory.mktemp("pretty-large"), 25000, crlf=True)


def _assert_line_ends(d, ends):
    head = (d / "schedule.json").read_bytes()[:4096]
    assert head.count(b"\n") > 50 and (b"\r\n" in head) == (ends == "crlf")


def _assert_created_then_found(first, again, blocks):
    assert first["created"] is True and first["blocks"] == blocks and first["warnings"] == []
    assert again["created"] is False and again["schedule_id"] == first["schedule_id"]
    assert [s["schedule_id"] for s in data.list_schedules()] == [first["schedule_id"]]


@pytest.mark.parametrize("ends", ["lf", "crlf"])
def test_pretty_printed_set_lands_through_the_test_client(client, pretty_1500, ends):
    d = pretty_1500[ends]
    _assert_line_ends(d, ends)
    r = _post(client, _f1(d))
    assert r.status_code == 201, r.get_json()
    again = _post(client, _f1(d))
    assert again.status_code == 200, again.get_json()
    _assert_created_then_found(r.get_json(), again.get_json(), 1500)


def _post_over_socket(base_url, d):
    with open(d / "schedule.json", "rb") as s, open(d / "possible_periods.json", "rb") as v, \
            open(d / "dark_periods.json", "rb") as k:
        files = {"schedule": ("schedule.json", s, "application/json"),
                 "visibility": ("possible_periods.json", v, "application/json"),
                 "dark": ("dark_periods.json", k, "application/json")}
        return requests.post(base_url + ENDPOINT, files=files, timeout=120, headers={"Origin": base_url})


@pytest.mark.parametrize("ends", ["lf", "crlf"])
def test_pretty_printed_set_lands_over_a_real_socket(tsi_db, pretty_1500, ends):
    import app as app_module

    d = pretty_1500[ends]
    with serving(app_module.app.server) as url:
        first = _post_over_socket(url, d)
        again = _post_over_socket(url, d)
    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    _assert_created_then_found(first.json(), again.json(), 1500)


def test_large_pretty_printed_crlf_set_lands_over_a_real_socket(tsi_db, pretty_25000_crlf, tmp_path):
    """25,000 blocks with visibility, as a browser sends them (body streamed from disk, Content-Length set)."""
    import app as app_module

    d = pretty_25000_crlf
    body = tmp_path / "body"
    content_type = write_multipart(body, [("schedule", "schedule.json", d / "schedule.json"),
                                          ("visibility", "possible_periods.json", d / "possible_periods.json"),
                                          ("dark", "dark_periods.json", d / "dark_periods.json"),
                                          ("name", None, "Large season")])
    assert body.stat().st_size > 100 * 1024 * 1024
    answers = []
    with serving(app_module.app.server) as url:
        for _ in range(2):
            with open(body, "rb") as f:
                answers.append(requests.post(url + ENDPOINT, data=f, headers={"Content-Type": content_type,
                                                                              "Origin": url},
                                             timeout=300))
    first, again = answers
    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    assert first.json()["name"] == "Large season"
    _assert_created_then_found(first.json(), again.json(), 25000)


# ------------------------------------------------------------------------------------------ each limit, named


def test_too_long_name_is_refused_naming_the_field_and_its_limit(client, pretty_1500):
    form = _f1(pretty_1500["crlf"])
    form["name"] = "x" * (1024 * 1024)
    r = _post(client, form)
    assert r.status_code == 413
    limit = f"{MAX_FIELD_BYTES} bytes"
    assert r.get_json() == {
        "error": "size",
        "message": f"The text field 'name' is too long: expected at most {limit}; got more than {limit}",
        "problems": [{"file": "(request)", "path": "name", "expected": f"at most {limit}",
                      "got": f"more than {limit}"}]}
    assert data.list_schedules() == []


def test_seventeen_parts_are_refused_naming_the_part_limit(client, generated):
    def form(extra_fields):
        f = {"schedule": _part(generated["season"] / "schedule.json")}
        f.update({f"extra{i}": "x" for i in range(extra_fields)})
        return f

    r = _post(client, form(MAX_PARTS))  # 17 parts
    assert r.status_code == 413
    assert r.get_json() == {
        "error": "size",
        "message": "The request has too many multipart parts: expected at most 16 parts; got more than 16 parts",
        "problems": [{"file": "(request)", "path": "(parts)", "expected": "at most 16 parts",
                      "got": "more than 16 parts"}]}
    assert data.list_schedules() == []
    assert _post(client, form(MAX_PARTS - 1)).status_code == 201  # 16 parts are fine


def test_pretty_printed_file_over_the_limit_is_refused_naming_that_file(client, pretty_1500, monkeypatch):
    """A limit well above Werkzeug's 64 KiB chunk: the file's own limit answers, not a whole-request 413."""
    from tsi.config import reset_settings

    monkeypatch.setenv("TSI_UPLOAD__MAX_BYTES", "1000000")
    reset_settings()
    d = pretty_1500["crlf"]
    assert (d / "schedule.json").stat().st_size > 1_000_000
    form = {"dark": _part(d / "dark_periods.json"), "schedule": _part(d / "schedule.json", "season.json")}
    r = _post(client, form)
    assert r.status_code == 413
    assert r.get_json() == {
        "error": "size",
        "message": "season.json: (file): expected at most 1000000 bytes; got more than 1000000 bytes",
        "problems": [{"file": "season.json", "path": "(file)", "expected": "at most 1000000 bytes",
                      "got": "more than 1000000 bytes"}]}
    assert data.list_schedules() == []


def test_body_without_content_length_over_the_limit_is_refused(tsi_db, monkeypatch):
    """A chunked body (no Content-Length; the server terminates the input) is cut at the request limit."""
    import app as app_module
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    from tsi.config import reset_settings

    monkeypatch.setenv("TSI_UPLOAD__MAX_BYTES", str(1024 * 1024))
    reset_settings()
    limit = request_limit(1024 * 1024)
    # six files, each under the per-file limit, together over the request limit
    form = {f"file{i}": (io.BytesIO(b" " * 1_000_000), f"f{i}.json") for i in range(6)}
    environ = EnvironBuilder(path=ENDPOINT, method="POST", data=form,
                             headers={"Origin": "http://localhost"}).get_environ()
    del environ["CONTENT_LENGTH"]
    environ["wsgi.input_terminated"] = True  # what a server sets for a chunked body
    app_iter, status, _headers = run_wsgi_app(app_module.app.server, environ, buffered=True)
    assert status.startswith("413")
    body = json.loads(b"".join(app_iter))
    assert body["error"] == "size" and body["problems"][0]["got"] == f"more than {limit} bytes"
    assert body["message"].startswith(f"(request): expected at most {limit} bytes")


def test_malformed_bodies_are_bad_requests(client):
    boundary = "b0und4ry"
    ctype = f"multipart/form-data; boundary={boundary}"
    truncated = f'--{boundary}\r\nContent-Disposition: form-data; name="schedule"; filename="a.json"\r\n\r\n{{"a"'
    endless_headers = f'--{boundary}\r\nContent-Disposition: form-data; name="schedule"\r\nX-Pad: ' + "y" * 200_000
    for body in (truncated, endless_headers):
        r = client.post(ENDPOINT, data=body.encode(), content_type=ctype)
        assert r.status_code == 400, r.get_json()
        body = r.get_json()
        assert body["error"] == "request" and body["message"].startswith("Malformed multipart request")


# ------------------------------------------------------------------------------------------ temporary directories


@pytest.fixture
def upload_root(tmp_path, monkeypatch):
    """This test's own temporary directory for the process; returns the upload root inside it."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp / "tsi-uploads"


def test_start_up_removes_request_dirs_of_dead_processes_only(tsi_db, upload_root):
    from flask import Flask

    from tsi.upload import register

    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    with pytest.raises(ProcessLookupError):
        os.kill(finished.pid, 0)
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = upload_root / f"req-{finished.pid}-k1ll3d"
        live = [upload_root / f"req-{os.getpid()}-m1n3", upload_root / f"req-{running.pid}-0th3r"]
        unrelated = upload_root / "notes"
        for d in (stale, *live, unrelated):
            d.mkdir(parents=True)
            (d / "part-1").write_bytes(b"{}")
        register(Flask("start-up-probe"))
        assert not stale.exists()
        assert all(d.exists() for d in live) and unrelated.exists()
    finally:
        running.kill()
        running.wait()


def test_no_request_dir_remains_after_success_or_failure(client, generated, upload_root, monkeypatch):
    from tsi.config import reset_settings

    seen = []
    real_ingest = data.ingest

    def spying_ingest(schedule_path, *args, **kwargs):
        seen.append(Path(schedule_path).parent)
        return real_ingest(schedule_path, *args, **kwargs)

    monkeypatch.setattr(data, "ingest", spying_ingest)
    assert _post(client, _f1(generated["season"])).status_code == 201
    (request_dir,) = seen
    assert request_dir.parent == upload_root and request_dir.name.startswith(f"req-{os.getpid()}-")
    assert os.listdir(upload_root) == []

    bad = io.BytesIO(json.dumps({"SchedulingBlock": [{"schedulingBlockId": 1, "priority": "x"}]}).encode())
    assert _post(client, {"schedule": (bad, "bad.json")}).status_code == 400
    assert os.listdir(upload_root) == []
    assert _post(client, {"visibility": _part(generated["season"] / "possible_periods.json")}).status_code == 400
    assert os.listdir(upload_root) == []
    long_name = {"schedule": _part(generated["season"] / "schedule.json"), "name": "n" * (MAX_FIELD_BYTES + 1)}
    assert _post(client, long_name).status_code == 413
    assert os.listdir(upload_root) == []
    monkeypatch.setenv("TSI_UPLOAD__MAX_BYTES", "2048")
    reset_settings()
    assert _post(client, _f1(generated["season"])).status_code == 413
    assert os.listdir(upload_root) == []
