from dash import html

from tsi.ui.migration_cockpit import cockpit_body, latency_summary

REPORT = {
    "phase": "shadow", "next_phase": "live", "ready": False,
    "criteria": [{"name": "analytics", "label": "analytics fresh", "ok": True, "detail": "2 of 2 schedules fresh"},
                 {"name": "shadow", "label": "shadow comparisons", "ok": False, "detail": "1 of 5 differed"}],
    "parity": None,
    "shadow": {"window_days": 7, "min_comparisons": 1, "total": 5,
               "by_flow": {"timeline": {"match": 4, "mismatch": 1, "error": 0}}},
    "latency": {"timeline": {"legacy": {"p50_ms": 1.5, "p95_ms": 2.25, "count": 5}}},
    "fallbacks": {},
    "metrics": {"source": "this server", "error": None},
    "recent_problems": [{"id": 3, "at": "2026-12-03T10:00:00.000Z", "schedule_id": 2, "flow": "timeline",
                         "result": "mismatch", "served_source": "legacy", "diff_path": "blocks.priority[0]",
                         "legacy_value": "1.0", "etl_value": "2.0", "error": None, "params": {},
                         "build_version": "0.1.0", "reproduce": "tsi parity 2 --flow timeline --params '{}'"}],
}


def _find(node, cid):
    if getattr(node, "id", None) == cid:
        return node
    children = getattr(node, "children", None)
    for c in children if isinstance(children, list) else [children]:
        if c is not None and not isinstance(c, (str, int, float)):
            hit = _find(c, cid)
            if hit is not None:
                return hit
    return None


def _text(node) -> str:
    if node is None:
        return ""
    if isinstance(node, (str, int, float)):
        return str(node)
    children = getattr(node, "children", None)
    return " ".join(_text(c) for c in (children if isinstance(children, list) else [children]))


def test_the_cockpit_says_the_phase_each_criterion_and_how_to_reproduce_a_mismatch():
    body = cockpit_body(REPORT)
    assert _text(_find(body, "ds-phase")) == "shadow"
    assert _text(_find(body, "ds-ready")) == "not ready"
    ok = _find(body, "ds-criterion-analytics")
    bad = _find(body, "ds-criterion-shadow")
    assert "✓" in _text(ok) and "met:" in _text(ok) and "✗" in _text(bad) and "not met:" in _text(bad)
    problems = _text(_find(body, "ds-shadow-problems"))
    assert "first difference at blocks.priority[0]: legacy=1.0 etl=2.0" in problems
    assert "tsi parity 2 --flow timeline --params '{}'" in problems
    assert "none" in _text(_find(body, "ds-fallbacks"))
    assert isinstance(_find(body, "ds-latency-summary"), html.Figcaption)


def test_the_latency_chart_has_a_text_alternative():
    assert latency_summary(REPORT["latency"]) == \
        "Latency per flow and path. timeline: legacy p50 1.50 ms, p95 2.25 ms (5 calls)."
    assert latency_summary({}) == "No latency measured yet."
