"""Every ``/me/...`` page is reached by its own handler: the sign-in link's ``/me/{token}`` shadows none.

Starlette takes the first route that matches a path, so a catch-all ``/me/{token}`` declared before
``/me/participants`` would answer for it. The token route matches only what a signed token can be
(``self_service.SignedToken``: it has a dot), whatever order the routers are included in.
"""

from __future__ import annotations

import re

from fastapi.routing import RouteContext, iter_route_contexts
from starlette.routing import Match

from services.common.auth import sign
from tests.integration.registration.conftest import Service

PARAM = re.compile(r"\{[^}]+\}")


def reached(routes: list[RouteContext], path: str) -> object:
    """The handler the app's router gives a GET of ``path``: the first route (in order) that matches it fully."""
    scope = {"type": "http", "method": "GET", "path": path, "root_path": ""}
    return next((r.endpoint for r in routes if r.matches(scope)[0] is Match.FULL), None)


def me_pages(routes: list[RouteContext]) -> list[RouteContext]:
    return [r for r in routes if (r.path or "").startswith("/me/") and "GET" in (r.methods or ())]


async def test_every_me_page_is_reached_by_its_own_handler(offline: Service) -> None:
    routes = list(iter_route_contexts(offline.app.router.routes))
    pages = me_pages(routes)
    [token_route] = [r for r in pages if r.path == "/me/{token:signed}"]
    words = [r for r in pages if r is not token_route]
    assert {r.path for r in words} >= {"/me/participants", "/me/programme", "/me/agenda", "/me/erase"}
    assert routes.index(token_route) < max(routes.index(r) for r in words)  # pages declared after it
    for route in words:
        path = PARAM.sub("sample", route.path or "")
        assert reached(routes, path) is route.endpoint, path
        answer = await offline.client.get(path)  # no session: the page's own "sign in again", not a bad link
        assert "This sign-in link" not in answer.text and answer.status_code < 500, (path, answer.status_code)
    link = sign("test-secret", "magic-link", {"rid": "nobody", "jti": "j"})
    assert reached(routes, f"/me/{link}") is token_route.endpoint
    assert reached(routes, "/me/anyword") is None  # a page not there is not a sign-in link either
