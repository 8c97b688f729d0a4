"""The cache (operations.md §3): bounded in bytes, outages answered as misses, a shared cache never skips the
native configuration, and changes made by another process seen at once through the catalogue generation."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from builders import ingest_dir

from tsi import data
from tsi.data import cache
from tsi.errors import ScheduleNotFoundError


# ------------------------------------------------------------------------------------------ ByteBoundedCache


def _payload(n: int) -> dict:
    return {"blocks": {"x": np.zeros(n)}, "ids": [f"b{i}" for i in range(10)]}


def test_the_in_process_cache_is_bounded_in_bytes_least_recently_used_out():
    one = cache.estimate_bytes(_payload(10_000))
    assert 80_000 < one < 90_000
    c = cache.ByteBoundedCache(max_bytes=3 * one + one // 2)
    for k in "abc":
        c.set(k, _payload(10_000))
    assert c.get("a") is not None  # a is now the most recently used
    c.set("d", _payload(10_000))
    assert c.get("b") is None and all(c.get(k) is not None for k in "acd")
    assert c.bytes_used <= c.max_bytes and len(c) == 3


def test_a_value_larger_than_the_bound_is_not_kept_and_evicts_nothing():
    c = cache.ByteBoundedCache(max_bytes=100_000)
    c.set("small", _payload(100))
    assert c.set("huge", _payload(1_000_000)) is False
    assert c.get("huge") is None and c.get("small") is not None


def test_entries_expire_and_replacing_a_key_does_not_leak_its_bytes(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: now[0])
    c = cache.ByteBoundedCache(max_bytes=10_000_000, default_timeout=30)
    c.set("k", _payload(1000))
    used = c.bytes_used
    c.set("k", _payload(1000))
    assert c.bytes_used == used
    c.set("forever", 1, timeout=0)
    now[0] += 31
    assert c.get("k") is None and c.get("forever") == 1
    assert c.bytes_used == cache.estimate_bytes(1)


def test_max_bytes_is_a_validated_setting(tsi_db, monkeypatch):
    from tsi.config import load_settings
    from tsi.errors import ConfigError

    assert load_settings("testing").CACHE.MAX_BYTES == 512 * 1024 * 1024
    with pytest.raises(ConfigError, match="CACHE.MAX_BYTES"):
        load_settings("testing", CACHE__MAX_BYTES=10)


# ------------------------------------------------------------------------------------------ outages


class _Broken:
    calls = 0

    def get(self, key):
        _Broken.calls += 1
        raise ConnectionError("Error 111 connecting to redis://:s3cret@cache:6379/0")

    set = delete = get


def test_a_failing_cache_is_a_miss_logged_once_and_counted(sid, caplog, monkeypatch):
    guarded = cache.get_cache()
    monkeypatch.setattr(guarded, "backend", _Broken())
    p = data.sky_map(sid)  # served from the database
    assert p["blocks"]["x"].size > 0
    assert cache.errors_total() >= 1
    warnings = [r for r in caplog.records if r.name == "tsi.cache"]
    assert len(warnings) == 1 and "unavailable" in warnings[0].getMessage()
    # The breaker leaves the dead backend alone for a while: no call per request.
    before = _Broken.calls
    for _ in range(5):
        data.distributions(sid)
    assert _Broken.calls == before
    assert cache.health() == "down"


def test_shared_caches_unpickle_copies_the_in_process_one_shares(sid):
    assert cache.shares_objects()
    assert data.sky_map(sid) is data.sky_map(sid)


# ------------------------------------------------------------------------------------------ configuration


@pytest.fixture
def sid(tsi_db, generated):
    return ingest_dir(generated["night"])["schedule_id"]


def test_a_warm_shared_cache_after_a_restart_still_configures_the_core(tsi_db, generated, tmp_path, monkeypatch):
    """Defect: the header came from the shared cache, so nothing configured `_core` before the flow binding ran."""
    from tsi.config import reset_settings

    monkeypatch.setenv("TSI_CACHE__TYPE", "FileSystemCache")
    monkeypatch.setenv("TSI_CACHE__DIR", str(tmp_path / "cache"))
    reset_settings()
    data.reset()
    sid = ingest_dir(generated["night"])["schedule_id"]
    data.sky_map(sid)  # header and payload now on disk
    code = (
        "from tsi import data\n"
        f"p = data.distributions({sid})\n"  # a flow this process never computed: header hit, payload miss
        "print(len(p['blocks']['priority']))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert int(out.stdout.strip()) > 0


def test_a_delete_by_another_process_is_seen_at_the_next_read(sid):
    assert [r["schedule_id"] for r in data.list_schedules()] == [sid]
    assert data.schedule_header(sid)["schedule_id"] == sid
    data.sky_map(sid)
    generation = data.catalogue_generation()
    out = subprocess.run([sys.executable, "-m", "tsi.cli", "delete", str(sid)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert data.catalogue_generation() > generation
    assert data.list_schedules() == []
    with pytest.raises(ScheduleNotFoundError):
        data.schedule_header(sid)
    with pytest.raises(ScheduleNotFoundError):
        data.sky_map(sid)


def test_the_generation_is_read_once_per_request_and_again_after_a_change(sid, generated, monkeypatch):
    from flask import Flask

    calls = []
    real = data.core().catalogue_generation
    monkeypatch.setattr(data.core(), "catalogue_generation", lambda: calls.append(1) or real())
    from tsi import auth

    with Flask(__name__).test_request_context("/"):
        auth.set_current_user(auth.ANONYMOUS)  # the app's AUTH.MODE "none" does this for every request
        data.list_schedules()
        data.schedule_header(sid)
        data.sky_map(sid)
        assert len(calls) == 1
        data.delete_schedule(sid)
        assert data.list_schedules() == []  # this request's own change is seen too
        assert len(calls) == 2
