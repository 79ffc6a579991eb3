"""The per-session CSRF token every page form carries, and the Jinja helper that writes it.

Double-submit cookie: the browser holds a random token in an HttpOnly cookie
(``congress_csrf``; ``__Host-congress_csrf`` over https, so a sibling subdomain cannot
plant one) and every form posts the same value in its hidden ``csrf_token`` field, or a
script sends it in the ``X-CSRF-Token`` header. A page on another origin can make the
browser send the cookie but cannot read it, so it cannot fill the field. The cookie is
issued lazily: the first page that renders a form sets it (``web_guard`` adds the
``Set-Cookie``). ``web_guard`` compares field and cookie; the ``Origin`` check there is
what stops a same-site origin (another port) that could plant a cookie of its own.

In a template: ``{{ csrf_field() }}`` inside every ``<form method="post">`` (the
template's context must hold ``request``; ``Jinja2Templates`` puts it there).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, pass_context
from markupsafe import Markup
from starlette.requests import Request
from starlette.types import Scope

FIELD = "csrf_token"
HEADER = "x-csrf-token"
_COOKIE = "congress_csrf"
_SECURE_COOKIE = "__Host-congress_csrf"
_STATE_KEY = "congress_csrf"


def cookie_name(https: bool) -> str:
    """The cookie's name: the ``__Host-`` prefix (Secure, no Domain, Path=/) whenever served over https."""
    return _SECURE_COOKIE if https else _COOKIE


@dataclass
class CsrfToken:
    """This request's token: the browser's cookie, or a fresh one issued if a page uses it."""

    value: str
    fresh: bool
    used: bool = False

    def take(self) -> str:
        self.used = True
        return self.value

    def set_cookie_header(self, https: bool) -> bytes:
        """The ``Set-Cookie`` value for a fresh token (a session cookie, as long as the browser runs)."""
        attributes = f"{cookie_name(https)}={self.value}; Path=/; HttpOnly; SameSite=Lax"
        return (attributes + ("; Secure" if https else "")).encode("latin-1")


def attach(scope: Scope, cookie_value: str | None) -> CsrfToken:
    """Give the request its token (kept in ``scope['state']``); a missing or malformed cookie gets a new one."""
    if cookie_value and _well_formed(cookie_value):
        token = CsrfToken(cookie_value, fresh=False)
    else:
        token = CsrfToken(secrets.token_urlsafe(32), fresh=True)
    scope.setdefault("state", {})[_STATE_KEY] = token
    return token


def matches(cookie_value: str | None, sent: str | None) -> bool:
    """Whether the token sent with a form or header is the browser's cookie (constant-time)."""
    if not cookie_value or not sent:
        return False
    return hmac.compare_digest(cookie_value.encode(), sent.encode())


def csrf_token(request: Request) -> str:
    """The token to put in a form or a script's ``X-CSRF-Token`` header (marks the cookie to be set)."""
    token: CsrfToken | None = request.scope.get("state", {}).get(_STATE_KEY)
    if token is None:
        raise RuntimeError("no CSRF token on this request: is web_guard installed on the app?")
    return token.take()


def csrf_field(request: Request) -> Markup:
    """The hidden form field, as safe HTML."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, csrf_token(request))


@pass_context
def _csrf_field_global(context: Any) -> Markup:
    request = context.get("request")
    if request is None:
        raise RuntimeError("csrf_field() needs `request` in the template context")
    return csrf_field(request)


def add_csrf_helpers(env: Environment) -> Environment:
    """Make ``{{ csrf_field() }}`` available to this Jinja environment's templates."""
    env.globals["csrf_field"] = _csrf_field_global
    return env


def _well_formed(value: str) -> bool:
    return 20 <= len(value) <= 100 and all(ch.isalnum() or ch in "-_" for ch in value)
