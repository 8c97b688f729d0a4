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
