"""HTTP endpoints beside the Dash pages: health, Bootstrap CSS from an installed package, schedule upload.

Bootstrap's CSS (Bootswatch "darkly", Bootstrap 5) is read from the Bootstrap-Flask package at start-up and served
from `/vendor/bootstrap.min.css`; its Google Fonts `@import` is removed so the page never leaves the machine
(the theme falls back to the system sans-serif font).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from flask import Flask, Response, jsonify

BOOTSTRAP_URL = "/vendor/bootstrap.min.css"


@lru_cache(maxsize=1)
def bootstrap_css() -> bytes:
    path = resources.files("flask_bootstrap") / "static/bootstrap5/css/bootswatch/darkly/bootstrap.min.css"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"@import url\([^)]*\);", "", text)
    return text.encode("utf-8")


def register(server: Flask) -> None:
    @server.get(BOOTSTRAP_URL)
    def _bootstrap():  # pragma: no cover - exercised by the UI tests
        r = Response(bootstrap_css(), mimetype="text/css")
        r.headers["Cache-Control"] = "public, max-age=86400"
        return r

    @server.get("/healthz")
    def _healthz():
        from tsi import data
        from tsi.config import get_settings

        try:
            from tsi import _core

            data.list_schedules(use_cache=False)
            body = {"status": "ok", "database": "ok", "data_source": data.data_source(),
                    "etl_version": _core.build_info()["etl_version"]}
            return jsonify(body), 200
        except Exception as e:  # noqa: BLE001 - health reports, never raises
            from tsi.secrets import mask_secrets

            return jsonify({"status": "error", "database": mask_secrets(str(e)),
                            "data_source": str(get_settings().DATA_SOURCE), "etl_version": None}), 503

    try:
        from tsi.upload import register as register_upload
    except ImportError:  # the upload endpoint lives in tsi/upload.py
        return
    register_upload(server)
