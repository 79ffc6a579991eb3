"""Registration flows on SQLite and PostgreSQL with stripe-mock: card, webhook replay, invoice, organiser actions.

Kafka is not involved here; what would be published is read back from the outbox
table and decoded through the schema models (test_kafka.py checks the real topics).
"""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from schemas import decode
from schemas.delegates import DelegateSnapshot
from schemas.keys import PersonKeyIssued
from schemas.registration import (
    InvoiceIssued,
    PaymentFailed,
    PaymentSucceeded,
    RefundIssued,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationCreatedV2,
    RegistrationUpdated,
)
from services.common.auth import organiser_token
from services.common.outbox import outbox_table
from services.registration.adapters.stripe import checkout_event, sign_webhook
from tests.forms import token_in
from tests.integration.registration.conftest import WEBHOOK_SECRET, Service, delegate, register_and_pay, webhook


async def published(service: Service) -> list:
    async with service.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(outbox_table.c.value).order_by(outbox_table.c.id))).scalars().all()
    async with service.runtime.sessionmaker() as session:  # with keys another copy on this database minted too
        await service.runtime.keyring.load(session)
    opener = service.runtime.keyring.opener(final=True)  # personal fields open with the service's own keys
    return [
        e.data for e in (decode(v, opener) for v in rows if v is not None) if not isinstance(e.data, PersonKeyIssued)
    ]


def of(events: list, kind: type) -> list:
    return [e for e in events if isinstance(e, kind)]


async def test_card_payment_through_test_checkout_and_replayed_webhook(offline: Service) -> None:
    client = offline.client
    answer = await client.post("/api/registrations", json={"delegates": [delegate(add_ons=["dinner"])]})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    payer = body["payer_id"]
    assert body["total"] == 52000 + 8500 and body["registrations"][0]["status"] == "pending"

    pay = await client.get(body["payment_url"].removeprefix("http://testserver"))
    assert pay.status_code == 303 and "/test-checkout/" in pay.headers["location"]
    page = await client.get(pay.headers["location"])
    assert "TEST CHECKOUT" in page.text and "€605.00" in page.text
    token = re.search(r'name="t" value="([^"]+)"', page.text).group(1)
    form = {"t": token, "session_id": "cs_x", "outcome": "paid", "csrf_token": token_in(page.text)}
    done = await client.post(f"/test-checkout/{payer}", data=form)
    status = await client.get(done.headers["location"])
    assert "Confirmed and paid" in status.text
    assert 'lang="ja"' in status.text and "田中0" in status.text

    # Stripe retries the same event: nothing changes; nor does a late failure after success.
    outcomes = [
        (
            await webhook(
                offline,
                "checkout.session.completed",
                payer,
                60500,
                event_id="evt_same",
                payment_intent=f"pi_test_{payer}",
            )
        )["outcome"]
        for _ in range(2)
    ]
    assert outcomes == ["already paid", "duplicate"]
    late = await webhook(offline, "checkout.session.async_payment_failed", payer, 60500, payment_status="unpaid")
    assert late["outcome"] == "already settled"

    events = await published(offline)
    assert [type(e) for e in events] == [
        RegistrationCreatedV2,
        DelegateSnapshot,
        PaymentSucceeded,
        RegistrationConfirmed,
        DelegateSnapshot,
    ]
    confirmed = of(events, RegistrationConfirmed)[0]
    assert confirmed.delegate.family_name == "田中0" and confirmed.delegate.add_ons[0].code == "dinner"
    assert confirmed.total.amount_minor == 60500 and confirmed.registration_version == 2
    assert of(events, DelegateSnapshot)[-1].paid is True


async def test_webhook_rejects_bad_signature_stale_timestamp_and_wrong_amount(offline: Service) -> None:
    client = offline.client
    body = (await client.post("/api/registrations", json={"delegates": [delegate()]})).json()
    payer = body["payer_id"]
    event = checkout_event(
        "checkout.session.completed",
        session_id="cs_y",
        payer_id=payer,
        amount_minor=52000,
        currency="EUR",
        payment_status="paid",
        payment_intent="pi_2",
    )
    forged = await client.post(
        "/stripe/webhook", content=event, headers={"stripe-signature": sign_webhook(event, "whsec_wrong")}
    )
    stale = await client.post(
        "/stripe/webhook", content=event, headers={"stripe-signature": sign_webhook(event, WEBHOOK_SECRET, timestamp=1)}
    )
    tampered = event.replace(b"52000", b"100")
    altered = await client.post(
        "/stripe/webhook", content=tampered, headers={"stripe-signature": sign_webhook(event, WEBHOOK_SECRET)}
    )
    assert (forged.status_code, stale.status_code, altered.status_code) == (400, 400, 400)
    cheap = await webhook(offline, "checkout.session.completed", payer, 100, session_id="cs_y")
    assert cheap["outcome"] == "payment failed"
    # Delayed method: completed(unpaid) then async success, arriving in that order or the other.
    outcomes = [
        (await webhook(offline, kind, payer, 52000, session_id="cs_y", payment_status=paid))["outcome"]
        for kind, paid in (
            ("checkout.session.async_payment_succeeded", "paid"),
            ("checkout.session.completed", "unpaid"),
        )
    ]
    assert outcomes == ["confirmed", "awaiting delayed payment"]
    events = await published(offline)
    assert len(of(events, PaymentFailed)) == 1 and len(of(events, RegistrationConfirmed)) == 1


