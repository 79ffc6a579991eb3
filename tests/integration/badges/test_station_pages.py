"""Issue 12 at badges: the visa form and its API refuse hidden control and bidi characters naming the field
(the page beside it) and take a passport name in any script as written (finding 8); a station search
says when it shows fewer delegates than it found (finding 9)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from schemas.values import Delegate
from services.badges.adapters import db
from services.badges.adapters.pool import InProcessRenderer
from services.badges.app import build, header_for
from services.badges.commands.visa import visa_request_token
from services.badges.config import BadgesSettings
from services.badges.web.station import STATION_RESULTS
from services.common.auth import organiser_token
from services.common.congress import load_congress
from services.common.runtime import ServiceRuntime
from tests.integration.badges import factories as f
from tests.integration.badges.test_station_offline_boot import dead_port

SECRET = "visa-secret"
DATES = {"arrival": "2027-01-04", "departure": "2027-01-09"}


@dataclass
class Badges:
    runtime: ServiceRuntime
    client: httpx.AsyncClient

    async def replicate(self, *people: Delegate) -> None:
        async with self.runtime.sessionmaker() as session, session.begin():
            for person in people:
                await db.upsert_delegate(
                    session,
                    congress_id=f.CONGRESS,
                    registration_id=f"r-{person.delegate_id}",
                    version=1,
                    status="confirmed",
                    paid=True,
                    delegate=person,
                    now=datetime.now(UTC),
                )


@pytest.fixture
async def badges(congress_home: Path) -> AsyncIterator[Badges]:
    settings = BadgesSettings(
        KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{dead_port()}",
        CONGRESS_SECRET=SECRET,
        database_url=f"sqlite+aiosqlite:///{congress_home / 'visa.db'}",
        store_dir=congress_home / "pdfs",
    )
    runtime, app = build(
        settings, renderer=InProcessRenderer(header_for(load_congress()), font_cache=settings.font_cache)
    )
    bearer = {"authorization": f"Bearer {organiser_token(SECRET, 'organiser@icsei.example.org')}"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://station", headers=bearer) as client,
    ):
        yield Badges(runtime, client)


async def test_visa_requests_refuse_hidden_characters_and_keep_any_script(badges: Badges) -> None:
    person = f.delegate("Amira", "Haddad")
    await badges.replicate(person)
    link = f"/visa/{visa_request_token(SECRET, person.delegate_id)}"
    client = badges.client
    page = await client.post(
        link, data={"passport_name": "Amira\u202e", "nationality": "Jordanian", "passport_number": "N1\x00"} | DATES
    )
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    beside = dict(re.findall(r'id="([a-z_]+)-error">([^<]+)<', page.text))
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in beside["passport_name"]
    assert "U+0000 NULL" in beside["passport_number"] and "nationality" not in beside
    assert 'value="Jordanian"' in page.text  # what was typed comes back
    api = await client.post(
        f"/api{link}", json={"passport_name": "Amira\x1b", "nationality": "Jordanian", "passport_number": "N1"} | DATES
    )
    assert api.status_code == 422
    assert api.json()["detail"][0]["loc"] == ["body", "passport_name"]
    good = {"passport_name": "أميرة حداد", "nationality": "\u200bJordanian", "passport_number": "N1"} | DATES
    assert (await client.post(f"/api{link}", json=good)).status_code == 201
    async with badges.runtime.sessionmaker() as session:
        stored = (await session.execute(select(db.visa_requests))).mappings().one()
    assert (stored["passport_name"], stored["nationality"]) == ("أميرة حداد", "Jordanian")


async def test_a_station_search_says_when_it_shows_fewer_than_it_found(badges: Badges) -> None:
    many = STATION_RESULTS + 5
    await badges.replicate(*(f.delegate("Ana", f"Silva {i:02d}", number=i) for i in range(many)))
    await badges.replicate(f.delegate("Jürgen", "Müller", number=900))
    page = (await badges.client.get("/station", params={"q": "ana"})).text
    assert page.count("<tr data-delegate=") == STATION_RESULTS
    assert f"Showing {STATION_RESULTS} of {many} delegates found" in page
    one = (await badges.client.get("/station", params={"q": "müller\x00"})).text  # cleaned, still found
    assert one.count("<tr data-delegate=") == 1 and 'id="more-results"' not in one
