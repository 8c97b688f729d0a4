"""``AUTH.MODE = "oidc"``: OpenID Connect sign-in through dash-auth's OIDCAuth (authlib underneath), the
authorization-code flow with PKCE (S256), one provider configured in ``AUTH.OIDC``.

dash-auth and authlib do the protocol: the discovery document (``ISSUER_URL/.well-known/openid-configuration``),
the redirect with state, nonce and code challenge, the code exchange and the ID token's checks (signature
against the provider's keys, issuer, audience, nonce, expiry). The session is Flask's signed cookie
(``AUTH.SECRET_KEY``; flags set by :func:`tsi.auth.install`). The glue here:

* **Role.** The ``ROLE_CLAIM`` claim (a list, or a comma/space-separated string) mapped through ``ROLE_MAP``
  (IdP group → role); the highest role wins. A user with no mapped role is refused (403, audited).
* **Who.** ``preferred_username``, else ``email``, else ``sub`` — :func:`tsi.auth.current_user` on every request.
* **Expiry.** The sign-in time is kept in the session; a session older than ``AUTH.SESSION_HOURS`` is signed
  out (cleared) and the sign-in starts again.
* **Not signed in.** ``/api/…`` and Dash's own requests get the JSON 401; a page redirects to the provider
  and, once signed in, comes back to the page that was asked for.
* **Failures.** A callback that fails (bad state, the provider's error, an ID token that does not check out,
  the provider unreachable) is audited and answered 401 — a page, no traceback.
* **Sign-out** clears the session and shows a page with a link back (the provider's own session stays).
"""

from __future__ import annotations

import html
import logging
import re
import time
from typing import Any

from dash_auth import OIDCAuth
from flask import Response, redirect, request, session

from tsi.auth import ROLES, User, audit, set_current_user

log = logging.getLogger("tsi.auth")

__all__ = ["IDP", "claim_groups", "role_for", "user_name", "session_expired", "TsiOIDCAuth", "install_oidc"]

#: The provider's name in dash-auth's routes: /oidc/idp/login, /oidc/idp/callback (and /oidc/logout).
IDP = "idp"
#: Session keys beside dash-auth's ``user`` (the ID token's claims) and ``idp``.
SIGNED_IN_AT = "tsi_signed_in_at"
NEXT_PAGE = "tsi_next"
#: Claims kept in the session cookie (with the role claim); the rest of the ID token is not needed.
KEPT_CLAIMS = ("sub", "preferred_username", "email", "name")
#: Sign-ins started and not finished that the session remembers (the oldest are forgotten).
PENDING_SIGN_INS = 5
#: A sign-in time further ahead than this (clock skew between hosts) is not believed.
CLOCK_SKEW_S = 300


# ------------------------------------------------------------------------------------------ the rules

def claim_groups(value: Any) -> list[str]:
    """The groups a role claim lists: a JSON list, or one string separated by commas and/or spaces."""
    if value is None:
        return []
    if isinstance(value, str):
        return [g for g in re.split(r"[,\s]+", value) if g]
    if isinstance(value, (list, tuple, set)):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [str(value).strip()] if str(value).strip() else []


def role_for(claims: dict[str, Any], role_claim: str, role_map: Any) -> str | None:
    """The highest role that the user's groups map to (None: no group is mapped)."""
    mapping = {str(group): str(role).strip().lower() for group, role in dict(role_map or {}).items()}
    roles = [mapping[g] for g in claim_groups(claims.get(role_claim)) if mapping.get(g) in ROLES]
    return max(roles, key=ROLES.index) if roles else None


def user_name(claims: dict[str, Any]) -> str | None:
    """The name shown and audited: ``preferred_username``, else ``email``, else ``sub``."""
    for key in ("preferred_username", "email", "sub"):
        value = claims.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()[:256]
    return None


def session_expired(signed_in_at: Any, hours: float, now: float | None = None) -> bool:
    """Whether a session signed in at ``signed_in_at`` (Unix seconds) has ended: older than ``hours``, or
    without a believable sign-in time."""
    if isinstance(signed_in_at, bool) or not isinstance(signed_in_at, (int, float)):
        return True
    now = time.time() if now is None else now
    if signed_in_at > now + CLOCK_SKEW_S:
        return True
    return now - signed_in_at >= float(hours) * 3600


