"""A small OpenID Connect provider for the tests, on a free 127.0.0.1 port, built from authlib's server parts.

It does the real protocol, so the app under test checks everything as it would against a production provider:

* ``/.well-known/openid-configuration`` — the discovery document; ``/jwks`` — the public half of an RS256 key
  made at start (joserfc, the JOSE library authlib itself uses);
* ``/authorize`` — authlib's ``AuthorizationCodeGrant`` with the ``OpenIDCode`` extension (nonce required) and
  PKCE (``CodeChallenge``; this provider insists on ``S256``). GET shows a plain HTML login form (user name and
  the fixed :attr:`OidcProvider.password`); the form posts back to the same URL and a good password answers with
  the redirect to the client's callback carrying the code;
* ``/token`` — the code exchange (client secret, ``code_verifier``); the answer carries an ID token signed with
  the key, with ``iss``, ``aud``, ``nonce``, ``at_hash`` and the user's claims (``preferred_username``,
  ``email``, ``name`` and ``groups``);
* ``/userinfo`` — the same claims for a bearer of the access token.

Users, their groups and the one client are given by the test. There is no provider session (no cookie): every
sign-in shows the form. :attr:`OidcProvider.misbehave` makes the next ID tokens wrong in one way (``"foreign-key"``:
signed with a key the provider does not publish; ``"wrong-nonce"``; ``"wrong-issuer"``) so that a test can see the
app refuse them.
"""

from __future__ import annotations

import html
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import ClientMixin, InvalidRequestError, OAuth2Error, TokenMixin
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfoEndpoint
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from authlib.oidc.discovery import OpenIDProviderMetadata
from flask import Flask, jsonify, request
from joserfc.jwk import RSAKey
from werkzeug.serving import WSGIRequestHandler, make_server

from servers import free_port

CODE_LIFETIME_S = 120


@dataclass
class IdpUser:
    name: str
    groups: list[str] | str
    email: str | None = None

    @property
    def sub(self) -> str:
        return f"sub-{self.name}"


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str] = field(default_factory=list)
    client_metadata: dict = field(default_factory=dict)

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s in OidcProvider.SCOPES)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(self.client_secret, client_secret or "")

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: IdpUser
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def expired(self) -> bool:
        return time.time() - self.auth_time > CODE_LIFETIME_S


@dataclass
class Token(TokenMixin):
    access_token: str
    client: Client
    user: IdpUser
    scope: str
    expires_at: float

    def check_client(self, client):
        return client.client_id == self.client.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return int(self.expires_at - time.time())

    def is_expired(self):
        return time.time() >= self.expires_at

    def is_revoked(self):
        return False

    def get_user(self):
        return self.user

    def get_client(self):
        return self.client


class _Quiet(WSGIRequestHandler):
    def log(self, *args, **kwargs):  # the provider's access log would only clutter the test output
        pass


