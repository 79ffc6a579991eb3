"""One defence layer at every service's HTTP door: forgery, size, shape and response headers.

``install_web_guard(app, settings)`` puts ``WebGuard`` (a pure ASGI middleware) in front of
a FastAPI app and a validation-error handler that never echoes more than a short prefix of
the input. For every request:

* **Unsafe methods** (POST, PUT, PATCH, DELETE) are refused with 403 when a browser says they
  come from another origin: an ``Origin`` that is neither this service's own nor one of
  ``CONGRESS_TRUSTED_ORIGINS``/the public URL (another port on the same host and a sibling
  subdomain are other origins), or, without ``Origin``, ``Sec-Fetch-Site`` ``cross-site``/
  ``same-site``. ``Origin: null`` (what a browser sends for a form of a ``no-referrer`` page,
  ours included, and for a sandboxed frame) passes only with ``Sec-Fetch-Site: same-origin``.
* The body is read while it streams and refused with 413 past the route's limit (FastAPI's
  own ``max_body_size=`` on the route decorator, which FastAPI enforces too; 64 KiB where a
  route sets none) — a declared ``Content-Length`` past it is refused before a byte is read.
* JSON endpoints (under ``/api/`` or with a JSON body model) take only ``application/json``
  (415); JSON nested deeper than ``JSON_MAX_DEPTH`` is refused with 400.
* Every unsafe request must carry the page's CSRF token (``services/common/csrf.py``) in its
  form's ``csrf_token`` field or an ``X-CSRF-Token`` header, else 403 — with or without a
  session cookie: a form whose authority is in its body (a sign-in link's token, an offer's)
  is as forgeable as one a session rides on. Exempt are only requests no page on another
  origin can send (no CORS preflight is ever answered): those carrying a program's own
  credential (``Authorization: Bearer``, a station's ``X-Station-Token``), and, on the routes
  a service lists as machine doors (``machine_routes``: its JSON APIs and webhooks), a JSON
  body, a ``Stripe-Signature``, or no cookie at all (nothing ambient rides on it: the door's
  own authentication answers); a form post to a machine door that carries cookies still needs
  the token. A request no route takes goes on to its 404 or 405.
* Every response gets ``Content-Security-Policy`` (no inline script), ``X-Frame-Options:
  DENY``, ``nosniff``, ``Referrer-Policy: no-referrer`` and, outside ``/static/``,
  ``Cache-Control: no-store``, unless the route set its own; over https every cookie it sets
  is marked ``Secure`` (``X-Forwarded-Proto`` counts only with ``CONGRESS_TRUST_PROXY``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.routing import RouteContext, iter_route_contexts
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common import csrf, guard_wording
from services.common.request_shape import (
    BodyTooLarge,
    is_json,
    json_too_deep,
    read_body,
    refusal,
    replay,
    sent_token,
    validation_error_handler,
)
from services.common.settings import ServiceSettings

DEFAULT_BODY_LIMIT = 64 * 1024
JSON_MAX_DEPTH = 32
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PROGRAM_CREDENTIALS = ("x-station-token",)
"""Headers carrying a program's own credential; a page on another origin cannot add them without a preflight.
(``Authorization`` counts only as ``Bearer``: a browser adds ``Basic`` credentials it remembers by itself.)"""
MACHINE_SIGNATURES = ("stripe-signature",)
"""Headers a machine door's caller signs with; also unsendable cross-origin without a preflight."""

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
"""FastAPI's API explorer pages (/docs, /redoc) load Swagger UI from its CDN and start it inline; no data of ours."""
FRAMEABLE_BY_SELF = {"Content-Security-Policy": "frame-ancestors 'self'", "X-Frame-Options": "SAMEORIGIN"}
"""Headers for a response this service's own pages may show in a frame (the station's print frame)."""

_BASE_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


def install_web_guard(
    app: FastAPI,
    settings: ServiceSettings,
    *,
    public_urls: Iterable[str] = (),
    machine_routes: Mapping[str, str] | None = None,
) -> None:
    """Guard every route of ``app`` (call once, in the service's composition root).

    ``machine_routes`` maps the path of each route that is a JSON API or webhook (as declared, e.g.
    ``/api/review/{token}/bids``) to why it needs no page's token (its own authentication).
    """
    trusted = {_origin(url) for url in (*settings.trusted_origin_list(), *public_urls) if _origin(url)}
    docs = frozenset(p for p in (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url) if p)
    app.add_middleware(
        WebGuard,
        routes=app,
        trusted_origins=frozenset(trusted),
        trust_proxy=settings.trust_proxy,
        docs_paths=docs,
        machine_routes=frozenset(machine_routes or {}),
    )
    app.add_exception_handler(RequestValidationError, validation_error_handler)