# ------------------------------------------------------------------------------------------ pages

def _page(title: str, message: str, status: int, link: tuple[str, str] = ("/", "Back to TSI")) -> Response:
    """A small page of TSI's own (no Dash): a title, a sentence, one link."""
    e = html.escape
    body = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>TSI: {e(title)}</title>'
            '<link rel="icon" href="data:,"></head><body style="font-family: sans-serif; padding: 3rem 5rem;">'
            f'<h1 id="oidc-title" style="font-size: 1.4rem;">{e(title)}</h1><p id="oidc-message">{e(message)}</p>'
            f'<p><a id="oidc-link" href="{e(link[0])}">{e(link[1])}</a></p></body></html>')
    return Response(body, status=status, mimetype="text/html", headers={"Cache-Control": "no-store"})


def _local_target(value: Any) -> str | None:
    """``value`` when it is a path on this server (no scheme, no host), else None."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    return value


def _is_page_request() -> bool:
    """Whether a request without a session may be sent to the provider: a GET of a page — not the API, not
    Dash's own requests, and, when the browser says what it fetches (``Sec-Fetch-Dest``), a document."""
    path = request.path
    if request.method not in ("GET", "HEAD") or path == "/api" or path.startswith(("/api/", "/_dash-")):
        return False
    dest = request.headers.get("Sec-Fetch-Dest")
    return not dest or dest in ("document", "iframe", "frame")


# ------------------------------------------------------------------------------------------ the glue

