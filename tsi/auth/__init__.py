"""Who may see and change what (operations.md §2).

* **Who.** :func:`current_user` is the person behind the request: set once per request by the mode of
  ``AUTH.MODE`` (``none``: anonymous with every role; ``basic``: users stored in ``app_users``; ``oidc``: an
  OpenID Connect sign-in; ``proxy``: a header from a trusted reverse proxy). Outside a request (the ``tsi``
  command) it is the operator at the console, an admin.
* **What.** Roles include the ones before them: viewer (read), editor (upload, delete, recompute, parity),
  admin (users, audit log, settings facts). :func:`require_role` is the check; the facade calls it in every
  function that changes data, so pages, the API and scripts cannot skip it. Hiding a button is a courtesy.
* **From where.** State-changing requests must come from the app's own pages (:mod:`tsi.auth.csrf`).

:func:`install` wires the configured mode, the CSRF check and the session cookie flags into the Dash app.
"""

from __future__ import annotations

import getpass
import ipaddress
from dataclasses import dataclass
from typing import Any

from tsi.errors import AccessDeniedError

__all__ = ["ROLES", "MODES", "User", "ANONYMOUS", "current_user", "identify", "has_role", "require_role",
           "role_at_least", "client_address", "install", "is_loopback", "protect_output", "AccessDeniedError"]

ROLES = ("viewer", "editor", "admin")
MODES = ("none", "basic", "oidc", "proxy")
_USER_ATTR = "tsi_user"
_AUTH_EXTENSION = "tsi_auth"  # server.extensions: the installed mode's dash-auth object (basic, oidc, proxy)


@dataclass(frozen=True)
class User:
    name: str
    role: str
    #: How the user was identified (``none``, ``basic``, ``oidc``, ``proxy``, ``cli``).
    via: str = "none"

    def may(self, role: str) -> bool:
        return role_at_least(self.role, role)


ANONYMOUS = User("anonymous", "admin", "none")


def role_at_least(held: str | None, needed: str) -> bool:
    """Whether a holder of ``held`` may act as ``needed`` (each role includes the ones before it)."""
    if held not in ROLES:
        return False
    return ROLES.index(held) >= ROLES.index(needed)


def current_user() -> User | None:
    """The user of this request (None: not signed in), or the console operator outside a request."""
    from flask import g, has_request_context

    if has_request_context():
        return g.get(_USER_ATTR)
    return User(f"cli:{_os_user()}", "admin", "cli")


def set_current_user(user: User | None) -> None:
    from flask import g

    setattr(g, _USER_ATTR, user)


def has_role(role: str) -> bool:
    user = current_user()
    return user is not None and user.may(role)


def require_role(role: str, action: str) -> User:
    """The current user, when they hold ``role``; else :class:`AccessDeniedError` (401 not signed in, 403)."""
    user = current_user()
    if user is None:
        raise AccessDeniedError(f"Sign in to {action}.", 401)
    if not user.may(role):
        raise AccessDeniedError(f"{user.name} ({user.role}) may not {action}: it needs the {role} role.", 403)
    return user


def identify() -> User | None:
    """The user of this request, also on a public route (:data:`tsi.auth.routes.PUBLIC_ROUTES`), where the
    mode's sign-in check is skipped: asks the mode once (credentials, session or proxy header) without answering
    401, so a public route may still serve more to a signed-in admin (``/metrics``). None: not signed in."""
    from flask import current_app, has_request_context

    user = current_user()
    if user is None and has_request_context():
        mode = current_app.extensions.get(_AUTH_EXTENSION)
        if mode is not None and mode.is_authorized():
            user = current_user()
    return user


def client_address() -> str | None:
    from flask import has_request_context, request

    return request.remote_addr if has_request_context() else None


def is_loopback(host: str) -> bool:
    """Whether a bind address only listens on this machine."""
    if host.strip().lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (containers): still an operator at the console
        return "console"


def install(app: Any, settings: Any) -> None:
    """Protect the Dash app as ``AUTH.MODE`` says: identify the user on every request, check CSRF, and set the
    session cookie flags (``Secure`` unless ``AUTH.COOKIE_SECURE`` is false, ``HttpOnly``, ``SameSite=Lax``)."""
    from tsi.auth import csrf

    server = app.server
    auth = settings.AUTH
    server.config.update(SESSION_COOKIE_SECURE=bool(auth.COOKIE_SECURE), SESSION_COOKIE_HTTPONLY=True,
                         SESSION_COOKIE_SAMESITE="Lax")
    if str(auth.SECRET_KEY or ""):
        server.secret_key = str(auth.SECRET_KEY)
    mode = str(auth.MODE)
    if mode == "none":
        @server.before_request
        def _anonymous():
            set_current_user(ANONYMOUS)
    elif mode == "basic":
        from tsi.auth.basic import install_basic

        server.extensions[_AUTH_EXTENSION] = install_basic(app, settings)
    elif mode == "proxy":
        from tsi.auth.proxy import install_proxy

        server.extensions[_AUTH_EXTENSION] = install_proxy(app, settings)
    elif mode == "oidc":
        from tsi.auth.oidc import install_oidc

        server.extensions[_AUTH_EXTENSION] = install_oidc(app, settings)
    else:  # validation names the choices; never serve with an unknown mode
        raise ValueError(f"unknown AUTH.MODE {mode!r}")
    csrf.install(server)
    install_callback_check(server)


# ------------------------------------------------------------------------------------------ Dash callbacks

#: Output component id → (least role, what it does): the Dash callbacks that change data, declared by their
#: pages beside the callback (:func:`protect_output`). A refused call is a 403 before the callback runs.
PROTECTED_OUTPUTS: dict[str, tuple[str, str]] = {}


def protect_output(component_id: str, role: str, action: str) -> None:
    """Declare that the callback writing ``component_id`` changes data and needs ``role``."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    PROTECTED_OUTPUTS[component_id] = (role, action)


def callback_requirement(body: Any) -> tuple[str, str] | None:
    """(role, action) a Dash callback request needs, from the outputs it writes (None: any signed-in user)."""
    outputs = body.get("outputs") if isinstance(body, dict) else None
    items = outputs if isinstance(outputs, list) else [outputs]
    needed = None
    for item in items:
        cid = item.get("id") if isinstance(item, dict) else None
        if isinstance(cid, str) and cid in PROTECTED_OUTPUTS:
            role, action = PROTECTED_OUTPUTS[cid]
            if needed is None or ROLES.index(role) > ROLES.index(needed[0]):
                needed = (role, action)
    return needed


def install_callback_check(server: Any) -> None:
    from flask import request

    @server.before_request
    def _protected_callbacks():
        if request.method != "POST" or request.path != "/_dash-update-component":
            return None
        needed = callback_requirement(request.get_json(silent=True))
        if needed is None:
            return None
        try:
            require_role(*needed)
        except AccessDeniedError as e:
            from tsi.auth import audit
            from tsi.http_api import api_error_for, error_response

            audit.record("request refused", detail={"reason": "role", "action": needed[1]})
            return error_response(api_error_for(e))
        return None
