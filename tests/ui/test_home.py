"""Home page: schedule table with analytics badges, delete with confirmation, upload through real file inputs."""

from __future__ import annotations

import json

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from ui_helpers import assert_clean, console_errors, external_requests, open_page, start_app
from upload_inputs import pretty_generated_set

from tsi.ui.home_parts import EMPTY_TEXT, delete_question


def _row(sid: int) -> str:
    return f'#home-grid .ag-row[row-id="{sid}"]'


def _wait_enabled(dash_duo, selector: str, enabled: bool = True, timeout: int = 10):
    WebDriverWait(dash_duo.driver, timeout).until(
        lambda d: d.find_element("css selector", selector).is_enabled() == enabled)


def _choose(dash_duo, field: str, path) -> None:
    dash_duo.find_element(f"#home-file-{field}").send_keys(str(path))


def _upload(dash_duo, expect: str, timeout: int = 60) -> str:
    _wait_enabled(dash_duo, "#home-upload-button")
    dash_duo.find_element("#home-upload-button").click()
    dash_duo.wait_for_contains_text("#home-upload-message", expect, timeout=timeout)
    return dash_duo.find_element("#home-upload-message").text


def test_table_lists_every_schedule_with_its_analytics_badge(dash_duo, tsi_app, ui_env):
    from tsi import data

    _source, ids = ui_env
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, "/", _row(ids["season"]))
    listed = {s["schedule_id"]: s for s in data.list_schedules()}
    assert set(listed) == set(ids.values())
    for sid, s in listed.items():
        dash_duo.wait_for_text_to_equal(f"{_row(sid)} .tsi-analytics-badge", s["analytics"], timeout=10)
        row = dash_duo.find_element(_row(sid))
        link = row.find_element("css selector", "[col-id='name_link'] a")
        assert link.text == s["name"] and link.get_attribute("href").endswith(f"/sky-map?schedule={sid}")
        assert row.find_element("css selector", "[col-id='blocks']").text == str(s["blocks"])
        assert row.find_element("css selector", "[col-id='scheduled']").text == str(s["scheduled"])
        assert row.find_element("css selector", "[col-id='unscheduled']").text == str(s["unscheduled"])
        assert row.find_element("css selector", "[col-id='open'] a").get_attribute("href").endswith(
            f"/sky-map?schedule={sid}")
    assert len(dash_duo.find_elements("#home-grid .ag-center-cols-container .ag-row")) == 3
    assert not dash_duo.find_element("#home-upload-button").is_enabled()
    assert_clean(dash_duo)


def test_delete_asks_for_confirmation_then_removes_the_row(dash_duo, tsi_app, ui_env):
    from tsi import data

    _source, ids = ui_env
    sid = ids["night"]
    name = data.schedule_header(sid)["name"]
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, "/", _row(sid))

    dash_duo.find_element(f"{_row(sid)} .tsi-delete-button").click()
    dash_duo.wait_for_text_to_equal("#home-delete-question", delete_question(name, sid), timeout=10)
    dash_duo.find_element("#home-delete-cancel").click()
    dash_duo.wait_for_no_elements("#home-delete-modal .modal-dialog", timeout=10)
    assert dash_duo.find_element(_row(sid))
    assert sid in {s["schedule_id"] for s in data.list_schedules()}

    dash_duo.find_element(f"{_row(sid)} .tsi-delete-button").click()
    dash_duo.wait_for_text_to_equal("#home-delete-question", delete_question(name, sid), timeout=10)
    dash_duo.find_element("#home-delete-confirm").click()
    dash_duo.wait_for_no_elements(_row(sid), timeout=10)
    dash_duo.wait_for_contains_text("#home-delete-message", f"Deleted schedule '{name}' (id {sid}).", timeout=10)
    assert sid not in {s["schedule_id"] for s in data.list_schedules()}
    assert dash_duo.find_element(_row(ids["season"]))
    assert_clean(dash_duo)


