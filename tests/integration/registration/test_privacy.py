"""Consent and special needs on SQLite and PostgreSQL (issue 16): the notice version recorded, optional consents
unticked by default and changeable, the participants' list respecting them, dietary and accessibility needs
kept only with consent, seen only with ``sees_special_needs``, never in an event, gone with erasure."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from services.common import audit
from services.common.accounts import seeded_account_id
from services.common.auth import organiser_token, sign
from services.common.congress import DEFAULT_CONFIG
from services.common.outbox import outbox_table
from services.registration.adapters.privacy_store import consents, special_needs
from services.registration.commands import erasure
from services.registration.web.self_service import DELEGATE_COOKIE
from tests.forms import page_token, submit
from tests.integration.registration.conftest import (
    Service,
    close_service,
    delegate,
    open_service,
    register_and_pay,
    settings_for,
)

VIEWER = "organiser@icsei.example.org"
"""The demo file's organiser: every role, 'registration & finance' (which sees special needs) included."""
OTHER = "volunteers@icsei.example.org"
"""An organiser at the desk and a viewer, not in finance (added to the file below)."""
SECRET_DIET = "no aubergine please 茄子"


def privacy_file(tmp_path: Path) -> Path:
    doc = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    doc["organisers"].append({"email": OTHER, "name": "Volunteer desk", "roles": ["desk", "viewer"]})
    path = tmp_path / "congress.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
async def service(db_url: str, stripe_mock_url: str, tmp_path: Path) -> AsyncIterator[Service]:
    opened = await open_service(settings_for(db_url, stripe_mock_url, privacy_file(tmp_path)), kafka=False)
    yield opened
    await close_service(opened, kafka=False)


def bearer(email: str) -> dict[str, str]:
    return {"authorization": f"Bearer {organiser_token('test-secret', email)}"}


def sign_in(service: Service, registration_id: str) -> None:
    service.client.cookies.clear()
    service.client.cookies.set(DELEGATE_COOKIE, sign("test-secret", "delegate-session", {"rid": registration_id}))


async def rows_of(service: Service, table: Any) -> list[Any]:
    async with service.runtime.engine.connect() as conn:
        return list((await conn.execute(select(table))).all())


async def raw_events(service: Service) -> bytes:
    """Every byte the outbox holds for the topics (keys and values): what the relay publishes."""
    async with service.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(outbox_table.c.key, outbox_table.c.value))).all()
    return b"".join((k or b"") + (v or b"") for k, v in rows)


async def test_the_form_shows_the_notice_and_records_its_version_with_only_the_ticked_consents(
    service: Service,
) -> None:
    client = service.client
    page = await client.get("/")
    assert "Privacy notice (version 2026-05)" in page.text and "uses your name, institution" in page.text
    assert 'name="notice_version" value="2026-05"' in page.text
    assert "consent_listed" in page.text and " checked>" not in page.text.split("Optional consents")[1][:900]

    fields = {f"delegates.0.{k}": v for k, v in delegate(1).items()} | {"notice_version": "2026-05"}
    fields |= {"delegates.0.consent_listed": "true", "payment_method": "invoice", "action": "confirm"}
    fields |= {
        "invoice.institution_name": "東京大学",
        "invoice.institution_address": "Tokyo",
        "invoice.email": "a@b.jp",
    }
    done = await submit(client, "/", "/register", fields)
    assert done.status_code == 303, done.text[-800:]

    [row] = await rows_of(service, consents)
    assert (row.notice_version, row.notice_language) == ("2026-05", "ja")  # her language has a translation
    assert (row.listed, row.photos, row.sponsors) == (True, False, False)
    assert not await rows_of(service, special_needs)

    review = await client.post(
        "/register", data=fields | {"action": "review", "csrf_token": await page_token(client, "/")}
    )
    assert "事務局" in review.text  # the review page shows the notice in the delegate's language


async def test_an_unknown_notice_version_is_refused_by_name(service: Service) -> None:
    answer = await service.client.post(
        "/api/registrations", json={"delegates": [delegate(2, notice_version="1999-01")]}
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "delegates", 0, "notice_version"]
    assert not await rows_of(service, consents)


async def test_special_needs_are_kept_only_with_consent_and_never_in_an_event(service: Service) -> None:
    needs = {"diets": ["halal", "nut-allergy"], "diet_other": SECRET_DIET, "access": ["wheelchair"]}
    refused = delegate(3, **needs)  # no special_needs_consent: nothing stored
    kept = delegate(4, special_needs_consent=True, add_ons=["dinner"], **needs)
    await register_and_pay(service, refused)
    created = await register_and_pay(service, kept)

    stored = await rows_of(service, special_needs)
    assert [r.registration_id for r in stored] == [created["payer_id"]]
    assert stored[0].diet_other == SECRET_DIET and stored[0].diets == ["halal", "nut-allergy"]
    raw = await raw_events(service)
    assert raw  # the registrations' events are there ...
    for secret in (SECRET_DIET, "halal", "nut-allergy", "wheelchair", "special_needs"):
        assert secret.encode() not in raw  # ... and none of the needs, in any form


