"""``AUTH.MODE = "basic"``: HTTP Basic authentication (dash-auth's BasicAuth) against ``app_users``.

The glue: a malformed ``Authorization`` header is a refusal, not an error; a refused sign-in is audited; an
``/api/…`` request gets the JSON error shape; the signed-in user becomes :func:`tsi.auth.current_user`.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import flask
from dash_auth import BasicAuth

from tsi.auth import User, audit, set_current_user

REALM = "TSI"


def _credentials() -> tuple[str, str] | None:
    header = flask.request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        text = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    name, sep, password = text.partition(":")
    return (name, password) if sep else None


class TsiBasicAuth(BasicAuth):
    def __init__(self, app: Any, public_routes: list[str]) -> None:
        super().__init__(app, auth_func=lambda _name, _password: False, public_routes=public_routes)

    def is_authorized(self) -> bool:
        from tsi.auth import users

        creds = _credentials()
        if creds is None:
            return False
        name, password = creds
        row, why = users.verify(name, password)
        if row is None:
            audit.record("sign-in refused", user=name[:256], detail={"mode": "basic", "reason": why})
            return False
        set_current_user(User(row["name"], row["role"], "basic"))
        return True

    def login_request(self):
        headers = {"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'}
        if flask.request.path.startswith("/api/"):
            from tsi.http_api import ApiError, error_response

            r = error_response(ApiError(401, "unauthenticated", "Sign in: this server asks for a user name and "
                                                                "password (HTTP Basic)."))
            r.headers.update(headers)
            return r
        return flask.Response("Sign in to TSI.", status=401, headers=headers)


def install_basic(app: Any, settings: Any) -> TsiBasicAuth:
    from tsi.auth.routes import PUBLIC_ROUTES

    return TsiBasicAuth(app, public_routes=list(PUBLIC_ROUTES))
