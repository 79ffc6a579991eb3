"""The running service sweeps by itself: build() + its lifespan, a short REGISTRATION_SWEEP_SECONDS,
real Kafka and stripe-mock. An unpaid card registration past its hold expires with no one calling
the sweep, its Checkout is expired at Stripe, and RegistrationCancelled reaches the topic.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx

from schemas import topics
from schemas.registration import InvoiceHoldEnding, RegistrationCancelled, RegistrationCreatedV2
from services.registration.adapters import db, db_tasks
from services.registration.app import build
from tests.integration.registration.conftest import EARLY, congress_file, delegate, settings_for
from tests.kafka_helpers import eventually, read_events


async def test_the_running_service_expires_an_unpaid_card_registration_by_itself(
    db_url: str, stripe_mock_url: str, kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    settings = settings_for(
        db_url, stripe_mock_url, congress_file(tmp_path), kafka=kafka_bootstrap, prefix=topic_prefix
    ).model_copy(update={"sweep_seconds": 0.1})
    now = [EARLY]
    runtime, app = build(settings, clock=lambda: now[0])
    deps = app.state.deps
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        created = (await client.post("/api/registrations", json={"delegates": [delegate(0)]})).json()
        rid = created["payer_id"]
        assert (await client.get(created["payment_url"].removeprefix("http://testserver"))).status_code == 303

        now[0] = EARLY + timedelta(minutes=deps.config.payment_hold_minutes + 1)  # the hold has passed

        async def expired() -> bool:
            async with deps.sessionmaker() as session:
                row = await db.get(session, rid)
                tasks = await db_tasks.of_registration(session, rid)
            return row is not None and row["status"] == "expired" and [t["status"] for t in tasks] == ["done"]

        await eventually(expired, timeout=20)
        events = await read_events(
            kafka_bootstrap,
            topic_prefix + topics.REGISTRATION,
            until=lambda evs: any(isinstance(e.data, RegistrationCancelled) for e in evs),
            open_=runtime.keyring.opener(final=True),  # the reason is personal (a delegate's own words)
        )
    kinds = [type(e.data) for e in events]
    assert kinds == [RegistrationCreatedV2, RegistrationCancelled]
    cancelled = events[-1].data
    assert (cancelled.registration_id, cancelled.reason, cancelled.cancelled_by) == (rid, "payment_expired", "system")
    assert cancelled.refund_due is None


async def test_the_running_service_reminds_then_releases_an_unpaid_invoice_by_itself(
    db_url: str, stripe_mock_url: str, kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    settings = settings_for(
        db_url, stripe_mock_url, congress_file(tmp_path), kafka=kafka_bootstrap, prefix=topic_prefix
    ).model_copy(update={"sweep_seconds": 0.1})
    now = [EARLY]
    runtime, app = build(settings, clock=lambda: now[0])
    config = app.state.deps.config
    invoice = {"institution_name": "Uni", "institution_address": "Street 1", "email": "billing@example.org"}
    body = {"delegates": [delegate(0)], "payment_method": "invoice", "invoice": invoice}
    topic = topic_prefix + topics.REGISTRATION
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        rid = (await client.post("/api/registrations", json=body)).json()["payer_id"]
        now[0] = EARLY + timedelta(days=config.invoice_hold_days - config.invoice_reminder_days, hours=1)
        await read_events(
            kafka_bootstrap, topic, until=lambda evs: any(isinstance(e.data, InvoiceHoldEnding) for e in evs)
        )
        now[0] = EARLY + timedelta(days=config.invoice_hold_days, hours=1)
        events = await read_events(
            kafka_bootstrap,
            topic,
            until=lambda evs: any(isinstance(e.data, RegistrationCancelled) for e in evs),
            open_=runtime.keyring.opener(final=True),
        )
    released = [e.data for e in events if isinstance(e.data, RegistrationCancelled)]
    reminders = [e.data for e in events if isinstance(e.data, InvoiceHoldEnding)]
    assert [(r.registration_id, r.reason, r.cancelled_by) for r in released] == [(rid, "invoice_unpaid", "system")]
    assert [r.registration_id for r in reminders] == [rid]  # ten sweeps a second, one reminder
