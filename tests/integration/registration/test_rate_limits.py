"""Issue 12, finding 1: nothing limited how many registrations, quotes or sign-in links one client asked for.

Now the 11th rapid request from one client (IP) or for one address gets 429 with ``Retry-After`` and a
clear message, as JSON from the API and as a page from the forms; nothing is registered or sent for it.
An institution behind one NAT still registers 30 colleagues under the default limits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from schemas.registration import MagicLinkRequestedV2
from services.registration.adapters import db
from tests.forms import submit
from tests.integration.registration.conftest import (
    Service,
    close_service,
    congress_file,
    delegate,
    open_service,
    settings_for,
)
from tests.integration.registration.test_flows import of, published

TEN_A_MINUTE = {"rate_limit_per_client": "10/minute", "rate_limit_per_address": "10/minute"}


@pytest.fixture
async def limited(db_url: str, stripe_mock_url: str, tmp_path: Path) -> AsyncIterator[Service]:
    """The service with rate limits on: 10 a minute per client and per address."""
    settings = settings_for(db_url, stripe_mock_url, congress_file(tmp_path), rate_limits=True)
    service = await open_service(settings.model_copy(update=TEN_A_MINUTE), kafka=False)
    yield service
    await close_service(service, kafka=False)


@pytest.fixture
async def defaults(db_url: str, stripe_mock_url: str, tmp_path: Path) -> AsyncIterator[Service]:
    """The service with the shipped rate limits."""
    settings = settings_for(db_url, stripe_mock_url, congress_file(tmp_path), rate_limits=True)
    service = await open_service(settings, kafka=False)
    yield service
    await close_service(service, kafka=False)


def from_ip(service: Service, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=service.app, client=(ip, 51000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def registrations(service: Service) -> int:
    async with service.deps.sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(db.registrations))).scalar_one())


def refused(answer: httpx.Response) -> int:
    """A 429 that says when to come back; returns the seconds to wait."""
    assert answer.status_code == 429, answer.text
    wait = int(answer.headers["retry-after"])
    assert 1 <= wait <= 60
    assert "Too many requests" in answer.text and "try again in" in answer.text
    return wait


async def test_the_11th_registration_from_one_client_gets_429(limited: Service) -> None:
    async with from_ip(limited, "198.51.100.7") as script, from_ip(limited, "198.51.100.8") as other:
        for i in range(10):
            answer = await script.post("/api/registrations", json={"delegates": [delegate(i)]})
            assert answer.status_code == 201, answer.text
        refused(await script.post("/api/registrations", json={"delegates": [delegate(10)]}))
        page = await submit(
            script,
            "/",
            "/register",
            {"n": "1", "action": "confirm"} | {f"delegates.0.{k}": v for k, v in delegate(11).items()},
        )
        refused(page)
        assert page.headers["content-type"].startswith("text/html") and "Please wait a little" in page.text
        assert await registrations(limited) == 10
        assert (await other.post("/api/registrations", json={"delegates": [delegate(12)]})).status_code == 201


async def test_the_11th_quote_for_one_address_gets_429_from_any_client(limited: Service) -> None:
    body = {"delegates": [delegate(0)]}
    for i in range(10):
        async with from_ip(limited, f"203.0.113.{i}") as client:
            assert (await client.post("/api/quote", json=body)).status_code == 200
    async with from_ip(limited, "203.0.113.99") as client:
        refused(await client.post("/api/quote", json=body))
        review = await submit(
            client, "/", "/register", {"n": "1"} | {f"delegates.0.{k}": v for k, v in delegate(0).items()}
        )
        refused(review)  # "See the price" on the form is a quote too
        assert (await client.post("/api/quote", json={"delegates": [delegate(1)]})).status_code == 200
    paths = (await limited.client.get("/openapi.json")).json()["paths"]
    for path in ("/api/registrations", "/api/quote", "/api/magic-link"):
        assert "429" in paths[path]["post"]["responses"]  # documented, so API clients and fuzzers expect it


async def test_the_11th_sign_in_link_for_one_address_gets_429(limited: Service) -> None:
    assert (await limited.client.post("/api/registrations", json={"delegates": [delegate(0)]})).status_code == 201
    for i in range(10):
        async with from_ip(limited, f"192.0.2.{i}") as client:
            assert (await client.post("/api/magic-link", json={"email": "aiko0@example.org"})).status_code == 202
    sent = len(of(await published(limited), MagicLinkRequestedV2))
    async with from_ip(limited, "192.0.2.99") as client:
        refused(await client.post("/api/magic-link", json={"email": "AIKO0@example.org"}))
        page = await submit(client, "/sign-in", "/sign-in", {"email": "aiko0@example.org"})
        refused(page)
        assert "Please wait a little" in page.text
    assert len(of(await published(limited), MagicLinkRequestedV2)) == sent  # nothing more went out


async def test_an_institution_behind_one_address_registers_thirty_colleagues(defaults: Service) -> None:
    async with from_ip(defaults, "192.0.2.200") as nat:
        for i in range(30):
            body = {"delegates": [delegate(i)]}
            assert (await nat.post("/api/quote", json=body)).status_code == 200
            assert (await nat.post("/api/registrations", json=body)).status_code == 201
    assert await registrations(defaults) == 30


async def test_asking_for_new_links_is_limited_per_client_too(limited: Service) -> None:
    async with from_ip(limited, "192.0.2.7") as client:
        for _ in range(10):
            assert (await submit(client, "/sign-in", "/new-link", {"kind": "view", "t": "forged"})).status_code == 200
        refused(await submit(client, "/sign-in", "/new-link", {"kind": "view", "t": "forged"}))
