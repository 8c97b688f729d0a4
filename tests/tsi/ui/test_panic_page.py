"""A Rust panic in a flow shows the page's error message (`.tsi-error`), not a crash (architecture.md §5)."""

from __future__ import annotations

import logging

import pytest

from builders import ingest_dir

from tsi import _core


def _find(component, class_name: str) -> list:
    """Every component of a layout tree whose className has `class_name`."""
    found = []
    if class_name in (getattr(component, "className", None) or "").split():
        found.append(component)
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            found.extend(_find(child, class_name))
    return found


@pytest.mark.skipif(not hasattr(_core, "debug_panic"), reason="development build only (cargo feature testing)")
def test_a_panic_in_the_timeline_flow_shows_the_page_error(tsi_db, generated, monkeypatch, caplog):
    import app  # noqa: F401 - registers the pages
    from pages import timeline as timeline_page

    sid = ingest_dir(generated["night"])["schedule_id"]

    def exploding_flow(schedule_id, **_params):
        _core.debug_panic("flow exploded")

    for source in ("legacy", "etl"):
        monkeypatch.setattr(_core, f"timeline_{source}", exploding_flow)

    with caplog.at_level(logging.ERROR):
        page = timeline_page.layout(schedule=str(sid))

    alerts = _find(page, "tsi-error")
    assert len(alerts) == 1
    assert alerts[0].children == "Unexpected error (details in the server log)."
    assert alerts[0].color == "danger"
    assert any(r.name == "tsi.core" and "panic in debug_panic: flow exploded" in r.getMessage()
               for r in caplog.records)
    page_errors = [r for r in caplog.records if r.name == "tsi.ui"]
    assert page_errors and "internal error in debug_panic: flow exploded" in str(page_errors[0].exc_info[1])
