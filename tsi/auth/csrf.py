"""Cross-site request forgery (operations.md §2): a state-changing request — ``POST``/``PUT``/``PATCH``/``DELETE``
to ``/api/…`` and every Dash callback — is accepted only when its ``Origin`` header (or, when there is none,
its ``Referer``) names this server's own host. Browsers send ``Origin`` with every such request, so a page on
another site cannot make a signed-in visitor's browser upload or delete; a script sends it explicitly
(``Origin: https://tsi.example.org``). Refused: 403, nothing written, the refusal audited.

The host compared is the ``Host`` the request came in on (what the browser addressed), not the scheme: behind
a TLS proxy the page is ``https`` while the app sees ``http``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DASH_CALLBACK = "/_dash-update-component"


def needs_check(method: str, path: str) -> bool:
    return method in STATE_CHANGING and (path.startswith("/api/") or path == "/api" or path == DASH_CALLBACK)


def same_origin(origin: str | None, referer: str | None, host: str) -> bool:
    """Whether the request's declared origin is this host (Origin first; Referer only when Origin is absent)."""
    source = origin if origin else referer
    if not source or source == "null":
        return False
    netloc = urlsplit(source).netloc.lower()
    return bool(netloc) and netloc == host.lower()


def install(server: Flask) -> None:
    @server.before_request
    def _csrf():
        if not needs_check(request.method, request.path):
            return None
        if same_origin(request.headers.get("Origin"), request.headers.get("Referer"), request.host):
            return None
        from tsi.auth import audit
        from tsi.http_api import ApiError, error_response

        declared = request.headers.get("Origin") or request.headers.get("Referer") or "none"
        audit.record("request refused", detail={"reason": "cross-origin", "origin": declared[:200],
                                                 "method": request.method, "path": request.path[:200]})
        return error_response(ApiError(403, "forbidden", f"Cross-origin {request.method} refused: this request "
                                       f"comes from {declared[:200]!s}, not from this server's pages."))
