"""Unpaid card registrations expire (sweep and Stripe's expired webhook); late payments re-take or refund."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from schemas.delegates import DelegateSnapshot
from schemas.registration import (
    PaymentSucceeded,
    RefundIssued,
    RegistrationCancelled,
    RegistrationConfirmed,
    WaitingListOfferedV2,
)
from services.registration.adapters import db
from services.registration.commands import expiry, manage
from services.registration.ports import CheckoutRequest, CheckoutSession, Payments
from tests.integration.registration.conftest import EARLY, Service, delegate, webhook
from tests.integration.registration.test_flows import of, published

INVOICE = {"institution_name": "Uni", "institution_address": "Street 1", "email": "billing@example.org"}


class Recorder:
    """The real stripe-mock adapter, remembering each Checkout request."""

    def __init__(self, inner: Payments) -> None:
        self.inner, self.requests = inner, list[CheckoutRequest]()

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        self.requests.append(request)
        return await self.inner.create_checkout(request)

    async def refund(self, payment_reference: str, amount_minor: int, *, idempotency_key: str) -> str:
        return await self.inner.refund(payment_reference, amount_minor, idempotency_key=idempotency_key)

    async def find_refund(self, payment_reference: str, *, idempotency_key: str) -> str | None:
        return await self.inner.find_refund(payment_reference, idempotency_key=idempotency_key)

    async def expire_checkout(self, session_id: str) -> str:
        return await self.inner.expire_checkout(session_id)


def at(service: Service, minutes: int) -> None:
    service.deps.clock = lambda: EARLY + timedelta(minutes=minutes)


async def seats(service: Service) -> dict[str, int]:
    async with service.deps.sessionmaker() as session:
        return {k: taken for k, (_cap, taken) in (await db.seat_counts(session)).items()}


async def status(service: Service, rid: str) -> dict[str, Any]:
    async with service.deps.sessionmaker() as session:
        row = await db.get(session, rid)
    assert row is not None
    return row


async def test_unpaid_card_registration_expires_frees_seats_and_a_late_payment_is_refunded(offline: Service) -> None:
    client, recorder = offline.client, Recorder(offline.deps.payments)
    offline.deps.payments = recorder
    async with offline.deps.sessionmaker.begin() as session:
        await session.execute(db.capacity.update().where(db.capacity.c.code == "dinner").values(capacity=1))
    unpaid = (await client.post("/api/registrations", json={"delegates": [delegate(0, add_ons=["dinner"])]})).json()
    waiting = await client.post(
        "/api/registrations",
        json={
            "delegates": [delegate(1, add_ons=["dinner"], waitlist_if_full=True)],
            "payment_method": "invoice",
            "invoice": INVOICE,
        },
    )
    assert waiting.json()["waitlisted"] and (await seats(offline))[db.TOTAL] == 2

    pay = await client.get(unpaid["payment_url"].removeprefix("http://testserver"))
    assert pay.status_code == 303
    assert recorder.requests[-1].expires_at == int((EARLY + timedelta(minutes=60)).timestamp())

    at(offline, 59)
    assert await expiry.expire_unpaid(offline.deps) == 0
    at(offline, 61)
    assert await expiry.expire_unpaid(offline.deps) == 1
    assert await expiry.expire_unpaid(offline.deps) == 0
    assert (await status(offline, unpaid["payer_id"]))["status"] == "expired"
    assert (await seats(offline))[db.TOTAL] == 1 and (await seats(offline))["dinner"] == 1  # held for the offer
    events = await published(offline)
    cancelled = of(events, RegistrationCancelled)[0]
    assert (cancelled.reason, cancelled.cancelled_by, cancelled.refund_due) == ("payment_expired", "system", None)
    assert of(events, WaitingListOfferedV2)[0].registration_id == waiting.json()["payer_id"]
    assert of(events, DelegateSnapshot)[-1].status == "expired"
    page = await client.get(pay.headers["location"].replace("/test-checkout/", "/registrations/"))
    assert "Expired" in page.text

    # Stripe completes the payment after the hold: the dinner went to the waiting list, so refund it all.
    late = await webhook(offline, "checkout.session.completed", unpaid["payer_id"], unpaid["total"])
    assert late["outcome"] == "late payment refunded"
    row = await status(offline, unpaid["payer_id"])
    assert row["status"] == "expired" and row["paid"] and row["refunded_minor"] == unpaid["total"]
    events = await published(offline)
    assert of(events, PaymentSucceeded)[-1].amount.amount_minor == unpaid["total"]
    assert of(events, RefundIssued)[-1].amount.amount_minor == unpaid["total"]
    assert not [e for e in of(events, RegistrationConfirmed) if e.registration_id == unpaid["payer_id"]]
    assert (await seats(offline))[db.TOTAL] == 1


async def test_late_checkout_extends_the_hold_expired_webhook_and_a_late_payment_that_still_fits(
    offline: Service,
) -> None:
    client = offline.client
    late = (await client.post("/api/registrations", json={"delegates": [delegate(0)]})).json()
    at(offline, 50)  # Stripe needs 30 minutes: the hold is extended to 50 + 31
    pay = await client.get(late["payment_url"].removeprefix("http://testserver"))
    assert pay.status_code == 303
    at(offline, 61)
    assert await expiry.expire_unpaid(offline.deps) == 0
    at(offline, 82)
    assert await expiry.expire_unpaid(offline.deps) == 1

    at(offline, 0)
    other = (await client.post("/api/registrations", json={"delegates": [delegate(1, add_ons=["dinner"])]})).json()
    await client.get(other["payment_url"].removeprefix("http://testserver"))
    session_id = (await status(offline, other["payer_id"]))["checkout_session_id"]
    stale = await webhook(offline, "checkout.session.expired", other["payer_id"], other["total"], session_id="cs_old")
    assert stale["outcome"] == "not the current session"
    expired = await webhook(
        offline, "checkout.session.expired", other["payer_id"], other["total"], session_id=session_id, event_id="e1"
    )
    again = await webhook(
        offline, "checkout.session.expired", other["payer_id"], other["total"], session_id=session_id, event_id="e1"
    )
    assert (expired["outcome"], again["outcome"]) == ("expired", "duplicate")
    assert (await seats(offline))["dinner"] == 0
    again_paid = await webhook(offline, "checkout.session.completed", other["payer_id"], other["total"])
    assert again_paid["outcome"] == "confirmed late"
    row = await status(offline, other["payer_id"])
    assert (row["status"], row["paid"]) == ("confirmed", True) and (await seats(offline))["dinner"] == 1
    confirmed = of(await published(offline), RegistrationConfirmed)
    assert [e.registration_id for e in confirmed] == [other["payer_id"]]
    # Paid again on the first, older Checkout: recorded and refunded, never kept.
    twice = await webhook(
        offline, "checkout.session.completed", other["payer_id"], other["total"], payment_intent="pi_second"
    )
    assert twice["outcome"] == "paid twice: refunding"
    assert of(await published(offline), RefundIssued)[-1].amount.amount_minor == other["total"]
    # Cancelled before paying, then paid on the open Checkout: refunded too.
    gone = (await client.post("/api/registrations", json={"delegates": [delegate(3)]})).json()
    await manage.cancel(offline.deps, gone["payer_id"], by="delegate", reason="changed plans")
    paid = await webhook(offline, "checkout.session.completed", gone["payer_id"], gone["total"])
    assert paid["outcome"] == "late payment refunded"
    row = await status(offline, gone["payer_id"])
    assert (row["status"], row["paid"], row["refunded_minor"]) == ("cancelled", True, gone["total"])
    # Invoice registrations have a payment term and never expire this way.
    invoice = await client.post(
        "/api/registrations", json={"delegates": [delegate(2)], "payment_method": "invoice", "invoice": INVOICE}
    )
    at(offline, 10_000)
    await expiry.expire_unpaid(offline.deps)
    assert (await status(offline, invoice.json()["payer_id"]))["status"] == "confirmed"
