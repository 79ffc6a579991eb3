"""Issue 12, finding 1: registering with someone else's address created a second, silent record.

Now a second registration for an address with a live registration creates nothing; the person
registering is told "we have sent a message to this address" (page and API alike), and that address
gets ``RegistrationAttemptedForExistingAddress`` -- once an hour at most, with no sign-in link in it.
Also when the two registrations arrive at the same moment (SQLite and PostgreSQL).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from schemas.base import encode, new_event
from schemas.registration import RegistrationAttemptedForExistingAddress, RegistrationCreatedV2
from services.common.auth import organiser_token
from services.registration.adapters import db
from services.registration.commands.addresses import NOTIFIED
from tests.forms import submit
from tests.integration.registration.conftest import EARLY, Service, delegate
from tests.integration.registration.test_flows import of, published


async def records_for(service: Service, address: str) -> int:
    async with service.deps.sessionmaker() as session:
        stmt = select(func.count()).where(func.lower(db.registrations.c.email) == address.lower())
        return int((await session.execute(stmt)).scalar_one())


def email_error(answer: object) -> str:
    detail = answer.json()["detail"]  # type: ignore[attr-defined]
    (only,) = [d for d in detail if d["loc"][-1] == "email"]
    return str(only["msg"])


async def test_a_second_registration_with_one_address_creates_nothing_and_tells_the_owner(offline: Service) -> None:
    client = offline.client
    first = (await client.post("/api/registrations", json={"delegates": [delegate(0)]})).json()
    again = await client.post("/api/registrations", json={"delegates": [delegate(1, email=" AIKO0@Example.org ")]})
    assert again.status_code == 422 and email_error(again) == NOTIFIED
    form = {"n": "1", "action": "confirm"} | {
        f"delegates.0.{k}": v for k, v in delegate(2, email="aiko0@example.org").items()
    }
    page = await submit(client, "/", "/register", form)
    assert page.status_code == 422 and "We have sent a message to this address" in page.text
    assert await records_for(offline, "aiko0@example.org") == 1

    notices = of(await published(offline), RegistrationAttemptedForExistingAddress)
    assert len(notices) == 1  # two attempts within the hour: one notice
    notice = notices[0]
    assert (notice.registration_id, notice.email, notice.language) == (first["payer_id"], "aiko0@example.org", "ja")
    assert notice.sign_in_url == "http://testserver/sign-in"
    assert b"/me/" not in encode(new_event(notice, "/registration"))  # no sign-in secret on the stream

    offline.deps.clock = lambda: EARLY + timedelta(minutes=61)
    await client.post("/api/registrations", json={"delegates": [delegate(3, email="aiko0@example.org")]})
    assert len(of(await published(offline), RegistrationAttemptedForExistingAddress)) == 2  # an hour later, again


async def test_an_ended_registration_frees_its_address_and_a_group_needs_one_address_each(offline: Service) -> None:
    client = offline.client
    first = (await client.post("/api/registrations", json={"delegates": [delegate(0)]})).json()
    pair = await client.post(
        "/api/registrations", json={"delegates": [delegate(5), delegate(6, email="aiko5@example.org")]}
    )
    assert pair.status_code == 422 and email_error(pair) == "Each delegate needs their own email address."
    auth = {"authorization": f"Bearer {organiser_token('test-secret', 'organiser@icsei.example.org')}"}
    cancel = await client.post(f"/api/organiser/registrations/{first['payer_id']}/cancel", json={}, headers=auth)
    assert cancel.status_code == 200, cancel.text
    again = await client.post("/api/registrations", json={"delegates": [delegate(0)]})
    assert again.status_code == 201, again.text
    assert of(await published(offline), RegistrationAttemptedForExistingAddress) == []


async def test_two_registrations_at_the_same_moment_with_one_address_make_one_record(offline: Service) -> None:
    bodies = [{"delegates": [delegate(i, email="same@example.org")]} for i in range(6)]
    answers = await asyncio.gather(*(offline.client.post("/api/registrations", json=b) for b in bodies))
    assert sorted(a.status_code for a in answers) == [201, 422, 422, 422, 422, 422]
    assert await records_for(offline, "same@example.org") == 1
    created = [e for e in of(await published(offline), RegistrationCreatedV2) if e.delegate.email == "same@example.org"]
    assert len(created) == 1
