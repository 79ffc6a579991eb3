"""Notify's consumer on a SQLite file with a fake mailer: what the handler tests of one context feed events through."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from schemas.base import CloudEvent, EventData, encode
from services.common.congress import load_congress
from services.common.consumer import EventConsumer
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.outbox import Outbox
from services.notify.adapters.db import notify_metadata
from services.notify.adapters.unit import SqlUnitFor, SqlUnits
from services.notify.app import assemble_notifier
from services.notify.commands.owed import OwedSender
from services.notify.commands.retry import RetryWorker
from services.notify.domain.delivery import Delivery, Envelope, Outcome, RetryPolicy
from services.notify.domain.samples import PREVIEW_SECRET
from services.notify.subscriptions import Subscriptions


class FakeMailer:
    def __init__(self) -> None:
        self.accepted: list[Envelope] = []
        self.refuse = 0

    async def send(self, envelope: Envelope) -> Delivery:
        if self.refuse > 0:
            self.refuse -= 1
            return Delivery(Outcome.TEMPORARY, "451 later", code=451)
        self.accepted.append(envelope)
        return Delivery(Outcome.SENT, "250 ok", code=250)

    def messages(self) -> list[EmailMessage]:
        parse = BytesParser(policy=policy.default).parsebytes
        return [parse(e.message) for e in self.accepted]


class NoDocuments:
    def read(self, location: str, max_bytes: int) -> bytes | None:
        return None


class Rec:
    def __init__(self, event: CloudEvent[Any], offset: int) -> None:
        self.topic, self.partition, self.offset = event.data.topic(), 0, offset
        self.key = event.subject.encode()
        self.headers: list[tuple[str, bytes]] = []
        self.value = encode(event)


@asynccontextmanager
async def consumer_world(
    tmp_path: Path, events: Iterable[type[EventData]], **settings: Any
) -> AsyncIterator[dict[str, Any]]:
    """The notifier (``settings`` are its context settings, e.g. ``abstracts=``) behind notify's consumer."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'notify.sqlite3'}")
    await create_tables(engine, notify_metadata)
    sessions = make_sessionmaker(engine)
    outbox, mailer = Outbox("/congress/notify"), FakeMailer()
    notifier = assemble_notifier(
        congress=load_congress(),
        mailer=mailer,
        documents=NoDocuments(),
        sender=Address("ICSEI 2027", addr_spec="secretariat@icsei.example.org"),
        message_id_domain="icsei.example.org",
        circuit_seconds=0,
        policy=RetryPolicy(base_seconds=0, jitter=False),
        link_secret=PREVIEW_SECRET,
        **settings,
    )
    units = SqlUnits(sessions, outbox)
    owed = OwedSender(RetryWorker(notifier, units))
    subscriptions = Subscriptions(notifier, SqlUnitFor(outbox), owed)
    consumer = EventConsumer(
        name="notify",
        sessionmaker=sessions,
        outbox=outbox,
        handlers=subscriptions.handlers(list(events)),
        retries=1,
        backoff_seconds=0,
        optimistic=False,
        before_handlers=subscriptions.begin_batch,
        after_handlers=subscriptions.end_batch,
    )
    try:
        yield {
            "mailer": mailer,
            "sessions": sessions,
            "units": units,
            "consumer": consumer,
            "notifier": notifier,
            "subscriptions": subscriptions,
        }
    finally:
        await owed.close()
        await engine.dispose()


async def feed(world: dict[str, Any], *events: CloudEvent[Any]) -> None:
    """One batch through the consumer, as the Kafka subscription runs it: then its owed mail is sent."""
    try:
        await world["consumer"].handle_batch([Rec(e, i) for i, e in enumerate(events)])
    except BaseException:
        world["subscriptions"].failed()
        raise
    world["subscriptions"].committed()
    await world["subscriptions"].owed.drain()