class WebGuard:
    """The middleware; see the module docstring for what it checks and adds."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: FastAPI,
        trusted_origins: frozenset[str],
        trust_proxy: bool = False,
        docs_paths: frozenset[str] = frozenset(),
        machine_routes: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.machine_routes = machine_routes
        self.routes = routes
        self.trusted_origins = trusted_origins
        self.trust_proxy = trust_proxy
        self.docs_paths = docs_paths
        self._flat: list[RouteContext] | None = None
        self._flat_from = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        https = self._https(scope, headers)
        cookies = cookie_parser(headers.get("cookie", ""))
        token = csrf.attach(scope, cookies.get(csrf.cookie_name(https)))
        send = _decorating(send, scope, token, https, DOCS_CSP if scope["path"] in self.docs_paths else CSP)
        if scope["method"] in UNSAFE:
            problem = await self._check_unsafe(scope, receive, headers, https, cookies)
            if isinstance(problem, tuple):
                status, message = problem
                language = guard_wording.refusal_language(str(scope["path"]), headers, cookies)
                await refusal(status, message, headers, send, language=language)
                return
            receive = problem
        await self.app(scope, receive, send)

    async def _check_unsafe(
        self, scope: Scope, receive: Receive, headers: Headers, https: bool, cookies: dict[str, str]
    ) -> tuple[int, str] | Receive:
        """A refusal (status, message), or the ``receive`` that replays the body read for the checks."""
        if message := self._foreign_origin(scope, headers, https):
            return 403, message
        route = self._route(scope)
        limit = getattr(route, "max_body_size", None) or DEFAULT_BODY_LIMIT
        try:
            body = await read_body(receive, headers, limit)
        except BodyTooLarge as exc:
            return 413, str(exc)
        content_type = headers.get("content-type", "")
        if self._json_endpoint(scope, route) and (content_type or body) and not is_json(content_type):
            return 415, "This endpoint accepts only JSON: send the body with Content-Type: application/json."
        if is_json(content_type) and json_too_deep(body, JSON_MAX_DEPTH):
            return 400, f"The JSON body is nested more than {JSON_MAX_DEPTH} levels deep."
        if self._needs_token(route, headers, content_type, bool(cookies)):
            cookie = cookies.get(csrf.cookie_name(https))
            if not csrf.matches(cookie, await sent_token(scope, headers, body)):
                return 403, _csrf_message(cookie)
        return replay(body, receive)

    def _needs_token(self, route: Any, headers: Headers, content_type: str, cookies: bool) -> bool:
        """Whether this unsafe request must carry the page's CSRF token (see the module docstring)."""
        if route is None:
            return False  # no route takes it: the app answers 404 or 405, nothing runs
        if any(h in headers for h in PROGRAM_CREDENTIALS) or _bearer(headers):
            return False
        if getattr(route, "path", None) in self.machine_routes:
            signed = is_json(content_type) or any(h in headers for h in MACHINE_SIGNATURES)
            return cookies and not signed  # a door's own authentication answers the rest
        return True

    def _foreign_origin(self, scope: Scope, headers: Headers, https: bool) -> str | None:
        origin = headers.get("origin")
        site = headers.get("sec-fetch-site", "")
        if origin == "null":
            # Our own pages send ``Referrer-Policy: no-referrer``, so a browser posts their forms with
            # ``Origin: null``; so does a sandboxed frame anywhere. The browser's Sec-Fetch-Site tells them apart.
            if site == "same-origin":
                return None
            return guard_wording.HIDDEN_ORIGIN
        if origin is None:
            if site in ("cross-site", "same-site"):
                return guard_wording.other_site(site)
            return None
        own = f"{'https' if https else 'http'}://{headers.get('host', '')}".lower()
        if origin.lower() == own or origin.lower() in self.trusted_origins:
            return None
        return guard_wording.other_origin(origin)

    def _route(self, scope: Scope) -> Any:
        """The route (FastAPI's view of it, with the prefixes of included routers) this request will reach."""
        routes = self.routes.router.routes
        if self._flat is None or self._flat_from != len(routes):
            self._flat, self._flat_from = list(iter_route_contexts(routes)), len(routes)
        for route in self._flat:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return route
        return None

    @staticmethod
    def _json_endpoint(scope: Scope, route: Any) -> bool:
        if str(scope["path"]).startswith("/api/"):
            return True
        body_field = getattr(route, "body_field", None)
        if body_field is None:
            return False
        from fastapi import params

        return not isinstance(body_field.field_info, params.Form)

    def _https(self, scope: Scope, headers: Headers) -> bool:
        if scope.get("scheme") == "https":
            return True
        forwarded = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        return self.trust_proxy and forwarded == "https"


def _bearer(headers: Headers) -> bool:
    scheme, _, credential = headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(credential.strip())


def _csrf_message(cookie: str | None) -> str:
    return guard_wording.NO_COOKIE if cookie is None else guard_wording.STALE


def _decorating(send: Send, scope: Scope, token: csrf.CsrfToken, https: bool, policy: str) -> Send:
    """``send`` that adds the security headers, the fresh CSRF cookie, and ``Secure`` over https."""
    static = str(scope.get("path", "")).startswith("/static/")

    async def decorated(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in _BASE_HEADERS:
                if name.decode() not in headers:
                    headers.raw.append((name, value))
            if "content-security-policy" not in headers:
                pdf = headers.get("content-type", "").startswith("application/pdf")
                headers["content-security-policy"] = "frame-ancestors 'none'" if pdf else policy
            if not static:
                headers["cache-control"] = _no_store(headers.get("cache-control"))
            if https:
                _secure_cookies(headers)
            if token.fresh and token.used:
                headers.raw.append((b"set-cookie", token.set_cookie_header(https)))
                headers.add_vary_header("Cookie")
        await send(message)

    return decorated


def _no_store(current: str | None) -> str:
    """``no-store`` on every dynamic response; a route's own directives stay beside it."""
    if not current:
        return "no-store"
    return current if "no-store" in current.lower() else f"no-store, {current}"


def _secure_cookies(headers: MutableHeaders) -> None:
    raw = headers.raw
    for index, (name, value) in enumerate(raw):
        attributes = [part.strip().lower() for part in value.split(b";")[1:]]
        if name == b"set-cookie" and b"secure" not in attributes:
            raw[index] = (name, value + b"; Secure")


def _origin(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""
