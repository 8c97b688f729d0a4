"""HTTP endpoints beside the Dash pages: Bootstrap CSS from an installed package, then the JSON API.

`register` adds, to the Flask server under Dash:

* compression of the responses (:mod:`tsi.compression`);
* `/vendor/bootstrap.min.css` (here);
* `POST /api/schedules`, the upload (:mod:`tsi.upload`);
* `GET /healthz` and the rest of the JSON API under `/api/` — list, header, flow payloads, delete, recompute
  analytics, JSON 404/405 for `/api/…` paths (:mod:`tsi.http_api`, whose docstring lists routes, parameters
  and statuses).

Bootstrap's CSS (Bootswatch "darkly", Bootstrap 5) is read from the Bootstrap-Flask package at start-up and served
from `/vendor/bootstrap.min.css`; its Google Fonts `@import` is removed so the page never leaves the machine
(the theme falls back to the system sans-serif font).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from flask import Flask, Response

BOOTSTRAP_URL = "/vendor/bootstrap.min.css"


@lru_cache(maxsize=1)
def bootstrap_css() -> bytes:
    path = resources.files("flask_bootstrap") / "static/bootstrap5/css/bootswatch/darkly/bootstrap.min.css"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"@import url\([^)]*\);", "", text)
    return text.encode("utf-8")


def register(server: Flask) -> None:
    from tsi.compression import install as install_compression
    from tsi.config import get_settings

    install_compression(server, get_settings())  # first: its after_request then runs last, on the final body

    @server.get(BOOTSTRAP_URL)
    def _bootstrap():  # pragma: no cover - exercised by the UI tests
        r = Response(bootstrap_css(), mimetype="text/css")
        r.headers["Cache-Control"] = "public, max-age=86400"
        return r

    from tsi.http_api import register as register_http_api
    from tsi.upload import register as register_upload

    register_upload(server)
    register_http_api(server)
