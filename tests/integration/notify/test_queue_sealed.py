"""notify's own rows that keep an event (the unpaid reminder's ``RegistrationCreated``/``Confirmed`` and a queued
message's cause, kept for the dead-letter topic) hold it sealed, as the outbox seals events: a copy of the
database shows none of its personal fields in clear; notify opens them when it reads them back. Real SQL on each
database, notify's unit and the kernel's keyring."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from schemas.base import decode, encode, new_event
from schemas.registration import RegistrationConfirmed
from schemas.values import Delegate, Money, PaymentMethod
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.keyring import Keyring
from services.common.outbox import Outbox
from services.common.unit_of_work import transaction
from services.notify.adapters.db import notify_metadata, pending, unpaid
from services.notify.adapters.unit import SqlNotifyUnit
from services.notify.domain.delivery import Envelope, MessageRecord, Queued
from services.notify.domain.rules import Unpaid

NOW = datetime(2027, 1, 5, tzinfo=UTC)
CLEAR = (b"Zuzanna", b"Wojciechowska", b"zuzanna@example.org", b"Uniwersytet")


def cause() -> bytes:
    person = Delegate(
        delegate_id="d-1",
        registration_number="ICSEI27-00001",
        given_name="Zuzanna",
        family_name="Wojciechowska",
        badge_name="Zuzanna W.",
        affiliation="Uniwersytet Warszawski",
        country="PL",
        email="zuzanna@example.org",
        category="member",
    )
    data = RegistrationConfirmed(
        congress_id="icsei27",
        registration_id="r-1",
        delegate_id="d-1",
        registration_version=1,
        delegate=person,
        total=Money(amount_minor=42000, currency="EUR"),
        payment_method=PaymentMethod.CARD,
    )
    return encode(new_event(data, "/congress/registration"))


async def test_the_retry_queue_and_the_unpaid_reminders_keep_their_events_sealed(db_url: str) -> None:
    engine = make_engine(db_url)
    await create_tables(engine, notify_metadata)
    sessions = make_sessionmaker(engine)
    outbox = Outbox("/congress/notify", Keyring("notify-queue-secret", "notify"))
    record = MessageRecord("<m1@congress>", "c-1", "payment_reminder", "d-1", "to@x.example", "Reminder")
    envelope = Envelope("congress@x.example", "to@x.example", b"Subject: Reminder\r\n\r\nHello")
    try:
        async with transaction(sessions, outbox) as uow:
            unit = SqlNotifyUnit(uow)
            unit.stage_unpaid("d-1", Unpaid("d-1", "c-1", cause(), NOW))
            unit.owe(Queued(record, envelope, cause(), "congress.registration", 0, NOW, "owed"))
            await unit.write_staged()
        async with sessions() as session:
            kept = [
                *(await session.execute(select(unpaid.c.event))).scalars(),
                *(await session.execute(select(pending.c.cause_event))).scalars(),
            ]
        assert len(kept) == 2
        for value in kept:
            assert not [clear for clear in CLEAR if clear in value], value  # a copy of the table shows nobody
        async with transaction(sessions, outbox) as uow:
            unit = SqlNotifyUnit(uow)
            [due] = await unit.unpaid_due(NOW, 10)
            [taken] = await unit.claim(now=NOW, until=NOW, message_ids=["<m1@congress>"], limit=1)
        for value in (due.event, taken.cause_event):  # read back opened, for the reminder and the dead letter
            assert decode(value).data.delegate.family_name == "Wojciechowska"  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
