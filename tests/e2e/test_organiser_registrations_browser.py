"""An organiser works the registrations list at congress size in Chromium: 2,500 registrations in the database.

The list loads with its total; a filter, a sort by name and page 2 keep each other in the URL; a search in
lower-case Cyrillic finds the one delegate whose name is written in it; her row opens her registration page,
and a refund typed in euros ("120.50") goes through its confirmation step to Stripe (stripe-mock) and back.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, async_playwright
from sqlalchemy import insert, select, update

from services.common.auth import ORGANISER_COOKIE, organiser_token
from services.devtools.processes import free_port
from services.registration.adapters import db
from services.registration.adapters.rows import search_text
from services.registration.app import build
from services.registration.config import RegistrationSettings
from tests.e2e.chromium import launch, served

SECRET = "e2e-secret"
ROWS = 2500
FAMILIES = ["Mwangi", "Tanaka", "Silva", "Müller", "Sharma", "Smith", "Rojas", "Ødegård", "Nguyễn", "Okafor"]
GIVEN = ["Wanjiru", "Yuki", "Ana", "Jürgen", "Priya", "John", "Camila", "Ingrid", "Minh", "Chidi"]
COUNTRIES = ["KE", "JP", "BR", "DE", "IN", "US", "CL"]
CATEGORIES = ["member", "non-member", "student", "one-day", "accompanying"]
HER = {"given_name": "Анна", "family_name": "Чайковская", "affiliation": "Киевский университет", "country": "UA"}


def copies(template: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """``count`` registrations made from one: names, countries, categories and states spread over them."""
    made = []
    for i in range(count):
        paid = i % 3 == 0
        row = template | {
            "id": f"reg-{i:05d}",
            "delegate_id": f"del-{i:05d}",
            "payer_id": f"reg-{i:05d}",
            "number": f"ICSEI27-8{i:05d}",
            "email": f"delegate{i}@example.org",
            "given_name": GIVEN[i % len(GIVEN)],
            "family_name": FAMILIES[(i * 7) % len(FAMILIES)],
            "badge_name": GIVEN[i % len(GIVEN)],
            "affiliation": f"University {i % 97}",
            "country": COUNTRIES[i % len(COUNTRIES)],
            "category": CATEGORIES[i % len(CATEGORIES)],
            "status": "confirmed" if paid else "pending",
            "paid": paid,
            "created_at": template["created_at"] - timedelta(minutes=i),
        }
        row["search_text"] = search_text(row)
        made.append(row)
    return made


async def seed(app: Any, base: str) -> str:
    """Her registration (paid by card) and 2,499 others; returns her registration id."""
    async with httpx.AsyncClient(base_url=base) as http:
        her = {**HER, "email": "anna@example.org", "language": "uk", "category": "non-member"}
        created = await http.post("/api/registrations", json={"delegates": [her]})
    assert created.status_code == 201, created.text
    rid = str(created.json()["payer_id"])
    async with app.state.deps.sessionmaker.begin() as session:
        paid = {"status": "confirmed", "paid": True, "payment_reference": "pi_e2e_anna"}
        await session.execute(update(db.registrations).where(db.registrations.c.id == rid).values(**paid))
        template = dict((await session.execute(select(db.registrations))).mappings().one())
        await session.execute(insert(db.registrations), copies(template, ROWS - 1))
    return rid


def expected_kenyans_confirmed() -> int:
    return sum(1 for i in range(ROWS - 1) if COUNTRIES[i % len(COUNTRIES)] == "KE" and i % 3 == 0)


async def names(page: Page) -> list[str]:
    return await page.locator("tbody tr td:nth-child(2)").all_inner_texts()


@pytest.mark.browser
async def test_an_organiser_finds_filters_sorts_pages_and_refunds_at_2500_registrations(
    stripe_mock_url: str, tmp_path: Path
) -> None:
    port = free_port()
    settings = RegistrationSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'reg.sqlite3'}",
        stripe_api_base=stripe_mock_url,
        public_url=f"http://127.0.0.1:{port}",
        KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{free_port()}",  # nobody there: the pages work locally
        CONGRESS_SECRET=SECRET,
    )
    _runtime, app = build(settings, clock=lambda: datetime(2026, 6, 1, tzinfo=UTC))
    async with served(app, port) as base, async_playwright() as p:
        rid = await seed(app, base)
        browser = await launch(p)
        context = await browser.new_context()
        cookie = organiser_token(SECRET, "organiser@icsei.example.org")
        await context.add_cookies([{"name": ORGANISER_COOKIE, "value": cookie, "url": base}])
        page = await context.new_page()

        await page.goto(base + "/organiser/registrations")
        assert await page.locator("#shown").inner_text() == "Showing 1–50 of 2,500."
        assert await page.locator("tbody tr").count() == 50

        # A filter, then a sort by name, then page 2: each keeps the others.
        await page.get_by_label("Country").select_option("KE")
        await page.get_by_label("Status").select_option("confirmed")
        await page.get_by_role("button", name="Filter").click()
        total = expected_kenyans_confirmed()
        assert await page.locator("#shown").inner_text() == f"Showing 1–50 of {total:,}."
        await page.get_by_role("link", name="Name", exact=True).click()
        await page.wait_for_url(re.compile(r"sort=name"))
        first = await names(page)
        await page.get_by_role("link", name="Next 50").click()
        await page.wait_for_url(re.compile(r"page=2"))
        assert "country=KE" in page.url and "status=confirmed" in page.url and "sort=name" in page.url
        assert await page.locator("#shown").inner_text() == f"Showing 51–100 of {total:,}."
        second = await names(page)
        assert first + second == sorted(first + second) and len(second) == 50
        countries = await page.locator("tbody tr td:nth-child(5)").all_inner_texts()
        assert set(countries) == {"KE"}

        # Search in lower-case Cyrillic: the one delegate written in it.
        await page.goto(base + "/organiser/registrations")
        await page.get_by_label("Search").fill("чайковская")
        await page.get_by_role("button", name="Filter").click()
        assert await page.locator("#shown").inner_text() == "Showing 1–1 of 1."
        await page.get_by_role("link", name="Чайковская, Анна").click()
        await page.wait_for_url(f"{base}/organiser/registrations/{rid}")
        assert "Чайковская" in await page.locator("h1").inner_text()

        # A refund in euros, through its confirmation step.
        await page.get_by_label("Refund by card (EUR)").fill("120.50")
        await page.get_by_role("button", name="Refund…").click()
        assert await page.locator("h1").inner_text() == "Refund 120.50 EUR?"
        assert await registered(app, rid, "refunded_minor") == 0  # nothing done before the confirmation
        await page.get_by_role("button", name="Yes, refund 120.50 EUR").click()
        await page.wait_for_url(re.compile(rf"/organiser/registrations/{rid}\?message="))
        assert re.fullmatch(r"Refund re_\w+ issued\.", await page.get_by_role("status").inner_text())
        assert await page.locator("#refunded").inner_text() == "€120.50"
        assert await registered(app, rid, "refunded_minor") == 12050
        await browser.close()


async def registered(app: Any, rid: str, column: str) -> Any:
    async with app.state.deps.sessionmaker() as session:
        return (await session.execute(select(db.registrations.c[column]).where(db.registrations.c.id == rid))).scalar()