async def test_group_invoice_then_organiser_marks_paid_refunds_cancels_and_overrides(offline: Service) -> None:
    client = offline.client
    group = [delegate(i, country=c) for i, c in enumerate(["KE", "JP", "BR", "DE", "IN"])]
    invoice = {
        "institution_name": "Univ. of Nairobi",
        "institution_address": "PO Box 30197\nNairobi",
        "email": "finance@example.org",
        "purchase_order": "PO-77",
    }
    answer = await client.post(
        "/api/registrations", json={"delegates": group, "payment_method": "invoice", "invoice": invoice}
    )
    assert answer.status_code == 201, answer.text
    regs = answer.json()["registrations"]
    # KE lower-middle 50%, then the group's 10%: 52000 -> 26000 -> 23400.
    assert regs[0]["total"] == 23400 and all(r["status"] == "confirmed" for r in regs)
    auth = {"authorization": f"Bearer {organiser_token('test-secret', 'organiser@icsei.example.org')}"}
    assert (
        await client.post(f"/api/organiser/registrations/{regs[0]['registration_id']}/mark-paid")
    ).status_code == 401
    paid = await client.post(f"/api/organiser/registrations/{regs[0]['registration_id']}/mark-paid", headers=auth)
    assert paid.status_code == 200, paid.text
    again = await client.post(f"/api/organiser/registrations/{regs[0]['registration_id']}/mark-paid", headers=auth)
    assert again.status_code == 409
    override = await client.post(
        f"/api/organiser/registrations/{regs[1]['registration_id']}/income-group",
        json={"group": "low", "reason": "refugee scholar"},
        headers=auth,
    )
    assert override.status_code == 200
    cancel = await client.post(
        f"/api/organiser/registrations/{regs[2]['registration_id']}/cancel",
        json={"reason": "visa refused"},
        headers=auth,
    )
    assert cancel.status_code == 200
    listing = (await client.get("/api/organiser/registrations?status=confirmed", headers=auth)).json()
    assert listing["total"] == 4 and len(listing["items"]) == 4 and listing["next"] is None
    csv_text = (await client.get("/organiser/registrations.csv", headers=auth)).text
    assert csv_text.count("\n") == 6

    events = await published(offline)
    issued = of(events, InvoiceIssued)
    assert len(issued) == 1 and issued[0].invoice_number == "ICSEI27-INV-0001"
    assert issued[0].total.amount_minor == sum(r["total"] for r in regs) and issued[0].purchase_order == "PO-77"
    for line in issued[0].lines:  # the records' English, and the values badges words it from in the invoice's language
        assert line.charge is not None and line.description.startswith(f"{line.delegate}: ")
    assert {line.charge.kind for line in issued[0].lines if line.charge} >= {"fee", "income-group"}
    assert len(of(events, PaymentSucceeded)) == 5
    updated = of(events, RegistrationUpdated)[0]
    assert updated.changed_fields == ("income_group",)
    cancelled = of(events, RegistrationCancelled)[0]
    assert cancelled.cancelled_by == "organiser" and cancelled.refund_due.amount_minor == regs[2]["total"]


async def test_card_refund_through_stripe_mock(offline: Service) -> None:
    client = offline.client
    payer = (await register_and_pay(offline, delegate()))["payer_id"]
    auth = {"authorization": f"Bearer {organiser_token('test-secret', 'organiser@icsei.example.org')}"}
    refund = await client.post(f"/api/organiser/registrations/{payer}/refund", json={"amount": 10000}, headers=auth)
    assert refund.status_code == 200, refund.text
    too_much = await client.post(f"/api/organiser/registrations/{payer}/refund", json={"amount": 52000}, headers=auth)
    assert too_much.status_code == 409
    issued = of(await published(offline), RefundIssued)
    assert (
        len(issued) == 1 and issued[0].amount.amount_minor == 10000 and issued[0].provider_reference.startswith("re_")
    )


async def test_bad_input_is_422_with_field_paths_and_nothing_is_saved(offline: Service) -> None:
    client = offline.client
    bad = await client.post("/api/registrations", json={"delegates": [delegate(country="Japan", email="nope")]})
    assert bad.status_code == 422
    locs = {tuple(e["loc"]) for e in bad.json()["detail"]}
    assert ("body", "delegates", 0, "country") in locs and ("body", "delegates", 0, "email") in locs
    code = await client.post("/api/registrations", json={"delegates": [delegate(code="NETWORK10", category="student")]})
    assert code.status_code == 422
    assert code.json()["detail"][0]["loc"] == ["body", "delegates", 0, "code"]
    assert await published(offline) == []
    assert json.loads((await client.get("/openapi.json")).text)["paths"]["/api/registrations"]
