"""``AUTH.MODE = "proxy"``: a trusted reverse proxy (which did the sign-in) names the user in
``AUTH.PROXY.USER_HEADER`` and their role(s) in ``AUTH.PROXY.ROLES_HEADER`` (comma-separated; the highest
known role counts). Accepted only from the addresses in ``AUTH.PROXY.TRUSTED`` (CIDRs); from anywhere else, or
without a user, 401 — the headers of an untrusted client prove nothing.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import flask
from dash_auth.auth import Auth

from tsi.auth import ROLES, User, audit, set_current_user


def highest_role(value: str | None) -> str | None:
    held = [r.strip().lower() for r in (value or "").split(",")]
    known = [r for r in held if r in ROLES]
    return max(known, key=ROLES.index) if known else None


class ProxyAuth(Auth):
    def __init__(self, app: Any, settings: Any, public_routes: list[str]) -> None:
        p = settings.AUTH.PROXY
        self.user_header = str(p.USER_HEADER)
        self.roles_header = str(p.ROLES_HEADER)
        self.trusted = [ipaddress.ip_network(str(c), strict=False) for c in p.TRUSTED]
        super().__init__(app, public_routes=public_routes)

    def _trusted(self, address: str | None) -> bool:
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in net for net in self.trusted)

    def is_authorized(self) -> bool:
        req = flask.request
        name = (req.headers.get(self.user_header) or "").strip()
        if not self._trusted(req.remote_addr):
            if name:
                audit.record("sign-in refused", user=name[:256], detail={"mode": "proxy", "reason": "untrusted address"})
            return False
        role = highest_role(req.headers.get(self.roles_header))
        if not name or role is None:
            audit.record("sign-in refused", user=name[:256] or None,
                         detail={"mode": "proxy", "reason": "no user" if not name else "no known role"})
            return False
        set_current_user(User(name[:256], role, "proxy"))
        return True

    def login_request(self):
        from tsi.http_api import ApiError, error_response

        return error_response(ApiError(401, "unauthenticated", "Not signed in: this server accepts users only "
                                                               "through its trusted reverse proxy."))


def install_proxy(app: Any, settings: Any) -> ProxyAuth:
    from tsi.auth.routes import PUBLIC_ROUTES

    return ProxyAuth(app, settings, public_routes=list(PUBLIC_ROUTES))
