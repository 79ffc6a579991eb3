"""A waiting-list offer for a priced add-on is paid for: by card (stripe-mock + signed webhook) or by invoice."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx

from schemas.registration import (
    InvoiceIssued,
    PaymentSucceeded,
    RefundIssued,
    RegistrationUpdated,
    WaitingListOfferedV2,
)
from services.common.auth import organiser_token
from services.common.sealing import NOTIFY_LINK, unseal
from services.registration.adapters import db
from services.registration.commands import manage
from tests.forms import token_in
from tests.integration.registration.conftest import EARLY, Service, delegate, register_and_pay, webhook
from tests.integration.registration.test_expiry import INVOICE, status
from tests.integration.registration.test_flows import of, published

AUTH = {"authorization": f"Bearer {organiser_token('test-secret', 'organiser@icsei.example.org')}"}


async def offer_link(service: Service, registration_id: str, code: str = "dinner") -> str:
    offers = [
        e
        for e in of(await published(service), WaitingListOfferedV2)
        if e.registration_id == registration_id and e.add_on_code == code
    ]
    offer = offers[-1]
    parts = urlsplit(unseal("test-secret", NOTIFY_LINK, offer.sealed_accept_url, bound_to=offer.registration_id))
    return f"{parts.path}?{parts.query}"


async def take_offer(service: Service, link: str) -> httpx.Response:
    """Open the offer's page and press "Accept the place" (opening the link alone takes nothing)."""
    page = await service.client.get(link)
    assert page.status_code == 200, page.text[-500:]
    token = parse_qs(urlsplit(link).query)["t"][0]
    return await service.client.post("/waiting-list/accept", data={"t": token, "csrf_token": token_in(page.text)})


async def test_priced_offer_is_paid_by_card_or_invoiced_and_free_ones_stay_one_click(offline: Service) -> None:
    client = offline.client
    async with offline.deps.sessionmaker.begin() as session:
        for code in ("dinner", "bm-leadership"):
            await session.execute(db.capacity.update().where(db.capacity.c.code == code).values(capacity=1))
    first = await register_and_pay(offline, delegate(0, add_ons=["dinner", "bm-leadership"]))
    card = await register_and_pay(
        offline, delegate(1, add_ons=["dinner", "bm-leadership"], waitlist_if_full=True, family_name="Okafor")
    )
    invoice = await client.post(
        "/api/registrations",
        json={
            "delegates": [delegate(2, add_ons=["dinner"], waitlist_if_full=True)],
            "payment_method": "invoice",
            "invoice": INVOICE,
        },
    )
    invoice_id = invoice.json()["payer_id"]
    await manage.cancel(offline.deps, first["payer_id"], by="organiser", reason="visa refused")

    # Card payer: accepting sends them to pay 85.00; nothing changes until the paid webhook.
    accept = await take_offer(offline, await offer_link(offline, card["payer_id"]))
    assert accept.status_code == 303 and "charge=" in accept.headers["location"]
    page = await client.get(accept.headers["location"])
    assert "€85.00" in page.text and 'name="charge"' in page.text
    before = await status(offline, card["payer_id"])
    assert "dinner" not in before["add_ons"] and before["total_minor"] == card["total"]
    query = dict(p.split("=", 1) for p in urlsplit(accept.headers["location"]).query.split("&"))
    paid = await client.post(
        f"/test-checkout/{card['payer_id']}",
        data={
            "t": query["t"],
            "session_id": query["session_id"],
            "charge": query["charge"],
            "outcome": "paid",
            "csrf_token": token_in(page.text),
        },
    )
    assert paid.status_code == 303
    after = await status(offline, card["payer_id"])
    assert "dinner" in after["add_ons"] and after["total_minor"] == card["total"] + 8500
    events = await published(offline)
    assert of(events, PaymentSucceeded)[-1].amount.amount_minor == 8500
    assert of(events, RegistrationUpdated)[-1].changed_fields == ("add_ons",)

    # Refunding it all goes back to both card payments, each within what it took.
    refund = await client.post(
        f"/api/organiser/registrations/{card['payer_id']}/refund", json={"amount": card["total"] + 8500}, headers=AUTH
    )
    assert refund.status_code == 200, refund.text
    assert [e.amount.amount_minor for e in of(await published(offline), RefundIssued)] == [card["total"], 8500]

    # A free add-on offer is still one click.
    accept_free = await take_offer(offline, await offer_link(offline, card["payer_id"], "bm-leadership"))
    assert accept_free.status_code == 303 and "/registrations/" in accept_free.headers["location"]
    assert "bm-leadership" in (await status(offline, card["payer_id"]))["add_ons"]

    # Invoice payer: the dinner frees again, is offered, accepted, and a second invoice is issued.
    await manage.cancel(offline.deps, card["payer_id"], by="organiser", reason="ill")
    accept = await take_offer(offline, await offer_link(offline, invoice_id))
    assert accept.status_code == 303
    issued = of(await published(offline), InvoiceIssued)
    assert [i.invoice_number for i in issued] == ["ICSEI27-INV-0001", "ICSEI27-INV-0002"]
    assert issued[-1].total.amount_minor == 8500 and issued[-1].institution_name == "Uni"
    [line] = issued[-1].lines
    assert line.charge is not None and (line.charge.kind, line.charge.labels["fr"]) == ("add-on", "Dîner du congrès")
    row = await status(offline, invoice_id)
    assert "dinner" in row["add_ons"] and row["total_minor"] == invoice.json()["total"] + 8500
    organiser_page = await client.get(f"/organiser/registrations/{invoice_id}", headers=AUTH)
    assert organiser_page.text.count("Mark invoice paid") == 1  # the second invoice is still open
    paid = await client.post(f"/api/organiser/registrations/{invoice_id}/mark-paid", headers=AUTH)
    assert paid.status_code == 200
    assert "Mark invoice paid" not in (await client.get(f"/organiser/registrations/{invoice_id}", headers=AUTH)).text
    amounts = sorted(e.amount.amount_minor for e in of(await published(offline), PaymentSucceeded)[-2:])
    assert amounts == sorted([8500, invoice.json()["total"]])


