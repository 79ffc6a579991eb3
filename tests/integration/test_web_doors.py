"""Every service's app, as its composition root builds it, answers behind the web guard.

Built, not started (no Kafka, no database needed for these pages): each service's pages carry
the security headers, its sign-in form carries the CSRF field, its scripts are static files,
and a forged cross-origin post is refused before it reaches a route.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from services.common.congress import load_congress

Builder = Callable[[Path], FastAPI]


def registration(home: Path) -> FastAPI:
    from services.registration.app import build
    from services.registration.config import RegistrationSettings

    return build(RegistrationSettings(database_url=f"sqlite+aiosqlite:///{home / 'r.db'}"))[1]


def abstracts(home: Path) -> FastAPI:
    from services.abstracts.app import build
    from services.abstracts.config import AbstractsSettings

    return build(AbstractsSettings(database_url=f"sqlite+aiosqlite:///{home / 'a.db'}"))[1]


def badges(home: Path) -> FastAPI:
    from services.badges.adapters.pool import InProcessRenderer
    from services.badges.app import build, header_for
    from services.badges.config import BadgesSettings

    settings = BadgesSettings(database_url=f"sqlite+aiosqlite:///{home / 'b.db'}", store_dir=home / "pdfs")
    return build(settings, renderer=InProcessRenderer(header_for(load_congress()), font_cache=settings.font_cache))[1]


def notify(home: Path) -> FastAPI:
    from services.notify.app import build
    from services.notify.config import NotifySettings

    settings = NotifySettings(database_url=f"sqlite+aiosqlite:///{home / 'n.db'}", mail_dir=str(home / "mail"))
    return build(settings)[1]


def console(home: Path) -> FastAPI:
    from services.console.app import build

    return build()[1]


SERVICES: dict[str, tuple[Builder, tuple[str, ...]]] = {
    "registration": (registration, ("/sign-in", "/organiser/login", "/openapi.json")),
    "abstracts": (abstracts, ("/submit", "/organiser/login", "/openapi.json")),
    "badges": (badges, ("/organiser/login", "/station/login?token=forged", "/static/station.js")),
    "notify": (notify, ("/mail", "/healthz")),
    "console": (console, ("/organiser/login", "/api/figures", "/static/console.js")),
}


@pytest.fixture
def home(congress_home: Path) -> Path:
    return congress_home


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_every_page_of_every_service_carries_the_security_headers(service: str, home: Path) -> None:
    builder, paths = SERVICES[service]
    app = builder(home)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        for path in (*paths, "/no-such-page"):
            answer = await client.get(path)
            policy = answer.headers["content-security-policy"]
            assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, (path, policy)
            assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";")[0], path
            assert answer.headers["x-frame-options"] == "DENY", path
            assert answer.headers["x-content-type-options"] == "nosniff", path
            assert answer.headers["referrer-policy"] == "no-referrer", path
            static = path.startswith("/static/")
            assert (answer.headers.get("cache-control") == "no-store") is not static, path
            if answer.headers.get("content-type", "").startswith("text/html"):
                assert "<script>" not in answer.text and " onload=" not in answer.text, path


@pytest.mark.parametrize("service", ["registration", "abstracts", "badges", "console"])
async def test_every_sign_in_form_carries_the_token_and_a_forged_post_is_refused(service: str, home: Path) -> None:
    app = SERVICES[service][0](home)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        page = await client.get("/organiser/login")
        assert 'name="csrf_token"' in page.text
        assert client.cookies.get("congress_csrf")
        forged = await client.post(
            "/organiser/login",
            data={"email": "organiser@icsei.example.org", "password": "guess"},
            headers={"origin": "http://127.0.0.1:1"},
        )
        assert forged.status_code == 403
        no_token = await client.post("/organiser/login", data={"email": "x@example.org", "password": "guess"})
        assert no_token.status_code == 403
