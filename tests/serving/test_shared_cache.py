"""The serving shapes the README documents, for real (operations.md §3): `tsi run --workers 2` (gunicorn) with
each `CACHE.TYPE` — RedisCache (Debian's redis-server with a password and a db index), FileSystemCache and the
in-process SimpleCache — all started by the test on loopback.

* both workers serve the same payloads (with Redis: payloads and headers land in Redis);
* a delete made by another process is a 404 on every worker at the next request (the catalogue generation);
* a restart with a warm shared cache serves every flow (each process configures the core itself);
* Redis stopped mid-run: pages and the API are still served from the database, /healthz says the cache is
  down; Redis back: the cache is used again.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from servers import RedisServer, TsiServer, ingest_with, tsi_cli, wait_until

requests = pytest.importorskip("requests")

FLOWS = ("sky-map", "distributions", "visibility-map", "timeline", "insights", "trends", "validation")


CACHE_TYPES = ["RedisCache", "FileSystemCache", "SimpleCache"]


@pytest.fixture(scope="module", params=CACHE_TYPES)
def stack(request, tmp_path_factory, generated):
    """(redis or None, tsi server, settings env, {name: schedule id}) — one database, two workers, one cache."""
    root = tmp_path_factory.mktemp("serving")
    env = {"TSI_ENV": "testing", "TSI_DATABASE__SQLITE_PATH": str(root / "tsi.sqlite3"),
           "TSI_CACHE__TYPE": request.param, "TSI_LOG_LEVEL": "WARNING"}
    redis_server = None
    if request.param == "RedisCache":
        redis_server = RedisServer(root / "redis").start()
        env["TSI_CACHE__REDIS_URL"] = redis_server.url
    elif request.param == "FileSystemCache":
        env["TSI_CACHE__DIR"] = str(root / "cache")
    ids = ingest_with(env, {name: generated[name] for name in ("season", "variant", "night")})
    try:
        server = TsiServer(env, workers=2, log=root / "gunicorn.log").start()
        yield redis_server, server, env, ids
        server.stop()
    finally:
        if redis_server is not None:
            redis_server.stop()


def _get_many(url: str, n: int = 24) -> list[requests.Response]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda _: requests.get(url, timeout=60), range(n)))


def _workers_answering(server: TsiServer, path: str, status: int) -> set[int]:
    return {pid for pid, st, p in server.access_log() if p == path and st == status}


def _from_both_workers(server: TsiServer, path: str, rounds: int = 20) -> list[requests.Response]:
    """Concurrent requests for `path`, in rounds until both workers have answered it (the kernel may hand a
    short burst to one worker); every answer is returned."""
    answers: list[requests.Response] = []
    for _ in range(rounds):
        answers += _get_many(server.url + path)
        if len({pid for pid, _st, p in server.access_log() if p == path}) == 2:
            return answers
    raise AssertionError(f"only one worker answered {path} in {rounds} rounds")


def test_payloads_are_cached_and_served_by_both_workers(stack):
    redis_server, server, env, ids = stack
    sid = ids["season"]
    for flow in FLOWS:
        r = requests.get(f"{server.url}/api/schedules/{sid}/{flow}", timeout=120)
        assert r.status_code == 200, (flow, r.text[:300])
    if redis_server is not None:
        keys = redis_server.keys()
        assert any(k.startswith(f"tsi:v1:sky_map:{sid}:") for k in keys), keys
        assert any(k.startswith("tsi:v1:hdr:") for k in keys), keys
    elif "TSI_CACHE__DIR" in env:
        assert any(Path(env["TSI_CACHE__DIR"]).iterdir())
    path = f"/api/schedules/{sid}/sky-map"
    answers = _from_both_workers(server, path)
    assert {r.status_code for r in answers} == {200}
    assert len({r.content for r in answers}) == 1


def test_a_delete_by_another_process_is_a_404_on_every_worker_at_once(stack, generated):
    _redis, server, env, ids = stack
    sid = ids["night"]
    path = f"/api/schedules/{sid}"
    assert {r.status_code for r in _from_both_workers(server, path)} == {200}  # both workers cached it
    assert {r.status_code for r in _from_both_workers(server, path + "/sky-map")} == {200}
    out = tsi_cli(env, "delete", str(sid))
    assert out.returncode == 0, out.stderr
    # At once: every request after the delete returned, on whichever worker, is a 404.
    answers = _get_many(server.url + path, 32) + _get_many(f"{server.url}{path}/sky-map", 32)
    while len(_workers_answering(server, path, 404)) < 2 and len(answers) < 640:
        answers += _get_many(server.url + path, 32)
    assert {r.status_code for r in answers} == {404}
    assert len(_workers_answering(server, path, 404)) == 2
    listed = requests.get(f"{server.url}/api/schedules", timeout=30).json()
    assert sid not in {s["schedule_id"] for s in listed}
    # Stored again by another process: visible at once too, under a new id.
    out = tsi_cli(env, "ingest", str(generated["night"] / "schedule.json"))
    assert out.returncode == 0, out.stderr
    new_id = json.loads(out.stdout)["schedule_id"]
    assert new_id > sid
    assert new_id in {s["schedule_id"] for s in requests.get(f"{server.url}/api/schedules", timeout=30).json()}
    assert {r.status_code for r in _get_many(f"{server.url}/api/schedules/{new_id}", 16)} == {200}


def test_a_restart_with_a_warm_shared_cache_serves_every_flow(stack):
    _redis, server, _env, ids = stack
    sid, other = ids["season"], ids["variant"]
    assert requests.get(f"{server.url}/api/schedules/{sid}/sky-map", timeout=120).status_code == 200
    server.stop()
    server.start()
    for flow in FLOWS:
        r = requests.get(f"{server.url}/api/schedules/{sid}/{flow}", timeout=120)
        assert r.status_code == 200, (flow, r.status_code, r.text[:300])
    r = requests.get(f"{server.url}/api/schedules/{sid}/compare?with={other}", timeout=120)
    assert r.status_code == 200, r.text[:300]


@pytest.mark.parametrize("stack", ["RedisCache"], indirect=True)
def test_redis_stopped_mid_run_pages_still_served_and_health_says_so(stack):
    redis_server, server, _env, ids = stack
    sid = ids["variant"]
    assert requests.get(f"{server.url}/healthz", timeout=30).json()["cache"] == "ok"
    redis_server.stop()
    try:
        for flow in ("sky-map", "insights", "timeline"):
            r = requests.get(f"{server.url}/api/schedules/{sid}/{flow}", timeout=60)
            assert r.status_code == 200, (flow, r.text[:300])
        assert requests.get(f"{server.url}/api/schedules", timeout=30).status_code == 200
        page = requests.get(f"{server.url}/sky-map?schedule={sid}", timeout=30)
        assert page.status_code == 200 and "_dash-config" in page.text
        health = requests.get(f"{server.url}/healthz", timeout=30)
        assert health.status_code == 200
        assert health.json()["cache"] == "down" and health.json()["database"] == "ok"
    finally:
        redis_server.start()
    wait_until(lambda: requests.get(f"{server.url}/healthz", timeout=30).json()["cache"] == "ok", 30,
               "cache back")

    def cached_again():
        assert requests.get(f"{server.url}/api/schedules/{sid}/distributions", timeout=60).status_code == 200
        return any(k.startswith(f"tsi:v1:distributions:{sid}:") for k in redis_server.keys())

    # Each worker leaves a failed cache alone for RETRY_SECONDS, then uses it again.
    wait_until(cached_again, 30, "payloads cached again", interval=1.0)


@pytest.mark.parametrize("stack", ["RedisCache"], indirect=True)
def test_two_hosts_on_one_database_and_redis_see_each_others_changes(stack, tmp_path, generated):
    """A second `tsi run` beside the first, as a second host would be: same settings, same database and Redis."""
    _redis, first, env, ids = stack
    second = TsiServer(env, workers=1, log=tmp_path / "second.log").start()
    try:
        sid = ids["season"]
        a = requests.get(f"{first.url}/api/schedules/{sid}/insights", timeout=120)
        b = requests.get(f"{second.url}/api/schedules/{sid}/insights", timeout=120)
        assert a.status_code == b.status_code == 200 and a.content == b.content
        # Stored through the second host's upload route: listed by the first at once, then deleted through
        # the first and gone from the second.
        d = generated["conflicts"]
        files = {f: (f"{f}.json", (d / n).read_bytes()) for f, n in
                 (("schedule", "schedule.json"), ("visibility", "possible_periods.json"), ("dark", "dark_periods.json"))}
        up = requests.post(f"{second.url}/api/schedules", files=files, timeout=120, headers={"Origin": second.url})
        assert up.status_code == 201, up.text[:300]
        new_id = up.json()["schedule_id"]
        assert new_id in {s["schedule_id"] for s in requests.get(f"{first.url}/api/schedules", timeout=30).json()}
        assert requests.delete(f"{first.url}/api/schedules/{new_id}", timeout=60,
                               headers={"Origin": first.url}).status_code == 204
        assert requests.get(f"{second.url}/api/schedules/{new_id}", timeout=30).status_code == 404
    finally:
        second.stop()


def test_the_production_settings_serve_with_redis(tmp_path, generated):
    """`TSI_ENV=production` as shipped (RedisCache, 4 workers by default), with only the database swapped for the
    embedded one and the secrets given in the environment."""
    redis_server = RedisServer(tmp_path / "redis").start()
    server = None
    try:
        env = {"TSI_ENV": "production", "TSI_AUTH__MODE": "none", "TSI_DATABASE__BACKEND": "sqlite",
               "TSI_DATABASE__SQLITE_PATH": str(tmp_path / "tsi.sqlite3"), "TSI_CACHE__REDIS_URL": redis_server.url}
        out = tsi_cli(env, "ingest", str(generated["night"] / "schedule.json"))
        assert out.returncode == 0, out.stderr
        sid = json.loads(out.stdout)["schedule_id"]
        server = TsiServer(env, workers=2, log=tmp_path / "production.log").start()
        health = requests.get(f"{server.url}/healthz", timeout=30).json()
        assert health["status"] == "ok" and health["cache"] == "ok"
        assert requests.get(f"{server.url}/api/schedules/{sid}/timeline", timeout=120).status_code == 200
        assert any(k.startswith(f"tsi:v1:timeline:{sid}:") for k in redis_server.keys())
    finally:
        if server is not None:
            server.stop()
        redis_server.stop()


@pytest.mark.parametrize("stack", ["FileSystemCache"], indirect=True)
@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
def test_a_real_size_pretty_printed_upload_lands_on_two_workers(stack, tmp_path_factory, crlf):
    """The `real` preset (2,647 blocks, a year of windows: ~150 MB once pretty-printed) posted as a browser
    would, twice: stored, then deduplicated — whichever worker answers."""
    from upload_inputs import FILES, pretty_generated_set, write_multipart

    _redis, server, _env, _ids = stack
    root = tmp_path_factory.mktemp("real-upload")
    d = pretty_generated_set(root, 2647, crlf=crlf, seed=2647, days=365.0)
    body = root / "body.bin"
    content_type = write_multipart(body, [(f.split(".")[0].replace("possible_periods", "visibility")
                                           .replace("dark_periods", "dark"), f, d / f) for f in FILES])
    answers = []
    for _ in range(2):
        with open(body, "rb") as f:
            answers.append(requests.post(f"{server.url}/api/schedules", data=f, timeout=300,
                                         headers={"Content-Type": content_type, "Origin": server.url}))
    first, again = answers
    assert first.status_code == 201, first.text[:500]
    assert first.json()["blocks"] == 2647 and first.json()["created"] is True
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["schedule_id"] == first.json()["schedule_id"]