async def test_an_add_on_paid_after_its_offer_lapsed_is_refunded_when_the_seat_is_gone(offline: Service) -> None:
    async with offline.deps.sessionmaker.begin() as session:
        await session.execute(db.capacity.update().where(db.capacity.c.code == "dinner").values(capacity=1))
    first = await register_and_pay(offline, delegate(0, add_ons=["dinner"]))
    card = await register_and_pay(offline, delegate(1, add_ons=["dinner"], waitlist_if_full=True))
    await manage.cancel(offline.deps, first["payer_id"], by="organiser", reason="ill")
    accept = await take_offer(offline, await offer_link(offline, card["payer_id"]))
    query = dict(p.split("=", 1) for p in urlsplit(accept.headers["location"]).query.split("&"))
    charge = int(query["charge"])

    offline.deps.clock = lambda: EARLY + timedelta(hours=49)  # the 48-hour hold has passed
    assert await manage.expire_offers(offline.deps) == 1
    taken = await register_and_pay(offline, delegate(2, add_ons=["dinner"]))
    assert "dinner" in (await status(offline, taken["payer_id"]))["add_ons"]
    metadata = {"charge": str(charge)}
    lapsed = await webhook(
        offline,
        "checkout.session.expired",
        card["payer_id"],
        8500,
        metadata=metadata,
        session_id=query["session_id"],
        payment_status="unpaid",
    )
    late = await webhook(
        offline, "checkout.session.completed", card["payer_id"], 8500, metadata=metadata, payment_intent="pi_late"
    )
    assert (lapsed["outcome"], late["outcome"]) == ("add-on checkout expired", "add-on paid too late: refunding")
    assert "dinner" not in (await status(offline, card["payer_id"]))["add_ons"]
    refunds = of(await published(offline), RefundIssued)
    assert [r.amount.amount_minor for r in refunds] == [8500] and refunds[0].registration_id == card["payer_id"]
    async with offline.deps.sessionmaker() as session:
        assert (await db.get_charge(session, charge) or {})["status"] == "refunded"
        assert (await db.seat_counts(session))["dinner"] == (1, 1)
