import pickle

import pytest

from tsi.errors import (
    AnalyticsMissingError,
    ConfigError,
    DatabaseError,
    ScheduleFormatError,
    ScheduleNotFoundError,
    TsiError,
)


def test_hierarchy():
    assert issubclass(TsiError, Exception)
    assert issubclass(ScheduleFormatError, TsiError) and issubclass(ScheduleFormatError, ValueError)
    assert issubclass(ScheduleNotFoundError, TsiError) and issubclass(ScheduleNotFoundError, LookupError)
    for cls in (AnalyticsMissingError, DatabaseError, ConfigError):
        assert issubclass(cls, TsiError)
        assert not issubclass(cls, (ValueError, LookupError))


def test_schedule_format_error_positional():
    errors = [{"file": "schedule.json", "path": "$.blocks[3].priority", "expected": "number", "got": '"x"'}]
    e = ScheduleFormatError("schedule.json is invalid", errors)
    assert str(e) == "schedule.json is invalid"
    assert e.errors == errors
    with pytest.raises(ValueError):
        raise e


def test_schedule_not_found_default_message():
    e = ScheduleNotFoundError(7)
    assert e.schedule_id == 7
    assert str(e) == "Schedule 7 does not exist (it may have been deleted)."
    assert str(ScheduleNotFoundError(7, "custom")) == "custom"
    with pytest.raises(LookupError):
        raise e


def test_analytics_missing_messages():
    e = AnalyticsMissingError(3, "missing")
    assert (e.schedule_id, e.reason) == (3, "missing")
    assert str(e) == (
        "Analytics for schedule 3 are missing (data source etl). "
        "Recompute them on the Data Source page or run `tsi etl backfill 3`."
    )
    stale = AnalyticsMissingError(3, "stale")
    assert "are out of date (data source etl)" in str(stale)
    assert str(AnalyticsMissingError(3, "stale", "msg")) == "msg"


def test_database_and_config_errors():
    e = DatabaseError("connection failed")
    assert e.sqlstate is None and str(e) == "connection failed"
    assert DatabaseError("dup", "23000").sqlstate == "23000"
    c = ConfigError("bad", ["a", "b"])
    assert c.problems == ["a", "b"]
    assert ConfigError("backend not compiled in").problems == ["backend not compiled in"]
    assert ConfigError("x", []).problems == []


@pytest.mark.parametrize(
    "exc",
    [
        ScheduleFormatError("m", [{"file": "f", "path": "p", "expected": "e", "got": "g"}]),
        ScheduleNotFoundError(1),
        AnalyticsMissingError(2, "stale"),
        DatabaseError("m", "08001"),
        ConfigError("m", ["p"]),
    ],
)
def test_pickle_roundtrip(exc):
    copy = pickle.loads(pickle.dumps(exc))
    assert type(copy) is type(exc)
    assert str(copy) == str(exc)
    assert copy.__dict__ == exc.__dict__


# --- the native boundary: what `tsi._core` raises is exactly these classes -----------------------------------

import logging  # noqa: E402

from tsi import _core, errors  # noqa: E402

needs_testing_build = pytest.mark.skipif(not hasattr(_core, "debug_panic"),
                                         reason="development build only (cargo feature testing)")


@needs_testing_build
def test_a_rust_panic_is_a_tsi_error_logged_once(caplog):
    with caplog.at_level(logging.ERROR, logger="tsi.core"):
        with pytest.raises(Exception) as ei:  # pyo3's PanicException is a BaseException and would escape
            _core.debug_panic("boom 42")
    assert type(ei.value) is errors.TsiError
    assert str(ei.value) == "internal error in debug_panic: boom 42; see the server log"
    logged = [r for r in caplog.records if "boom 42" in r.getMessage()]
    assert [(r.name, r.levelno) for r in logged] == [("tsi.core", logging.ERROR)]
    assert "panic in debug_panic: boom 42" in logged[0].getMessage()
    # the process keeps working, and a second panic is the same error
    assert "version" in _core.build_info()
    with pytest.raises(errors.TsiError, match="internal error in debug_panic: again; see the server log"):
        _core.debug_panic("again")


def test_every_core_error_kind_arrives_as_its_tsi_errors_class(tsi_db, generated, tmp_path):
    from builders import ingest_dir, sql_elsewhere, write_json
    from tsi import data

    core = data.core()
    sid = ingest_dir(generated["night"])["schedule_id"]

    with pytest.raises(errors.ScheduleNotFoundError) as nf:
        core.schedule_header(sid + 1000)
    assert type(nf.value) is errors.ScheduleNotFoundError and nf.value.schedule_id == sid + 1000
    assert str(nf.value) == f"Schedule {sid + 1000} does not exist (it may have been deleted)."

    bad = write_json(tmp_path / "bad" / "schedule.json", {"SchedulingBlock": [{"schedulingBlockId": 1}]})
    with pytest.raises(errors.ScheduleFormatError) as fmt:
        core.ingest(str(bad))
    assert type(fmt.value) is errors.ScheduleFormatError and isinstance(fmt.value, ValueError)
    assert fmt.value.errors and all(set(e) == {"file", "path", "expected", "got"} for e in fmt.value.errors)
    assert str(fmt.value).startswith("schedule rejected:")

    with pytest.raises(ValueError) as val:  # CoreError::Value: a plain ValueError, not a TsiError
        core.insights_legacy(sid, top_n=101)
    assert type(val.value) is ValueError and str(val.value) == "top_n must be in 1..100"

    sql_elsewhere(tsi_db, ("delete from analytics_schedule_summary_analytics where schedule_id = ?", (sid,)))
    with pytest.raises(errors.AnalyticsMissingError) as am:
        core.validation_etl(sid)
    assert type(am.value) is errors.AnalyticsMissingError
    assert (am.value.schedule_id, am.value.reason) == (sid, "missing")

    with pytest.raises(errors.DatabaseError) as db:
        core.db_pending(str(tmp_path / "no" / "such" / "dir" / "x.sqlite3"))
    assert type(db.value) is errors.DatabaseError and db.value.sqlstate is None
    assert "unable to open database file" in str(db.value)

    with pytest.raises(errors.ConfigError) as cfg:
        core.configure("bogus", "x")
    assert type(cfg.value) is errors.ConfigError
    assert cfg.value.problems == ["unknown database backend 'bogus'"] == [str(cfg.value)]

    # raised by the core, the classes still pickle with their attributes
    for exc in (nf.value, fmt.value, am.value, db.value, cfg.value):
        copy = pickle.loads(pickle.dumps(exc))
        assert type(copy) is type(exc) and str(copy) == str(exc) and copy.__dict__ == exc.__dict__
