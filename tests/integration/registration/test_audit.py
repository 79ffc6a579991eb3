"""Issue 13, the audit trail in registration: every organiser action, and every automatic one that moves
money or places, stages one ``OrganiserActed`` in the transaction that does it (SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from schemas.audit import ActorKind, OrganiserActed, SubjectKind
from services.common import audit
from services.common.accounts import seeded_account_id
from services.common.auth import organiser_token
from services.registration.adapters import db
from services.registration.commands import audited, expiry, invoice_holds, manage
from tests.integration.registration.conftest import EARLY, Service, delegate, register_and_pay, webhook
from tests.integration.registration.test_flows import of, published

ORGANISER = "organiser@icsei.example.org"
ACCOUNT = seeded_account_id("test-secret", ORGANISER)  # how the trail names them (decision 75)
AUTH = {"authorization": f"Bearer {organiser_token('test-secret', ORGANISER)}"}
INVOICE = {"institution_name": "Uni", "institution_address": "Street 1", "email": "billing@example.org"}
API = "/api/organiser/registrations"


async def delegate_of(service: Service, rid: str) -> str:
    async with service.deps.units.read() as tx:
        row = await tx.registrations.get(rid)
    assert row is not None
    return row.delegate_id


async def records(service: Service) -> list[OrganiserActed]:
    return of(await published(service), OrganiserActed)


async def invoice(service: Service, i: int = 1, **over: Any) -> str:
    body = {"delegates": [delegate(i, **over)], "payment_method": "invoice", "invoice": INVOICE}
    answer = await service.client.post("/api/registrations", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["payer_id"])


async def card(service: Service, i: int = 1, **over: Any) -> str:
    answer = await service.client.post("/api/registrations", json={"delegates": [delegate(i, **over)]})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["payer_id"])


async def paid_card(service: Service) -> str:
    return str((await register_and_pay(service, delegate(1)))["payer_id"])


Setup = Callable[[Service], Awaitable[str]]
ACTIONS: list[tuple[str, Setup, str, dict[str, Any], str | None, dict[str, Any]]] = [
    # (action, setup, route tail, body, reason recorded, details expected)
    ("registration.mark-paid", invoice, "mark-paid", {}, None, {"registrations": 1}),
    ("registration.extend-hold", invoice, "extend-hold", {"days": 7}, None, {"days": 7}),
    ("registration.refund", paid_card, "refund", {"amount": 1000}, None, {"amount_minor": 1000, "currency": "EUR"}),
    ("registration.cancel", card, "cancel", {"reason": "visa refused"}, "visa refused", {"paid": False}),
    (
        "registration.income-group",
        card,
        "income-group",
        {"group": "low", "reason": "refugee scholar"},
        "refugee scholar",
        {"old": "high", "new": "low", "repriced": True},
    ),
    ("registration.erase", card, "erase", {}, None, {"cancelled_first": True}),
]


@pytest.mark.parametrize(("action", "setup", "tail", "body", "reason", "details"), ACTIONS, ids=[a[0] for a in ACTIONS])
async def test_each_organiser_action_records_who_what_on_what_and_why(
    offline: Service,
    action: str,
    setup: Setup,
    tail: str,
    body: dict[str, Any],
    reason: str | None,
    details: dict[str, Any],
) -> None:
    rid = await setup(offline)
    before = len(await records(offline))
    answer = await offline.client.post(f"{API}/{rid}/{tail}", json=body, headers=AUTH)
    assert answer.status_code == 200, answer.text
    new = (await records(offline))[before:]
    assert [r.action for r in new] == [action]
    record = new[0]
    assert (record.actor_kind, record.actor, record.service) == (ActorKind.ORGANISER, ACCOUNT, "registration")
    delegate_id = await delegate_of(offline, rid)
    assert (record.subject_kind, record.subject_id, record.delegate_id) == (SubjectKind.REGISTRATION, rid, delegate_id)
    assert record.reason == reason and details.items() <= record.details.items()


async def test_a_refused_action_records_nothing(offline: Service) -> None:
    rid = await card(offline)
    refused = await offline.client.post(f"{API}/{rid}/mark-paid", headers=AUTH)  # not an invoice
    assert refused.status_code == 409
    assert await records(offline) == []


async def test_the_page_form_records_as_the_signed_in_organiser(offline: Service) -> None:
    rid = await card(offline)
    answer = await offline.client.post(
        f"/organiser/registrations/{rid}/cancel",
        data={"reason": "duplicate", "confirm": "yes"},  # the confirmation step's form
        headers=AUTH | {"origin": "http://testserver"},
    )
    assert answer.status_code == 303, answer.text
    (record,) = await records(offline)
    assert (record.action, record.actor, record.reason) == ("registration.cancel", ACCOUNT, "duplicate")


async def test_the_csv_export_records_its_filters_not_the_search_text(offline: Service) -> None:
    await card(offline)
    answer = await offline.client.get("/organiser/registrations.csv?status=pending&q=Aiko", headers=AUTH)
    assert answer.status_code == 200
    (record,) = await records(offline)
    assert (record.action, record.subject_kind, record.subject_id) == (
        "registration.export",
        SubjectKind.EDITION,
        offline.deps.congress.id,
    )
    assert record.details == {"status": "pending", "category": None, "country": None, "method": None, "searched": True}
    assert "Aiko" not in record.model_dump_json()


async def test_a_delegates_own_cancellation_is_recorded_as_theirs(offline: Service) -> None:
    rid = await card(offline)
    await manage.cancel(offline.deps, rid, by="delegate", reason="changed plans")
    (record,) = await records(offline)
    delegate_id = await delegate_of(offline, rid)
    assert (record.actor_kind, record.actor, record.action) == (ActorKind.DELEGATE, delegate_id, "registration.cancel")


async def test_unpaid_holds_released_by_the_sweeps_are_recorded_as_the_jobs(offline: Service) -> None:
    held_card, held_invoice = await card(offline, 1), await invoice(offline, 2)
    late = EARLY + timedelta(days=offline.deps.config.invoice_hold_days + 1)
    offline.deps.clock = lambda: late
    assert await expiry.expire_unpaid(offline.deps) == 1
    await invoice_holds.sweep(offline.deps)
    released = {r.subject_id: r for r in await records(offline) if r.action.endswith("hold.release")}
    assert released[held_card].action == "registration.card-hold.release"
    assert released[held_card].actor == "registration.payment-holds"
    assert released[held_invoice].action == "registration.invoice-hold.release"
    assert {r.actor_kind for r in released.values()} == {ActorKind.SYSTEM}


async def test_a_policy_refund_made_by_stripe_is_recorded_as_automatic(offline: Service) -> None:
    payer = await paid_card(offline)
    await manage.cancel(offline.deps, payer, by="delegate", reason="changed plans")  # the policy refunds part
    automatic = [r for r in await records(offline) if r.action == "registration.refund.automatic"]
    assert len(automatic) == 1 and automatic[0].actor == "registration.stripe-tasks"
    assert automatic[0].details["cause"] == "cancel" and int(str(automatic[0].details["amount_minor"])) > 0


def test_every_recorded_name_is_in_the_catalogue() -> None:
    names = {a[0] for a in ACTIONS} | {"registration.export", "registration.card-hold.release"}
    assert names <= {a.name for a in audited.CATALOGUE}


async def test_waiting_list_offers_and_their_lapse_are_recorded_as_the_waiting_list(offline: Service) -> None:
    async with offline.deps.sessionmaker.begin() as session:
        await session.execute(db.capacity.update().where(db.capacity.c.code == "dinner").values(capacity=1))
    first = await register_and_pay(offline, delegate(0, add_ons=["dinner"]))
    waiting = await register_and_pay(offline, delegate(1, add_ons=["dinner"], waitlist_if_full=True))
    await manage.cancel(offline.deps, first["payer_id"], by="organiser", reason="ill", actor=audit.organiser(ACCOUNT))
    later = EARLY + timedelta(hours=offline.deps.config.waiting_list_hold_hours + 1)
    offline.deps.clock = lambda: later
    assert await manage.expire_offers(offline.deps) == 1
    found = [(r.action, r.actor, r.subject_id, r.details.get("add_on")) for r in await records(offline)]
    assert found == [
        ("registration.waiting-list.offer", "registration.waiting-list", waiting["payer_id"], "dinner"),
        ("registration.cancel", ACCOUNT, first["payer_id"], None),  # in the same transaction as the offer
        ("registration.waiting-list.lapse", "registration.waiting-list", waiting["payer_id"], "dinner"),
    ]


async def test_a_checkout_stripe_expired_releases_as_the_webhook(offline: Service) -> None:
    rid = await card(offline)
    outcome = await webhook(offline, "checkout.session.expired", rid, 52000, payment_status="unpaid")
    assert outcome["outcome"] == "expired"
    (record,) = await records(offline)
    assert (record.action, record.actor, record.subject_id) == (
        "registration.card-hold.release",
        "registration.stripe-webhook",
        rid,
    )
    assert record.details == {"status": "expired", "checkout_closed": True}


async def test_the_presenters_csv_export_is_recorded(offline: Service) -> None:
    answer = await offline.client.get("/organiser/presenters.csv", headers=AUTH)
    assert answer.status_code == 200
    (record,) = await records(offline)
    assert (record.action, record.actor, record.subject_kind) == (
        "registration.export.presenters",
        ACCOUNT,
        SubjectKind.EDITION,
    )
