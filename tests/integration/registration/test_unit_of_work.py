"""Every commit path of registration writes its own events (issue 18): the kernel's hidden ``before_commit``
listener is switched off here, as the lead will remove it, and nothing registration stages may be lost."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from schemas.base import decode
from schemas.delegates import DelegateSnapshot
from schemas.keys import PersonKeyIssued
from schemas.registration import (
    InvoiceIssued,
    PaymentSucceeded,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationCreatedV2,
    RegistrationUpdated,
)
from services.common import outbox
from services.common.auth import organiser_token
from services.common.outbox import outbox_table
from services.registration.commands import expiry
from tests.integration.registration.conftest import EARLY, Service, delegate, register_and_pay


@pytest.fixture
def without_the_listener() -> Iterator[None]:
    listener = getattr(outbox, "_flush_outbox_rows", None)
    hooked = listener is not None and event.contains(Session, "before_commit", listener)
    if hooked:
        event.remove(Session, "before_commit", listener)
    try:
        yield
    finally:
        if hooked:
            event.listen(Session, "before_commit", listener)


async def published(service: Service) -> list[Any]:
    async with service.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(outbox_table.c.value).order_by(outbox_table.c.id))).scalars().all()
    opener = service.runtime.keyring.opener(final=True)  # personal fields open with the service's own keys
    return [
        e.data for e in (decode(v, opener) for v in rows if v is not None) if not isinstance(e.data, PersonKeyIssued)
    ]


def count(events: list[Any], kind: type) -> int:
    return sum(isinstance(e, kind) for e in events)


async def test_every_commit_path_writes_its_events_without_the_listener(
    without_the_listener: None, offline: Service
) -> None:
    client = offline.client
    auth = {"authorization": f"Bearer {organiser_token('test-secret', 'organiser@icsei.example.org')}"}
    # registering (the group writer, or one transaction each) and a paid webhook (a unit of work)
    paid = await register_and_pay(offline, delegate(0))
    invoice = {"institution_name": "Univ.", "institution_address": "Street 1", "email": "f@example.org"}
    invoiced = await client.post(
        "/api/registrations", json={"delegates": [delegate(1)], "payment_method": "invoice", "invoice": invoice}
    )
    assert invoiced.status_code == 201, invoiced.text
    unpaid = (await client.post("/api/registrations", json={"delegates": [delegate(2)]})).json()
    # an organiser's change and cancellation (units of work)
    rid = invoiced.json()["registrations"][0]["registration_id"]
    changed = await client.post(
        f"/api/organiser/registrations/{rid}/income-group", json={"group": "low", "reason": "scholar"}, headers=auth
    )
    assert changed.status_code == 200, changed.text
    gone = await client.post(f"/api/organiser/registrations/{paid['payer_id']}/cancel", json={}, headers=auth)
    assert gone.status_code == 200, gone.text
    # the sweep (a unit of work of its own)
    offline.deps.clock = lambda: EARLY + timedelta(hours=3)
    assert await expiry.expire_unpaid(offline.deps) == 1

    events = await published(offline)
    assert count(events, RegistrationCreatedV2) == 3 and count(events, InvoiceIssued) == 1
    assert count(events, PaymentSucceeded) == 1 and count(events, RegistrationConfirmed) == 2
    assert count(events, RegistrationUpdated) == 1
    cancelled = [e for e in events if isinstance(e, RegistrationCancelled)]
    assert [(e.registration_id, e.reason) for e in cancelled] == [
        (paid["payer_id"], "cancelled by the organisers"),
        (unpaid["payer_id"], "payment_expired"),
    ]
    expired = [e for e in events if isinstance(e, DelegateSnapshot) and e.registration_id == unpaid["payer_id"]]
    assert expired[-1].status == "expired"
