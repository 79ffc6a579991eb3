"""A delegate erases their own personal data from their page (issue 16): a confirmation page, a CSRF-protected form
where they type their address, one erasure like the organisers' (audited as the delegate's, reaching every service
through ``RegistrationErased`` with the pseudonym of the address and the tombstone), and afterwards no link or
session opens the registration. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from schemas import topics
from schemas.audit import ActorKind, OrganiserActed
from schemas.base import decode
from schemas.registration import RegistrationErased
from services.common.auth import sign
from services.common.keyring import person_ref
from services.common.outbox import outbox_table
from services.registration.adapters import db as registration_db
from services.registration.commands.erasure import ERASED
from tests.forms import page_token, sign_in_by_link, submit
from tests.integration.registration.conftest import (
    Service,
    close_service,
    congress_file,
    delegate,
    open_service,
    settings_for,
)

EMAIL = "ximena.quispe@example.org"


@pytest.fixture
async def service(db_url: str, stripe_mock_url: str, tmp_path: Path) -> AsyncIterator[Service]:
    opened = await open_service(settings_for(db_url, stripe_mock_url, congress_file(tmp_path)), kafka=False)
    yield opened
    await close_service(opened, kafka=False)


async def signed_in(service: Service, jti: str = "j1") -> str:
    created = await service.client.post("/api/registrations", json={"delegates": [delegate(email=EMAIL)]})
    assert created.status_code == 201, created.text
    rid = str(created.json()["payer_id"])
    link = sign("test-secret", "magic-link", {"rid": rid, "jti": jti})
    assert (await sign_in_by_link(service.client, f"/me/{link}")).status_code == 303
    return rid


async def stored(service: Service, rid: str) -> str:
    async with service.runtime.engine.connect() as conn:
        reg = registration_db.registrations.c
        return str((await conn.execute(select(reg.given_name).where(reg.id == rid))).scalar_one())


async def test_a_delegate_erases_their_data_after_typing_their_address(service: Service) -> None:
    client = service.client
    rid = await signed_in(service)
    assert 'href="/me/erase"' in (await client.get("/me")).text
    page = await client.get("/me/erase")
    assert page.status_code == 200 and 'name="confirm_email"' in page.text and "issued invoice" in page.text

    wrong = await submit(client, "/me/erase", "/me/erase", {"confirm_email": "someone@example.org"})
    assert wrong.status_code == 422 and 'role="alert"' in wrong.text
    forged = await client.post("/me/erase", data={"confirm_email": EMAIL})  # no CSRF token
    assert forged.status_code == 403
    assert await stored(service, rid) == "Aiko"  # nothing erased yet

    done = await submit(client, "/me/erase", "/me/erase", {"confirm_email": EMAIL.upper()})
    assert done.status_code == 200 and 'id="erased"' in done.text
    assert await stored(service, rid) == ERASED

    async with service.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(outbox_table.c.topic, outbox_table.c.value))).all()
    events = [decode(v).data for t, v in rows if v and t in (topics.REGISTRATION, topics.AUDIT)]
    erased = [e for e in events if isinstance(e, RegistrationErased)]
    assert [(e.erased_by, e.person_ref) for e in erased] == [("delegate", person_ref("test-secret", EMAIL))]
    acted = [e for e in events if isinstance(e, OrganiserActed) and e.action == "registration.erase"]
    assert [(a.actor_kind, a.subject_id) for a in acted] == [(ActorKind.DELEGATE, rid)]
    assert any(t == topics.DELEGATES and v is None for t, v in rows)  # the tombstone every service erases on

    # signed out, and neither the old session nor a new link opens the registration again
    assert (await client.get("/me")).status_code == 401
    client.cookies.set("congress_delegate", sign("test-secret", "delegate-session", {"rid": rid}))
    assert (await client.get("/me")).status_code == 410
    again = sign("test-secret", "magic-link", {"rid": rid, "jti": "j2"})
    assert (await client.get(f"/me/{again}")).status_code == 410


async def test_a_paid_registration_must_be_settled_first(service: Service) -> None:
    rid = await signed_in(service)
    async with service.runtime.engine.begin() as conn:  # as if paid by invoice and not yet paid: money is owed
        reg = registration_db.registrations.c
        await conn.execute(
            registration_db.registrations.update().where(reg.id == rid).values(payment_method="invoice", paid=False)
        )
    page = await service.client.get("/me/erase")
    assert page.status_code == 200 and 'id="refused"' in page.text and 'name="confirm_email"' not in page.text
    token = await page_token(service.client, "/me")  # a form posted anyway (say, from an older tab)
    refused = await service.client.post("/me/erase", data={"confirm_email": EMAIL, "csrf_token": token})
    assert refused.status_code == 409 and "invoice is unpaid" in refused.text
    assert await stored(service, rid) == "Aiko"