class OidcProvider:
    """The provider: ``OidcProvider(users, client_id, client_secret).start()``; ``url`` is its issuer."""

    SCOPES = ("openid", "profile", "email", "groups")
    password = "idp-pass-1"

    def __init__(self, users: list[IdpUser], client_id: str, client_secret: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.users = {u.name: u for u in users}
        self.client = Client(client_id, client_secret)
        self.key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
        self.foreign_key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
        self.codes: dict[str, AuthorizationCode] = {}
        self.tokens: dict[str, Token] = {}
        self.nonces: set[str] = set()
        #: Every authorization request that showed the form or issued a code: its parameters, for the tests.
        self.authorizations: list[dict[str, str]] = []
        #: How the next ID tokens are wrong: None, "foreign-key", "wrong-nonce" or "wrong-issuer".
        self.misbehave: str | None = None
        self.app = self._make_app()
        self._server = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ the parts authlib asks for

    def _grants(self):
        provider = self

        class CodeGrant(AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code, req):
                data = req.payload.data
                provider.nonces.add(data.get("nonce"))
                provider.codes[code] = AuthorizationCode(
                    code=code, client_id=req.client.client_id, redirect_uri=req.payload.redirect_uri,
                    scope=req.scope, user=req.user, nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"), code_challenge_method=data.get("code_challenge_method"))

            def query_authorization_code(self, code, client):
                item = provider.codes.get(code)
                if item is None or item.client_id != client.client_id or item.expired():
                    return None
                return item

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return authorization_code.user

        class IdToken(OpenIDCode):
            def exists_nonce(self, nonce, req):  # a nonce is good for one sign-in only
                return nonce in provider.nonces

            def resolve_client_private_key(self, client):
                return provider.foreign_key if provider.misbehave == "foreign-key" else provider.key

            def get_encode_header(self, client):
                key = self.resolve_client_private_key(client)
                return {"alg": "RS256", "kid": key.kid}

            def get_client_claims(self, client):
                issuer = provider.url + "/elsewhere" if provider.misbehave == "wrong-issuer" else provider.url
                return {"iss": issuer, "aud": [client.get_client_id()]}

            def get_authorization_code_claims(self, authorization_code):
                claims = super().get_authorization_code_claims(authorization_code)
                if provider.misbehave == "wrong-nonce":
                    claims["nonce"] = "not-the-nonce-that-was-sent"
                return claims

            def generate_user_info(self, user, scope):
                return provider.claims(user)

        class S256Only(CodeChallenge):
            """PKCE, required for every client, with the S256 method only."""

            SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

            def validate_code_challenge(self, grant, redirect_uri):
                data = grant.request.payload.data
                if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
                    raise InvalidRequestError("PKCE with code_challenge_method=S256 is required.")
                super().validate_code_challenge(grant, redirect_uri)

        return CodeGrant, [IdToken(require_nonce=True), S256Only(required=True)]

    def claims(self, user: IdpUser) -> dict:
        return {"sub": user.sub, "preferred_username": user.name, "name": user.name.title(),
                "email": user.email or f"{user.name}@observatory.test", "groups": user.groups}

    def _save_token(self, token: dict, req) -> None:
        self.tokens[token["access_token"]] = Token(token["access_token"], req.client, req.user, token.get("scope", ""),
                                                   time.time() + int(token.get("expires_in", 3600)))

    # ------------------------------------------------------------------ the web app

    def discovery(self) -> dict:
        u = self.url
        doc = {
            "issuer": u, "authorization_endpoint": u + "/authorize", "token_endpoint": u + "/token",
            "userinfo_endpoint": u + "/userinfo", "jwks_uri": u + "/jwks",
            "scopes_supported": list(self.SCOPES), "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "preferred_username", "name", "email",
                                 "groups"],
        }
        OpenIDProviderMetadata(doc).validate()
        return doc

    def _make_app(self) -> Flask:
        app = Flask("test-oidc-provider")
        app.config["SESSION_COOKIE_NAME"] = "test_idp_session"  # never used; never the app's "session" cookie
        server = AuthorizationServer(app, query_client=self._query_client, save_token=self._save_token)
        grant, extensions = self._grants()
        server.register_grant(grant, extensions)
        protector = ResourceProtector()
        provider = self

        class Bearer(BearerTokenValidator):
            def authenticate_token(self, token_string):
                return provider.tokens.get(token_string)

        protector.register_token_validator(Bearer())

        class UserInfo(UserInfoEndpoint):
            def get_issuer(self):
                return provider.url

            def generate_user_info(self, user, scope):
                return provider.claims(user)

        server.register_endpoint(UserInfo(resource_protector=protector))

        @app.get("/.well-known/openid-configuration")
        def well_known():
            return jsonify(self.discovery())

        @app.get("/jwks")
        def jwks():
            return jsonify({"keys": [self.key.as_dict(private=False)]})

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize():
            try:
                grant = server.get_consent_grant(end_user=None)
            except OAuth2Error as e:
                return _form_page(f"Bad authorization request: {e.error}: {e.description}", None), 400
            self.authorizations.append(request.args.to_dict())
            if request.method == "GET":
                return _form_page("Sign in to the test provider", request.full_path)
            user = self.users.get(request.form.get("username", ""))
            if user is None or not secrets.compare_digest(request.form.get("password", ""), self.password):
                return _form_page("Unknown user or wrong password", request.full_path), 401
            grant.request.user = user
            return server.create_authorization_response(grant_user=user, grant=grant)

        @app.post("/token")
        def token():
            return server.create_token_response()

        @app.route("/userinfo", methods=["GET", "POST"])
        def userinfo():
            return server.create_endpoint_response("userinfo")

        return app

    def _query_client(self, client_id: str) -> Client | None:
        return self.client if client_id == self.client.client_id else None

    # ------------------------------------------------------------------ running

    def allow_redirect(self, uri: str) -> None:
        """Register a callback URI of the client (exact match, as providers do)."""
        assert urlsplit(uri).hostname == "127.0.0.1", uri
        self.client.redirect_uris.append(uri)

    def start(self) -> "OidcProvider":
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True, request_handler=_Quiet)
        self._thread = threading.Thread(target=self._server.serve_forever, name="test-oidc-provider", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None


def _form_page(title: str, action: str | None) -> str:
    e = html.escape
    form = "" if action is None else (
        f'<form method="post" action="{e(action)}">'
        '<p><label>User name <input id="username" name="username" autocomplete="off"></label></p>'
        '<p><label>Password <input id="password" name="password" type="password"></label></p>'
        '<p><button id="sign-in" type="submit">Sign in</button></p></form>')
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>'
            f'<link rel="icon" href="data:,"></head><body><h1 id="idp-title">{e(title)}</h1>{form}</body></html>')


# ---------------------------------------------------------------------------------------------- TSI's side

CLIENT_ID = "tsi-test"
CLIENT_SECRET = "tsi-test-client-secret"
APP_SECRET_KEY = "tsi-test-session-signing-key-0123456789"
ROLE_MAP_TOML = '{"tsi-editors"="editor","tsi-viewers"="viewer"}'  # dynaconf reads TSI_* values as TOML


def tsi_env(provider: OidcProvider, db_path) -> dict[str, str]:
    """TSI_* settings for `tsi run` signing in through ``provider`` (plain-HTTP loopback: no Secure cookies)."""
    return {"TSI_ENV": "testing", "TSI_DATABASE__SQLITE_PATH": str(db_path), "TSI_LOG_LEVEL": "WARNING",
            "TSI_AUTH__MODE": "oidc", "TSI_AUTH__SECRET_KEY": APP_SECRET_KEY, "TSI_AUTH__COOKIE_SECURE": "false",
            "TSI_AUTH__OIDC__ISSUER_URL": provider.url, "TSI_AUTH__OIDC__CLIENT_ID": CLIENT_ID,
            "TSI_AUTH__OIDC__CLIENT_SECRET": CLIENT_SECRET, "TSI_AUTH__OIDC__ROLE_MAP": ROLE_MAP_TOML}


def callback_uri(app_url: str) -> str:
    from tsi.auth.oidc import IDP

    return f"{app_url}/oidc/{IDP}/callback"
