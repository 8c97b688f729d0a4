"""Home page helpers: table rows, messages and the rendering of upload results (no browser)."""

from __future__ import annotations

import json

from tsi.config import load_settings
from tsi.errors import DatabaseError
from tsi.ui.home_parts import (
    EMPTY_TEXT,
    database_failure_text,
    delete_question,
    escape_markdown,
    problem_line,
    schedule_columns,
    schedule_rows,
    upload_result_view,
    upload_succeeded,
    utc_minutes,
)


def _text(component) -> str:
    """All text of a component tree, children joined in order."""
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return "".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


def _find(component, cls: str) -> list:
    out = []
    if isinstance(component, (list, tuple)):
        for c in component:
            out += _find(c, cls)
        return out
    if component is None or isinstance(component, (str, int, float)):
        return out
    if cls in (getattr(component, "className", None) or "").split():
        out.append(component)
    return out + _find(getattr(component, "children", None), cls)


ROW = {"schedule_id": 7, "name": "Season [A](javascript:x) *b*", "upload_timestamp": "2026-11-26T13:07:59.588Z",
       "checksum": "ab", "blocks": 300, "scheduled": 190, "unscheduled": 110, "analytics": "stale"}


def test_rows_keep_names_as_text_and_link_to_the_sky_map():
    (r,) = schedule_rows([ROW])
    assert r["row_id"] == "7" and r["schedule_id"] == 7 and r["name"] == ROW["name"]
    assert r["uploaded"] == "2026-11-26 13:07"
    assert (r["blocks"], r["scheduled"], r["unscheduled"], r["analytics"]) == (300, 190, 110, "stale")
    assert r["open"] == "[Open](/sky-map?schedule=7)"
    # every Markdown control character of the name is escaped, so the only link is ours
    assert r["name_link"] == r"[Season \[A\]\(javascript:x\) \*b\*](/sky-map?schedule=7)"
    fields = [c["field"] for c in schedule_columns()]
    assert fields == ["name_link", "schedule_id", "uploaded", "blocks", "scheduled", "unscheduled", "analytics",
                      "open", "delete"]


def test_escape_markdown_and_times():
    assert escape_markdown("a_b <i>x</i>") == r"a\_b \<i\>x\</i\>"
    assert utc_minutes("2026-01-02T03:04:05+02:00") == "2026-01-02 01:04"
    assert utc_minutes("not a time") == "not a time" and utc_minutes(None) == ""


def test_messages():
    assert delete_question("X", 3) == ("Delete schedule 'X' (id 3)? Its blocks and analytics are removed; "
                                       "this cannot be undone.")
    assert EMPTY_TEXT == "No schedules yet — upload one below, or run `tsi demo`."
    assert problem_line({"file": "a.json", "path": "(root)", "expected": "valid JSON", "got": "x"}) == \
        "a.json: (root): expected valid JSON; got x"


def test_database_failure_names_backend_and_masked_target(tmp_path):
    s = load_settings("testing", DATABASE__SQLITE_PATH=str(tmp_path / "db.sqlite3"))
    text = database_failure_text(DatabaseError("unable to open database file; PWD=secret1"), s)
    assert text == (f"Cannot reach the database (sqlite, {tmp_path / 'db.sqlite3'}): unable to open database "
                    "file; PWD=***. Run `tsi db check`.")


def _result(status, body):
    return {"status": status, "body": json.dumps(body)}


def test_created_result_with_open_link_and_warnings():
    r = _result(201, {"schedule_id": 4, "name": "S", "blocks": 120, "scheduled": 71, "created": True,
                      "warnings": ["No visibility data: all 120 blocks are impossible."]})
    view = upload_result_view(r)
    text = _text(view)
    assert text.startswith("Stored 'S' (id 4): 120 blocks, 71 scheduled.")
    assert "No visibility data: all 120 blocks are impossible." in text
    (link,) = _find(view, "tsi-open-link")
    assert link.href == "/sky-map?schedule=4"
    assert upload_succeeded(r)


def test_existing_result():
    r = _result(200, {"schedule_id": 4, "name": "S", "blocks": 120, "scheduled": 71, "created": False,
                      "warnings": []})
    assert _text(upload_result_view(r)) == "Already stored as 'S' (id 4).Open"


def test_format_errors_are_listed_one_line_per_problem():
    r = _result(400, {"error": "format", "message": "schedule rejected: 2 problem(s)\na\nb",
                      "problems": [{"file": "f.json", "path": "SchedulingBlock[0].priority", "expected": "a number",
                                    "got": '"x"'},
                                   {"file": "f.json", "path": "(root)", "expected": "an object", "got": "null"}]})
    view = upload_result_view(r)
    lines = [_text(li) for li in _find(view, "tsi-problem")]
    assert lines == ['f.json: SchedulingBlock[0].priority: expected a number; got "x"',
                     "f.json: (root): expected an object; got null"]
    assert _text(view).startswith("schedule rejected: 2 problem(s)")
    assert not upload_succeeded(r)


def test_size_database_and_unreadable_answers():
    assert _text(upload_result_view(_result(413, {"error": "size", "message": "big.json: (file): expected at "
                                                  "most 2048 bytes; got 4000 bytes"}))).startswith("big.json:")
    assert _text(upload_result_view(_result(500, {"error": "database", "message": "locked"}))) == \
        "Database error: locked"
    assert "HTTP 502" in _text(upload_result_view({"status": 502, "body": "<html>bad gateway</html>"}))
    assert upload_result_view(None) is None