async def test_only_registration_and_finance_see_them_counted(service: Service) -> None:
    needs = {"special_needs_consent": True, "diets": ["vegan"], "access": ["hearing-loop"]}
    await register_and_pay(service, delegate(5, add_ons=["dinner"], **needs))
    await register_and_pay(service, delegate(6, diet_other="low salt", special_needs_consent=True, diets=["vegan"]))

    denied = await service.client.get("/organiser/needs", headers=bearer(OTHER))
    assert denied.status_code == 403 and "vegan" not in denied.text.lower()
    assert (await service.client.get("/organiser/needs")).status_code == 401

    page = await service.client.get("/organiser/needs", headers=bearer(VIEWER))
    assert page.status_code == 200
    everyone, dinner = page.text.split("<h2>")[1:3]
    assert '<span class="people">2</span>' in everyone and 'data-need="vegan">2<' in everyone
    assert 'data-need="hearing-loop">1<' in everyone
    assert '<span class="people">1</span>' in dinner and 'data-need="vegan">1<' in dinner
    assert "low salt" in page.text  # the per-person list, for the caterer


async def test_the_participants_list_shows_only_who_consented_and_follows_a_change(service: Service) -> None:
    shy = await register_and_pay(service, delegate(7, given_name="Shy", badge_name="Shy Person"))
    listed = await register_and_pay(service, delegate(8, badge_name="Listed Person", consent_listed=True))

    page = await service.client.get("/organiser/participants", headers=bearer(OTHER))
    assert "Listed Person" in page.text and "Shy Person" not in page.text

    sign_in(service, shy["payer_id"])
    me = await service.client.get("/me")
    assert 'id="listed" name="listed" value="true">' in me.text  # unticked
    token = await page_token(service.client, "/me")
    changed = await service.client.post("/me/consents", data={"listed": "true", "csrf_token": token})
    assert changed.status_code == 303
    mine = await service.client.get("/me/participants")
    assert "Shy Person" in mine.text and "Listed Person" in mine.text

    sign_in(service, listed["payer_id"])
    token = await page_token(service.client, "/me")
    await service.client.post("/me/consents", data={"photos": "true", "csrf_token": token})
    after = await service.client.get("/organiser/participants", headers=bearer(VIEWER))
    assert "Listed Person" not in after.text and "Shy Person" in after.text
    [row] = [r for r in await rows_of(service, consents) if r.registration_id == listed["payer_id"]]
    assert (row.listed, row.photos, row.notice_version) == (False, True, "2026-05")


async def test_a_delegate_withdraws_their_needs_and_erasure_removes_them(service: Service) -> None:
    needs = {"special_needs_consent": True, "diets": ["kosher"]}
    one = await register_and_pay(service, delegate(9, **needs))
    two = (await service.client.post("/api/registrations", json={"delegates": [delegate(10, **needs)]})).json()
    assert len(await rows_of(service, special_needs)) == 2

    sign_in(service, one["payer_id"])
    token = await page_token(service.client, "/me")
    withdrawn = await service.client.post("/me/needs", data={"diets": "kosher", "csrf_token": token})
    assert withdrawn.status_code == 303  # the consent box unticked: the needs go
    bad = await service.client.post(
        "/me/needs", data={"diets": "pizza", "special_needs_consent": "true", "csrf_token": token}
    )
    assert bad.status_code == 422
    assert [r.registration_id for r in await rows_of(service, special_needs)] == [two["payer_id"]]

    await erasure.erase(service.deps, two["payer_id"], audit.organiser(seeded_account_id("test-secret", VIEWER)))
    assert not await rows_of(service, special_needs)
    assert two["payer_id"] not in {r.registration_id for r in await rows_of(service, consents)}


async def test_a_viewer_sees_a_registration_without_the_actions_only_finance_may_take(service: Service) -> None:
    paid = await register_and_pay(service, delegate(7))
    page = f"/organiser/registrations/{paid['payer_id']}"
    seen = await service.client.get(page, headers=bearer(OTHER))
    assert seen.status_code == 200
    assert 'id="actions"' not in seen.text and "/cancel" not in seen.text and "Erase personal data" not in seen.text
    refused = await service.client.post(f"{page}/cancel", data={"reason": "x"}, headers=bearer(OTHER))
    assert refused.status_code == 403
    finance = await service.client.get(page, headers=bearer(VIEWER))
    assert 'id="actions"' in finance.text and f"{page}/cancel" in finance.text and "Erase personal data" in finance.text
