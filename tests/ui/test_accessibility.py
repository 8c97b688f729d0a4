"""Accessibility audit: every page, under both data sources, through axe-core (the engine shipped by
axe-selenium-python) in headless Chromium. Any serious or critical finding fails, and so do the moderate rules
that are ours to keep (one `main`, one `h1`, ordered headings, content inside landmarks).

Each page is audited twice: as a new user first sees it (no schedule chosen) and with a schedule loaded, its
figures and tables drawn. Exclusions are listed in UPSTREAM with the reason (docs/decisions.md, Accessibility).
"""

from __future__ import annotations

import json
import os

import pytest

from ui_helpers import open_page, start_app

axe_selenium_python = pytest.importorskip("axe_selenium_python")

# (path, what to wait for once a schedule is chosen); `{a}`/`{b}` are two schedule ids.
PAGES = [
    ("/?schedule={a}", "#home-grid .ag-row"),
    ("/sky-map?schedule={a}", "#sky-graph .main-svg"),
    ("/distributions?schedule={a}", "#dist-priority .main-svg"),
    ("/visibility-map?schedule={a}", "#vis-calendar .main-svg"),
    ("/timeline?schedule={a}", "#tl-table .ag-row"),
    ("/insights?schedule={a}", "#ins-top-priority .ag-row"),
    ("/trends?schedule={a}", "#tr-heatmap .main-svg"),
    ("/compare?schedule={a}&with={b}", "#cmp-durations .main-svg"),
    ("/validation?schedule={a}", "#val-card-critical"),
    ("/data-source?schedule={a}", "#ds-fact-source"),
]

# Moderate/minor rules that are ours to keep at zero besides every serious and critical one.
OURS = {"landmark-one-main", "page-has-heading-one", "heading-order", "region", "landmark-no-duplicate-main",
        "landmark-unique", "html-has-lang", "label", "color-contrast", "skip-link", "empty-heading"}

# Findings only a third party can fix: {rule id: CSS selectors of the nodes excluded}. Empty: none today.
UPSTREAM: dict[str, tuple[str, ...]] = {}


def audit(dash_duo) -> list[dict]:
    """axe-core's violations on the current page that count: serious/critical, or one of OURS."""
    from axe_selenium_python import Axe

    axe = Axe(dash_duo.driver)
    axe.inject()
    results = axe.run(options=json.dumps({"resultTypes": ["violations"]}))
    found = []
    for v in results["violations"]:
        if v["impact"] not in ("serious", "critical") and v["id"] not in OURS:
            continue
        nodes = [n for n in v["nodes"] if not _upstream(v["id"], n)]
        if nodes:
            found.append({"rule": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in nodes],
                          "summary": [n.get("failureSummary", "") for n in nodes]})
    return found


def _upstream(rule: str, node: dict) -> bool:
    target = " ".join(str(t) for t in node["target"])
    return any(sel in target for sel in UPSTREAM.get(rule, ()))


UNLABELLED_FIGURES = """
return Array.from(document.querySelectorAll('.js-plotly-plot')).filter(gd => {
  const host = gd.closest('.dash-graph');
  const label = host ? (host.getAttribute('aria-label') || '').trim() : '';
  return !host || host.getAttribute('role') !== 'group' || label.length < 8;
}).map(gd => (gd.closest('.dash-graph') || gd).id || '?');
"""


def unlabelled_figures(dash_duo) -> list[str]:
    """Figures without a text alternative (role group + aria-label, written by assets/a11y.js after each draw)."""
    import time

    end = time.time() + 10
    missing = dash_duo.driver.execute_script(UNLABELLED_FIGURES)
    while missing and time.time() < end:
        time.sleep(0.2)
        missing = dash_duo.driver.execute_script(UNLABELLED_FIGURES)
    return missing


def settle(dash_duo, wait_for: str) -> None:
    dash_duo.wait_for_element(wait_for, timeout=60)
    # no callback still running: Dash marks the document while it is loading
    dash_duo.wait_for_no_elements("[data-dash-is-loading=true]", timeout=30)


def _write_dump(report: dict, source: str) -> None:
    if os.environ.get("TSI_AXE_DUMP"):  # a file to keep the findings in, for working on them
        with open(f"{os.environ['TSI_AXE_DUMP']}.{source}.json", "w") as f:
            json.dump(report, f, indent=1)


def test_every_page_passes_axe(dash_duo, tsi_app, ui_env):
    source, ids = ui_env
    start_app(dash_duo, tsi_app)
    report = {}
    for path, wait_for in PAGES:
        bare = path.split("?")[0]
        open_page(dash_duo, bare, "#_pages_content", timeout=60)
        settle(dash_duo, "h1")
        found = audit(dash_duo)
        if found:
            report[bare + " (no schedule)"] = found
        open_page(dash_duo, path.format(a=ids["season"], b=ids["variant"]), wait_for, timeout=60)
        settle(dash_duo, wait_for)
        found = audit(dash_duo)
        missing = unlabelled_figures(dash_duo)
        if missing:
            found.append({"rule": "figure-text-alternative", "impact": "serious", "nodes": missing})
        if found:
            report[path] = found
    _write_dump(report, source)
    assert report == {}, f"axe findings under DATA_SOURCE={source}:\n" + json.dumps(report, indent=1)


@pytest.fixture(params=["legacy", "etl"])
def empty_env(request, tmp_path, monkeypatch):
    """A first start: an empty database under one DATA_SOURCE."""
    from tsi import data
    from tsi.config import reset_settings

    monkeypatch.setenv("TSI_ENV", "testing")
    monkeypatch.setenv("TSI_DATABASE__SQLITE_PATH", str(tmp_path / "empty.sqlite3"))
    monkeypatch.setenv("TSI_DATA_SOURCE", request.param.upper() if request.param == "etl" else request.param)
    reset_settings()
    data.reset()
    yield request.param
    reset_settings()
    data.reset()


def test_every_page_passes_axe_on_an_empty_database(dash_duo, empty_env):
    """What a new user sees first: no schedule yet, every page telling them so."""
    import app as app_module

    start_app(dash_duo, app_module.app)
    report = {}
    for path, _wait_for in PAGES:
        bare = path.split("?")[0]
        open_page(dash_duo, bare, "#_pages_content", timeout=60)
        settle(dash_duo, "h1")
        found = audit(dash_duo)
        if found:
            report[bare + " (empty database)"] = found
    _write_dump(report, f"{empty_env}-empty")
    assert report == {}, f"axe findings under DATA_SOURCE={empty_env}:\n" + json.dumps(report, indent=1)