class TsiOIDCAuth(OIDCAuth):
    def __init__(self, app: Any, settings: Any, public_routes: list[str]) -> None:
        auth = settings.AUTH
        oidc = auth.OIDC
        self.role_claim = str(oidc.ROLE_CLAIM)
        self.role_map = {str(k): str(v) for k, v in dict(oidc.ROLE_MAP or {}).items()}
        self.session_hours = float(auth.SESSION_HOURS)
        self.issuer_url = str(oidc.ISSUER_URL).rstrip("/")
        # The cookie flags (Secure per AUTH.COOKIE_SECURE, HttpOnly, SameSite=Lax) are tsi.auth.install's: no
        # secure_session here. Secure cookies mean HTTPS in front (TLS at the proxy): the redirect URI the
        # provider is given is then https too, whatever scheme the proxy speaks to us.
        super().__init__(app, secret_key=str(auth.SECRET_KEY), force_https_callback=bool(auth.COOKIE_SECURE),
                         public_routes=public_routes)
        self.register_provider(
            IDP,
            client_id=str(oidc.CLIENT_ID),
            client_secret=str(oidc.CLIENT_SECRET or "") or None,
            server_metadata_url=self.issuer_url + "/.well-known/openid-configuration",
            client_kwargs={"scope": str(oidc.SCOPES), "code_challenge_method": "S256", "default_timeout": 15},
        )

    # -------------------------------------------------------------------- who is signed in

    def _session_user(self) -> User | None:
        claims = session.get("user")
        if not isinstance(claims, dict):
            return None
        if session_expired(session.get(SIGNED_IN_AT), self.session_hours):
            session.clear()  # signed out: the next page goes through the provider again
            return None
        name = user_name(claims)
        role = role_for(claims, self.role_claim, self.role_map)
        if name is None or role is None:  # ROLE_MAP changed since the sign-in: sign in again (refused there)
            session.clear()
            return None
        return User(name, role, "oidc")

    def is_authorized(self) -> bool:
        user = self._session_user()
        if user is not None:
            set_current_user(user)
            return True
        # Without a session, dash-auth's answer is whether this is its own route (login, callback, logout).
        return super().is_authorized()

    # -------------------------------------------------------------------- not signed in

    def login_request(self, idp: str | None = None):
        if idp is None and not _is_page_request():
            from tsi.http_api import ApiError, error_response

            return error_response(ApiError(401, "unauthenticated", "Not signed in (or the session has ended): "
                                           "open TSI in a browser to sign in (OpenID Connect)."))
        if idp is None:  # a page: come back to it after the sign-in
            query = request.query_string.decode("utf-8", "replace")
            session[NEXT_PAGE] = request.path + (f"?{query}" if query else "")
        # authlib keeps each started sign-in's state (about 180 bytes) in the cookie for an hour: sign-ins
        # started and not finished (reloads, tabs) would grow it towards the browsers' 4 KB limit. Keep the
        # newest few, for sign-ins in several tabs at once.
        started = sorted((k for k in session if k.startswith(f"_state_{IDP}_")),
                         key=lambda k: session[k].get("exp", 0) if isinstance(session[k], dict) else 0)
        for key in started[:-(PENDING_SIGN_INS - 1)]:  # the one about to start makes PENDING_SIGN_INS
            session.pop(key, None)
        try:
            return super().login_request(idp)
        except Exception as e:  # noqa: BLE001 - the provider unreachable or its discovery document broken
            log.warning("OIDC: cannot start a sign-in with %s: %s: %s", self.issuer_url, type(e).__name__,
                        str(e)[:300])
            return _page("Sign-in unavailable", "The identity provider cannot be reached just now; try again "
                         "in a moment.", 503, link=(request.full_path.rstrip("?") or "/", "Try again"))

    # -------------------------------------------------------------------- signing out

    def logout(self):
        super().logout()  # clears the session; dash-auth's page is a bare fragment, hence TSI's own
        return _page("Signed out of TSI", "Your TSI session has ended.", 200, link=("/", "Sign in again"))

    # -------------------------------------------------------------------- the provider's answer

    def _refused_callback(self, reason: str, error: str) -> Response:
        session.pop("user", None)
        session.pop(SIGNED_IN_AT, None)
        error = " ".join(str(error).split())[:300]
        log.warning("OIDC: sign-in failed (%s): %s", reason, error)
        audit.record("sign-in refused", detail={"mode": "oidc", "reason": reason, "error": error})
        return _page("Sign-in failed", "The sign-in could not be completed. Start again from TSI's front "
                     "page.", 401, link=("/", "Sign in again"))

    def callback(self, idp: str):
        session.pop("user", None)  # the claims are set again only by a sign-in that checks out
        session.pop(SIGNED_IN_AT, None)
        try:
            answer = super().callback(idp)
        except Exception as e:  # noqa: BLE001 - an ID token that fails its checks, the provider unreachable
            return self._refused_callback("callback failed", f"{type(e).__name__}: {e}")
        if isinstance(answer, tuple):  # dash-auth's answer to an OAuthError (bad state, the provider's error)
            return self._refused_callback("callback failed", str(answer[0]))
        claims = session.get("user")
        if not isinstance(claims, dict):
            return self._refused_callback("no identity", "the provider's answer had no ID token")
        name = user_name(claims)
        role = role_for(claims, self.role_claim, self.role_map)
        if name is None or role is None:
            groups = claim_groups(claims.get(self.role_claim))
            session.clear()
            audit.record("sign-in refused", user=name,
                         detail={"mode": "oidc", "reason": "no user name" if name is None else "no mapped role",
                                 "groups": groups[:50]})
            return _page("Access refused", f"You signed in as {name or 'an unnamed user'}, but none of your "
                         f"groups ({self.role_claim!r} claim) gives a role in TSI. Ask an administrator for "
                         "access.", 403)
        session["user"] = {k: claims[k] for k in (*KEPT_CLAIMS, self.role_claim) if k in claims}
        session[SIGNED_IN_AT] = int(time.time())
        log.info("OIDC: %s signed in (%s)", name, role)
        target = _local_target(session.pop(NEXT_PAGE, None))
        return redirect(target or (self.app.config.get("url_base_pathname") or "/"))


def install_oidc(app: Any, settings: Any) -> TsiOIDCAuth:
    from tsi.auth.routes import PUBLIC_ROUTES

    return TsiOIDCAuth(app, settings, public_routes=list(PUBLIC_ROUTES))
