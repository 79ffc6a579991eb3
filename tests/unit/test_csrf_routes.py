"""The CSRF token at the door of every service, route by route (services/common/web_guard.py).

Each service's app as its composition root builds it, with its own guard in front of a stand-in
for its routes: every unsafe route refuses a form post (urlencoded or multipart) that lacks the
page's token with a 403 page, cookie or not, and lets the same post with the token through;
only the routes a service lists as machine doors take JSON without it (and a cookie-less call:
its own authentication answers it). And every form in every
template carries the token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.types import Receive, Scope, Send

from services.common.web_guard import WebGuard

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("registration", "abstracts", "badges", "notify", "console")
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
TOKEN = "t" * 43


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, FastAPI]]:
    """Each service's app as its composition root builds it (nothing connects until it starts)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONGRESS_HOME", str(tmp_path_factory.mktemp("home")))
        built = {}
        for service in SERVICES:
            module = __import__(f"services.{service}.app", fromlist=["build"])
            built[service] = module.build()[1]
        yield built


async def _reached(scope: Scope, receive: Receive, send: Send) -> None:
    """Stands in for the service's routes: the request got past the guard."""
    await send({"type": "http.response.start", "status": 299, "headers": []})
    await send({"type": "http.response.body", "body": b"reached"})


def guarded(app: FastAPI) -> WebGuard:
    """The service's own guard (its settings, its machine routes) in front of ``_reached``."""
    (entry,) = [m for m in app.user_middleware if m.cls is WebGuard]
    return WebGuard(_reached, *entry.args, **entry.kwargs)


def unsafe_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, a path that reaches the route) for every unsafe route of the app."""
    found = []
    for route in iter_route_contexts(app.router.routes):
        path = re.sub(r"\{[^}]+\}", "a.b", getattr(route, "path", ""))
        found += [(method, path) for method in sorted(set(getattr(route, "methods", None) or ()) & set(UNSAFE))]
    return found


def machine_routes(app: FastAPI) -> frozenset[str]:
    return guarded(app).machine_routes


@pytest.mark.parametrize("service", SERVICES)
async def test_every_form_post_needs_the_pages_token_cookie_or_not(apps: dict[str, FastAPI], service: str) -> None:
    app = apps[service]
    routes = unsafe_routes(app)
    assert routes, service
    transport = httpx.ASGITransport(app=guarded(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        for method, path in routes:
            page = {"accept": "text/html"}
            http.cookies.set("congress_session", "a session or sign-in")
            bare = await http.request(method, path, data={"x": "1"}, headers=page)
            http.cookies.clear()
            if bare.status_code == 415:  # a JSON API takes no form at all, token or not
                assert path.startswith("/api/"), (method, path)
                continue
            assert bare.status_code == 403, (method, path, bare.text)
            assert "Request refused" in bare.text and "security cookie is missing" in bare.text, (method, path)
            cookieless = await http.request(method, path, data={"x": "1"})
            assert cookieless.status_code == (299 if path == "/stripe/webhook" else 403), (method, path)
            parts = await http.request(method, path, data={"x": "1", "csrf_token": TOKEN}, files={"f": b"x"})
            if path != "/stripe/webhook":  # a token, but not this browser's cookie's
                assert parts.status_code == 403, (method, path)
            http.cookies.set("congress_csrf", TOKEN)
            with_token = await http.request(method, path, data={"x": "1", "csrf_token": TOKEN})
            multipart = await http.request(method, path, data={"csrf_token": TOKEN}, files={"f": b"x"})
            http.cookies.clear()
            assert (with_token.status_code, multipart.status_code) == (299, 299), (method, path, with_token.text)


@pytest.mark.parametrize("service", SERVICES)
async def test_only_the_listed_machine_routes_take_json_without_a_token(apps: dict[str, FastAPI], service: str) -> None:
    app = apps[service]
    listed = machine_routes(app)
    declared = {getattr(r, "path", "") for r in iter_route_contexts(app.router.routes)}
    assert listed <= declared, f"{service}: machine routes that do not exist: {listed - declared}"
    transport = httpx.ASGITransport(app=guarded(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        for route in iter_route_contexts(app.router.routes):
            for method in sorted(set(getattr(route, "methods", None) or ()) & set(UNSAFE)):
                path = re.sub(r"\{[^}]+\}", "a.b", route.path)
                answer = await http.request(method, path, json={"x": 1})
                expected = 299 if route.path in listed else 403
                assert answer.status_code == expected, (method, route.path, answer.text)


def test_the_stripe_webhook_and_the_json_apis_are_the_machine_routes(apps: dict[str, FastAPI]) -> None:
    assert "/stripe/webhook" in machine_routes(apps["registration"])
    for service in ("registration", "abstracts", "badges"):
        listed = machine_routes(apps[service])
        assert listed and all(p.startswith("/api/") or p == "/stripe/webhook" for p in listed), service
    assert not machine_routes(apps["notify"]) and not machine_routes(apps["console"])


_POST_FORM = re.compile(r"<form\b[^>]*\bmethod=[\"']?post\b[^>]*>(.*?)</form>", re.IGNORECASE | re.DOTALL)


def test_every_post_form_in_every_template_carries_the_token() -> None:
    sources = [*ROOT.glob("services/**/*.html"), *ROOT.glob("services/**/*.py")]
    forms = 0
    for source in sources:
        for found in _POST_FORM.finditer(source.read_text(encoding="utf-8")):
            forms += 1
            assert "csrf_field()" in found.group(1), f"{source.relative_to(ROOT)}: {found.group(0)[:200]}"
    assert forms > 40
