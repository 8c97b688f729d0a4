"""Schedule ids read from URLs: one parser for the pages, the navigation bar's selector and the API."""

from __future__ import annotations

import pytest

from tsi.ui.urls import MAX_SCHEDULE_ID, parse_schedule_id, parse_search, schedule_id_or_none, with_params

BAD = ["²", "³", "٣", "１", "1_000", " 1", "1 ", "+1", "-1", "0", "00", "1.0", "1e3", "abc", "0x10",
       str(2**63), "99999999999999999999", "9" * 5000, None, "", True, 0, -5, 2**63, 1.0]


def test_valid_ids():
    assert schedule_id_or_none("1") == 1
    assert schedule_id_or_none("0042") == 42
    assert schedule_id_or_none(str(MAX_SCHEDULE_ID)) == MAX_SCHEDULE_ID == 2**63 - 1
    assert schedule_id_or_none(7) == 7  # dropdown values are ints
    assert parse_schedule_id("3") == (3, None)


@pytest.mark.parametrize("value", BAD)
def test_anything_else_is_not_an_id(value):
    assert schedule_id_or_none(value) is None


@pytest.mark.parametrize("value", ["²", "0", "-1", str(2**63), "99999999999999999999", "abc", "1_000"])
def test_parse_schedule_id_gives_the_pages_message(value):
    assert parse_schedule_id(value) == (None, f"Invalid schedule id '{value}'")


def test_absent_is_no_id_and_no_message():
    assert parse_schedule_id(None) == (None, None)
    assert parse_schedule_id("") == (None, None)


def test_search_helpers():
    assert parse_search("?schedule=%C2%B2&with=2") == {"schedule": "²", "with": "2"}
    assert with_params("/x", {"schedule": 3, "with": None}) == "/x?schedule=3"


# ------------------------------------------------------------------------------------------ shell and pages


def _texts(component) -> str:
    """Every string in a component tree (children and props), joined."""
    out: list[str] = []

    def walk(node):
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, (list, tuple)):
            for n in node:
                walk(n)
        elif isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif hasattr(node, "to_plotly_json"):
            walk(node.to_plotly_json())

    walk(component)
    return " ".join(out)


@pytest.mark.parametrize("search,expected", [("?schedule=%C2%B2", None), ("?schedule=²", None),
                                             (f"?schedule={2**63}", None), ("?schedule=0", None),
                                             ("?schedule=-1", None), ("?schedule=3", 3), ("", None)])
def test_selector_ignores_ids_that_are_not_ids(tsi_db, monkeypatch, search, expected):
    import app  # noqa: F401 - registers the callbacks
    from tsi import data
    from tsi.ui.shell import fill_selector

    monkeypatch.setattr(data, "list_schedules", lambda **_k: [{"schedule_id": 3, "name": "three"}])
    options, value = fill_selector(search, "/sky-map")
    assert options == [{"label": "three (3)", "value": 3}]
    assert value == expected


@pytest.mark.parametrize("page", ["sky_map", "distributions", "visibility_map", "timeline", "insights", "trends",
                                  "compare", "validation", "data_source"])
@pytest.mark.parametrize("value", ["²", str(2**63), "99999999999999999999", "0", "-1"])
def test_pages_answer_bad_ids_with_a_message(tsi_db, page, value):
    import importlib

    import app  # noqa: F401 - registers the pages

    module = importlib.import_module(f"pages.{page}")
    text = _texts(module.layout(schedule=value))
    assert f"Invalid schedule id '{value}'" in text


@pytest.mark.parametrize("value", ["²", str(2**63), "0"])
def test_compare_answers_a_bad_with_id_with_a_message(tsi_db, generated, value):
    import app  # noqa: F401 - registers the pages
    from builders import ingest_dir
    from pages import compare

    sid = ingest_dir(generated["night"])["schedule_id"]
    text = _texts(compare.layout(schedule=str(sid), **{"with": value}))
    assert f"Invalid schedule id '{value}'" in text
