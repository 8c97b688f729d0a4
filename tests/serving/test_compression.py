"""Compression on a real `tsi run` (gunicorn): brotli on the wire with the shipped settings, and nothing compressed
with SERVER.COMPRESSION = false (a reverse proxy in front compresses)."""

from __future__ import annotations

import pytest

from servers import TsiServer, ingest_with

requests = pytest.importorskip("requests")


@pytest.mark.parametrize("compression", ["true", "false"])
def test_flow_payloads_on_the_wire(tmp_path, generated, compression):
    env = {"TSI_ENV": "testing", "TSI_DATABASE__SQLITE_PATH": str(tmp_path / "tsi.sqlite3"),
           "TSI_LOG_LEVEL": "WARNING", "TSI_SERVER__COMPRESSION": compression}
    sid = ingest_with(env, {"night": generated["night"]})["night"]
    server = TsiServer(env, workers=1).start()
    try:
        url = f"{server.url}/api/schedules/{sid}/sky-map"
        raw = requests.get(url, headers={"Accept-Encoding": "br, gzip"}, stream=True, timeout=30)
        wire = raw.raw.read(decode_content=False)
        plain = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=30)
        assert raw.status_code == plain.status_code == 200
        if compression == "true":
            import brotli

            assert raw.headers["Content-Encoding"] == "br" and brotli.decompress(wire) == plain.content
            assert len(wire) < len(plain.content) / 2
        else:
            assert "Content-Encoding" not in raw.headers and wire == plain.content
    finally:
        server.stop()
