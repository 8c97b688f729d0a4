"""Responses compressed on the wire (tsi/compression.py): brotli or gzip as the client accepts, the same bytes
once decoded, fixed files compressed once per process, nothing compressed when SERVER.COMPRESSION is false."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest
from flask import Flask

from builders import ingest_dir

from tsi.compression import StaticOnlyCache, install


@pytest.fixture
def client(tsi_db):
    import app as app_module

    c = app_module.app.server.test_client()
    c.environ_base["HTTP_ORIGIN"] = "http://localhost"
    return c


def test_flow_payloads_travel_compressed_and_decode_to_the_same_json(client, tsi_db, generated):
    sid = ingest_dir(generated["season"])["schedule_id"]
    plain = client.get(f"/api/schedules/{sid}/sky-map", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    br = client.get(f"/api/schedules/{sid}/sky-map", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.headers["Content-Encoding"] == "br" and "Accept-Encoding" in br.headers["Vary"]
    assert brotli.decompress(br.get_data()) == plain.get_data()
    assert len(br.get_data()) < len(plain.get_data()) / 3
    gz = client.get(f"/api/schedules/{sid}/sky-map", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.get_data()) == plain.get_data()


def test_script_bundles_are_compressed_once_and_kept(client):
    index = client.get("/").get_data(as_text=True)
    bundle = next(u for u in re.findall(r'<script src="([^"]+)"', index) if "dash_ag_grid" in u)
    first = client.get(bundle, headers={"Accept-Encoding": "br"})
    again = client.get(bundle, headers={"Accept-Encoding": "br"})
    assert first.headers["Content-Encoding"] == "br" and first.get_data() == again.get_data()
    assert len(brotli.decompress(first.get_data())) > 3 * len(first.get_data())


def test_only_fixed_files_are_kept():
    cache = StaticOnlyCache(max_entries=2)
    cache.set("br;static:/_dash-component-suites/x.js?", b"x")
    cache.set("br;", b"a callback's answer")
    assert cache.get("br;static:/_dash-component-suites/x.js?") == b"x"
    assert cache.get("br;") is None
    for i in range(3):
        cache.set(f"gzip;static:/assets/{i}.css?", b"c")
    assert len(cache._data) <= 2


def test_switched_off_for_a_compressing_proxy():
    class S:
        class SERVER:
            COMPRESSION = False

    app = Flask(__name__)
    assert install(app, S) is False and not app.after_request_funcs
