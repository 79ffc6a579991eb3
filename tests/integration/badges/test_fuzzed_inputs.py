"""The badges service's doors (issue 12, findings 5 and 10): fuzzed 500s refused clearly, and its JSON API published.

A visa form with an over-long field used to raise inside the route: a 500 whose traceback
logged part of the passport number. A visa request id beyond the column's range overflowed.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.badges.adapters import db
from services.badges.adapters.pool import InProcessRenderer
from services.badges.app import build, header_for
from services.badges.commands.visa import visa_request_token
from services.badges.config import BadgesSettings
from services.common.auth import organiser_token
from services.common.congress import load_congress
from tests.forms import page_token
from tests.integration.badges import factories as f

SECRET = "doors-secret"
BEARER = {"authorization": f"Bearer {organiser_token(SECRET, 'organiser@icsei.example.org')}"}
PASSPORT = "XK93517QZ"


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def badges(congress_home: Path) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    settings = BadgesSettings(
        KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{dead_port()}",
        CONGRESS_SECRET=SECRET,
        database_url=f"sqlite+aiosqlite:///{congress_home / 'badges.db'}",
        store_dir=congress_home / "pdfs",
    )
    runtime, app = build(
        settings, renderer=InProcessRenderer(header_for(load_congress()), font_cache=settings.font_cache)
    )
    person = f.delegate("Eleni", "Papadopoulou")
    async with app.router.lifespan_context(app):
        async with runtime.sessionmaker() as session, session.begin():
            await db.upsert_delegate(
                session,
                congress_id=f.CONGRESS,
                registration_id="r",
                version=1,
                status="confirmed",
                paid=True,
                delegate=person,
                now=datetime.now(UTC),
            )
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://badges") as http:
            yield http, person.delegate_id


def visa_form(**over: str) -> dict[str, str]:
    base = {
        "passport_name": "ELENI PAPADOPOULOU",
        "nationality": "Greek",
        "passport_number": PASSPORT,
        "arrival": "2027-01-03",
        "departure": "2027-01-10",
    }
    return base | over


async def test_visa_form_with_overlong_fields_is_a_422_page_that_logs_no_passport_number(
    badges: tuple[httpx.AsyncClient, str], caplog: pytest.LogCaptureFixture
) -> None:
    http, delegate_id = badges
    url = f"/visa/{visa_request_token(SECRET, delegate_id)}"
    caplog.set_level(logging.DEBUG)
    token = {"csrf_token": await page_token(http, url)}  # the form's page first, as a browser loads it
    for field in ("passport_name", "nationality", "passport_number"):
        long = PASSPORT * 200
        answer = await http.post(url, data=visa_form(**{field: long}) | token)
        assert answer.status_code == 422, (field, answer.status_code)
        assert "at most" in answer.text and "<form" in answer.text  # the form again, with what is wrong
        assert PASSPORT not in answer.text
    answer = await http.post(url, data=visa_form(arrival="soon") | token)
    assert answer.status_code == 422 and "Arrival" in answer.text
    assert PASSPORT not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and "passport" in r.getMessage().lower()]
    done = await http.post(url, data=visa_form() | token)
    assert done.status_code == 200 and "Thank you" in done.text and "<form" not in done.text


async def test_the_visa_api_refuses_a_bad_passport_number_without_repeating_it(
    badges: tuple[httpx.AsyncClient, str],
) -> None:
    http, delegate_id = badges
    url = f"/api/visa/{visa_request_token(SECRET, delegate_id)}"
    body = visa_form(passport_number=PASSPORT * 20, nationality="x" * 500)
    answer = await http.post(url, json=body)
    assert answer.status_code == 422
    problems = {tuple(e["loc"]): e for e in answer.json()["detail"]}
    assert "input" not in problems[("body", "passport_number")] and PASSPORT not in answer.text
    assert problems[("body", "nationality")]["input"].startswith("x")  # other fields still say what was sent


async def test_visa_approval_with_an_id_beyond_any_row(badges: tuple[httpx.AsyncClient, str]) -> None:
    http, _ = badges
    for request_id in (2**64, 2**31, 0, -5):
        answer = await http.post(f"/organiser/visa/{request_id}/approve", headers=BEARER)
        assert answer.status_code == 422, (request_id, answer.status_code)
    missing = await http.post(f"/organiser/visa/{2**31 - 1}/approve", headers=BEARER)
    assert missing.status_code == 409 and missing.json() == {"error": "no such request"}


async def test_openapi_publishes_the_json_routes_and_not_the_pages(badges: tuple[httpx.AsyncClient, str]) -> None:
    http, _ = badges
    spec: dict[str, Any] = (await http.get("/openapi.json")).json()
    assert set(spec["paths"]) == {
        "/api/visa/{token}",
        "/organiser/visa/{request_id}/approve",
        "/organiser/visa-link/{delegate_id}",
        "/organiser/certificates",
        "/station/status",
        "/station/scan/frame",
    }
    created = spec["paths"]["/api/visa/{token}"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert created == {"$ref": "#/components/schemas/VisaRequested"}
    assert {"401", "409", "422"} <= set(spec["paths"]["/organiser/visa/{request_id}/approve"]["post"]["responses"])
