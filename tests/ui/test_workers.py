"""Every page in headless Chromium against the production serving shape: `tsi run --workers 2` (gunicorn) with a
shared Redis cache, under both data sources — the suite's page checks once more, outside the in-process
test server. Also: a schedule deleted by another process disappears from the Home list at the next visit."""

from __future__ import annotations

import pytest

from servers import RedisServer, TsiServer, ingest_with, tsi_cli
from ui_helpers import assert_clean, open_page

PAGES = [  # (path, element that exists only once the page's data is drawn)
    ("/sky-map?schedule={a}", "#sky-graph .main-svg"),
    ("/distributions?schedule={a}", "#dist-priority .main-svg"),
    ("/visibility-map?schedule={a}", "#vis-histogram .main-svg"),
    ("/timeline?schedule={a}", "#tl-graph .main-svg"),
    ("/insights?schedule={a}", "#ins-corr .main-svg"),
    ("/trends?schedule={a}", "#tr-heatmap .main-svg"),
    ("/compare?schedule={a}&with={b}", "#cmp-summary"),
    ("/validation?schedule={a}", "#val-card-critical"),
    ("/data-source?schedule={a}", "#ds-fact-source"),
    ("/?schedule={a}", '#home-grid .ag-row[row-id="{a}"]'),
]


@pytest.fixture(scope="module", params=["legacy", "etl"])
def served(request, tmp_path_factory, generated):
    """(server, settings env, {name: id}) for one DATA_SOURCE: two gunicorn workers sharing one Redis."""
    root = tmp_path_factory.mktemp(f"workers-{request.param}")
    redis_server = RedisServer(root / "redis").start()
    env = {"TSI_ENV": "testing", "TSI_DATABASE__SQLITE_PATH": str(root / "tsi.sqlite3"),
           "TSI_DATA_SOURCE": request.param, "TSI_CACHE__TYPE": "RedisCache",
           "TSI_CACHE__REDIS_URL": redis_server.url, "TSI_LOG_LEVEL": "WARNING"}
    ids = ingest_with(env, {name: generated[name] for name in ("season", "variant", "night")})
    try:
        server = TsiServer(env, workers=2, log=root / "gunicorn.log").start()
        _warm(server)
        yield server, env, ids
        server.stop()
    finally:
        redis_server.stop()


def _warm(server) -> None:
    """Let both workers finish starting (first requests load the app's modules) before the browser's first visit."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    paths = ["/", "/_dash-layout", "/_dash-dependencies", "/api/schedules"] * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        for r in pool.map(lambda p: requests.get(server.url + p, timeout=60), paths):
            assert r.status_code == 200, (r.url, r.status_code)


@pytest.mark.parametrize("path,ready", PAGES, ids=[p.split("?")[0].strip("/") or "home" for p, _ in PAGES])
def test_every_page_draws_on_two_workers_with_redis(dash_duo, served, path, ready):
    server, _env, ids = served
    a, b = ids["season"], ids["variant"]
    dash_duo.server_url = server.url
    for _ in range(2):  # twice: the second visit is served from the shared cache, maybe by the other worker
        open_page(dash_duo, path.format(a=a, b=b), ready.format(a=a), timeout=60)
    assert not dash_duo.find_elements(".tsi-error")
    assert_clean(dash_duo)


def test_a_schedule_deleted_elsewhere_leaves_the_home_list(dash_duo, served):
    server, env, ids = served
    sid = ids["night"]
    dash_duo.server_url = server.url
    row = f'#home-grid .ag-row[row-id="{sid}"]'
    open_page(dash_duo, "/", row, timeout=60)
    out = tsi_cli(env, "delete", str(sid))
    assert out.returncode == 0, out.stderr
    open_page(dash_duo, "/", f'#home-grid .ag-row[row-id="{ids["season"]}"]', timeout=60)
    assert not dash_duo.find_elements(row)
    open_page(dash_duo, f"/sky-map?schedule={sid}", ".tsi-error", timeout=60)
    assert_clean(dash_duo)
