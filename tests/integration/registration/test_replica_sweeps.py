"""Two copies of registration on one PostgreSQL database run their sweeps at the same moments.

Every cause must still have exactly one effect: one expiry per unpaid card registration, one
release per unpaid invoice, one lapse (and one new offer) per waiting-list offer past its
deadline, one refund made at Stripe and one RefundIssued per refund task, one notice per
presenter cause -- and the normal race (the other copy holds a job's lease) logs no error.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from schemas.registration import (
    PresenterRegistrationReminder,
    PresenterUnregistered,
    RefundIssued,
    RegistrationCancelled,
    WaitingListOfferedFields,
)
from services.common import jobs
from services.registration.adapters import db, presentations
from services.registration.app import sweeps
from services.registration.commands import manage, presenter_deadline
from tests.conftest import fresh_pg_database
from tests.integration.registration.conftest import (
    Service,
    close_service,
    congress_file,
    delegate,
    open_service,
    register_and_pay,
    settings_for,
    webhook,
)
from tests.integration.registration.test_earned_roles import register_by_invoice
from tests.integration.registration.test_flows import of, published
from tests.integration.registration.test_presenter_deadline import author, configured, decided
from tests.integration.registration.test_stripe_tasks import FlakyStripe

LATER = datetime(2026, 12, 24, 12, tzinfo=UTC)
"""Past every payment hold, offer deadline, Stripe retry time and the presenters' deadline."""


async def causes(a: Service) -> dict[str, Any]:
    """Unpaid card registrations and invoices, a waiting-list offer, refunds owed (Stripe failing), presentations."""
    stripe = FlakyStripe(a.deps.payments, fail=3)
    a.deps.payments = stripe
    unpaid = [(await a.client.post("/api/registrations", json={"delegates": [delegate(i)]})).json() for i in range(5)]
    invoiced = [await register_by_invoice(a, 30 + i) for i in range(3)]
    async with a.deps.sessionmaker.begin() as session:
        await session.execute(db.capacity.update().where(db.capacity.c.code == "dinner").values(capacity=1))
    first = await register_and_pay(a, delegate(10, add_ons=["dinner"]))
    waiting = [await register_and_pay(a, delegate(11 + i, add_ons=["dinner"], waitlist_if_full=True)) for i in (0, 1)]
    await manage.cancel(a.deps, first["payer_id"], by="organiser", reason="ill")  # the dinner is offered on
    refunded = []
    for i in range(3):
        gone = (await a.client.post("/api/registrations", json={"delegates": [delegate(20 + i)]})).json()
        await manage.cancel(a.deps, gone["payer_id"], by="delegate", reason="changed plans")
        paid = await webhook(a, "checkout.session.completed", gone["payer_id"], gone["total"], payment_intent=f"pi_{i}")
        assert paid["outcome"] == "late payment refunded"  # queued; its first attempt failed
        refunded.append(gone["payer_id"])
    async with a.deps.units.begin() as session:
        for n in (1, 2, 3):
            await presenter_deadline.on_decided(
                session, decided(n, author(f"p{n}@example.org", "P", presenting=True)).data
            )
    return {
        "stripe": stripe,
        "unpaid": [u["payer_id"] for u in unpaid],
        "invoiced": invoiced,
        "waiting": waiting,
        "refunded": refunded,
    }


@pytest.mark.timeout(240)
async def test_two_copies_sweeping_together_take_effect_once_per_cause(
    pg_url: str, stripe_mock_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = await fresh_pg_database(pg_url)
    settings = settings_for(url, stripe_mock_url, congress_file(tmp_path, configured))
    a = await open_service(settings, kafka=False)
    b = await open_service(settings, kafka=False)
    try:
        made = await causes(a)
        b.deps.payments = made["stripe"]  # one Stripe behind both copies
        for copy in (a, b):
            copy.deps.clock = lambda: LATER
        caplog.set_level(logging.WARNING)
        caplog.clear()
        for _ in range(3):  # both copies tick at the same moments, three times
            await asyncio.gather(*(jobs.run_all(c.runtime.engine, sweeps(c.deps)) for c in (a, b)))
        events = await published(a)
    finally:
        await close_service(a, kafka=False)
        await close_service(b, kafka=False)

    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    expired = Counter(e.registration_id for e in of(events, RegistrationCancelled) if e.reason == "payment_expired")
    assert expired == dict.fromkeys(made["unpaid"], 1)
    released = Counter(e.registration_id for e in of(events, RegistrationCancelled) if e.reason == "invoice_unpaid")
    assert released == dict.fromkeys(made["invoiced"], 1)
    offers = Counter(e.registration_id for e in of(events, WaitingListOfferedFields))
    assert offers == {w["payer_id"]: 1 for w in made["waiting"]}  # lapsed once, offered on once
    refunds = Counter(e.registration_id for e in of(events, RefundIssued))
    assert refunds == dict.fromkeys(made["refunded"], 1)
    stripe: FlakyStripe = made["stripe"]
    assert sorted(Counter(key for _ref, key in stripe.made).values()) == [1, 1, 1]
    assert len(stripe.refunds) == 6  # each refund: the failed first attempt, then one retry by one copy
    notices = Counter(
        (e.abstract_id, type(e).__name__)
        for e in events
        if isinstance(e, PresenterRegistrationReminder | PresenterUnregistered)
    )
    assert notices and set(notices.values()) == {1}
    engine_check = await open_service(settings, kafka=False)
    try:
        async with engine_check.deps.sessionmaker() as session:
            recorded = (await session.execute(select(presentations.notices.c.abstract_id))).scalars().all()
    finally:
        await close_service(engine_check, kafka=False)
    assert sorted(recorded) == sorted(a for a, _ in notices)