def test_upload_through_the_file_inputs(dash_duo, tsi_app, ui_env, generated, tmp_path):
    from tsi import data

    _source, ids = ui_env
    d = generated["conflicts"]  # not stored by ui_env
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, "/", "#home-file-schedule")
    assert not dash_duo.find_element("#home-upload-button").is_enabled()

    # a new F1 triple
    _choose(dash_duo, "schedule", d / "schedule.json")
    _choose(dash_duo, "visibility", d / "possible_periods.json")
    _choose(dash_duo, "dark", d / "dark_periods.json")
    text = _upload(dash_duo, "Stored 'schedule'")
    new = data.list_schedules()[0]
    assert new["schedule_id"] not in ids.values()
    assert f"Stored 'schedule' (id {new['schedule_id']}): {new['blocks']} blocks, {new['scheduled']} scheduled." \
        in text
    link = dash_duo.find_element("#home-upload-message .tsi-open-link")
    assert link.get_attribute("href").endswith(f"/sky-map?schedule={new['schedule_id']}")
    dash_duo.wait_for_element(_row(new["schedule_id"]), timeout=10)  # the table was refreshed
    assert not dash_duo.find_element("#home-upload-button").is_enabled()  # inputs cleared after success

    # the same files again
    _choose(dash_duo, "schedule", d / "schedule.json")
    _choose(dash_duo, "visibility", d / "possible_periods.json")
    _choose(dash_duo, "dark", d / "dark_periods.json")
    text = _upload(dash_duo, "Already stored as")
    assert f"Already stored as 'schedule' (id {new['schedule_id']})." in text

    # F1 without visibility, with a name
    _choose(dash_duo, "schedule", d / "schedule.json")
    dash_duo.find_element("#home-upload-name").send_keys("No vis")
    text = _upload(dash_duo, "Stored 'No vis'")
    assert f"No visibility data: all {new['blocks']} blocks are impossible." in text

    assert_clean(dash_duo)

    # a bad file: the browser logs the HTTP 400 of the upload request itself, nothing else may appear
    bad = tmp_path / "bad_upload.json"
    bad.write_text(json.dumps({"SchedulingBlock": [{"schedulingBlockId": 7, "priority": "x"}]}))
    _choose(dash_duo, "schedule", bad)
    _upload(dash_duo, "schedule rejected")
    problems = [e.text for e in dash_duo.find_elements("#home-upload-message .tsi-problem")]
    assert 'bad_upload.json: SchedulingBlock[0].priority: expected a number; got "x"' in problems
    assert len(data.list_schedules()) == 5
    unexpected = [e for e in console_errors(dash_duo)
                  if not ("/api/schedules" in e["message"] and "status of 400" in e["message"])]
    assert unexpected == []
    assert external_requests(dash_duo) == []


@pytest.fixture(scope="module")
def pretty_crlf_1500(tmp_path_factory):
    """`tsi generate --blocks 1500` pretty-printed with CRLF line ends, as exporters write schedules."""
    return pretty_generated_set(tmp_path_factory.mktemp("pretty-home"), 1500, crlf=True)


def test_pretty_printed_crlf_set_lands_through_the_file_inputs(dash_duo, tsi_app, ui_env, pretty_crlf_1500):
    """Line breaks near a multipart chunk's end once made the server answer a false whole-request 413."""
    from tsi import data

    _source, ids = ui_env
    d = pretty_crlf_1500
    assert (d / "schedule.json").read_bytes()[:200].count(b"\r\n") > 3
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, "/", "#home-file-schedule")
    _choose(dash_duo, "schedule", d / "schedule.json")
    _choose(dash_duo, "visibility", d / "possible_periods.json")
    _choose(dash_duo, "dark", d / "dark_periods.json")
    text = _upload(dash_duo, "Stored 'schedule'")
    (new,) = [s for s in data.list_schedules() if s["schedule_id"] not in ids.values()]
    assert new["blocks"] == 1500
    assert f"Stored 'schedule' (id {new['schedule_id']}): 1500 blocks, {new['scheduled']} scheduled." in text
    dash_duo.wait_for_element(_row(new["schedule_id"]), timeout=10)
    assert_clean(dash_duo)


def test_empty_state_and_files_over_the_limit_are_refused_before_sending(dash_duo, tsi_app, ui_env, generated,
                                                                          monkeypatch):
    from tsi import data
    from tsi.config import reset_settings

    _source, ids = ui_env
    for sid in ids.values():
        data.delete_schedule(sid)
    monkeypatch.setenv("TSI_UPLOAD__MAX_BYTES", "2048")
    reset_settings()
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, "/", "#home-file-schedule")
    dash_duo.wait_for_contains_text("#home-list-message", EMPTY_TEXT, timeout=10)
    assert dash_duo.find_element("#home-upload-card").get_attribute("data-max-bytes") == "2048"

    big = generated["season"] / "schedule.json"
    _choose(dash_duo, "schedule", big)
    dash_duo.wait_for_contains_text(
        "#home-upload-message",
        f"schedule.json: (file): expected at most 2048 bytes; got {big.stat().st_size} bytes", timeout=10)
    assert not dash_duo.find_element("#home-upload-button").is_enabled()
    assert data.list_schedules() == []
    assert_clean(dash_duo)


def test_database_failure_is_explained(dash_duo, tsi_app, ui_env, tmp_path, monkeypatch):
    from tsi import data
    from tsi.config import get_settings, reset_settings

    broken = tmp_path / "not_a_database.sqlite3"
    broken.write_text("this is not an SQLite database " * 20)
    monkeypatch.setenv("TSI_DATABASE__SQLITE_PATH", str(broken))
    reset_settings()
    data.reset()
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, "/", "#home-list-message .alert")
    dash_duo.wait_for_text_to_equal(
        "#home-list-message", f"Cannot reach the database (sqlite, {broken}): file is not a database. "
                              "Run `tsi db check`.", timeout=10)
    assert get_settings().DATABASE.BACKEND == "sqlite"
    assert not dash_duo.find_element("#home-grid-wrap").is_displayed()
    assert_clean(dash_duo)
