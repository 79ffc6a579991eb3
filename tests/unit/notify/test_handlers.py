"""The handler and its tasks with a fake mailer: once per cause, deferral and retry, failures, reminders."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email import policy
from email.headerregistry import Address
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from schemas import topics
from schemas.base import CloudEvent, EventData, decode, new_event
from schemas.notify import NotificationFailed, NotificationSent
from services.common.congress import load_congress
from services.common.consumer import EventConsumer
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.outbox import Outbox, outbox_table
from services.notify.adapters.db import contacts, messages, notify_metadata, pending
from services.notify.adapters.unit import SqlUnitFor, SqlUnits
from services.notify.app import assemble_notifier
from services.notify.commands.owed import OwedSender
from services.notify.commands.remind import Reminders
from services.notify.commands.retry import RetryWorker
from services.notify.domain.delivery import Delivery, Envelope, Outcome, RetryPolicy
from services.notify.domain.samples import PREVIEW_SECRET, sample_delegate, sample_events
from services.notify.subscriptions import Subscriptions


class FakeMailer:
    """Answers from a script (default: accepted) and keeps what it accepted."""

    def __init__(self) -> None:
        self.script: list[Delivery] = []
        self.accepted: list[Envelope] = []
        self.attempts = 0

    async def send(self, envelope: Envelope) -> Delivery:
        self.attempts += 1
        answer = self.script.pop(0) if self.script else Delivery(Outcome.SENT, "250 ok", code=250)
        if answer.outcome is Outcome.SENT:
            self.accepted.append(envelope)
        return answer


class FakeDocuments:
    def read(self, location: str, max_bytes: int) -> bytes | None:
        return b"%PDF-1.7 fake" if max_bytes > 100 else None


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'notify.sqlite3'}")
    await create_tables(engine, notify_metadata)
    sessions = make_sessionmaker(engine)
    outbox, mailer, clock = Outbox("/congress/notify"), FakeMailer(), Clock()
    notifier = assemble_notifier(
        congress=load_congress(),
        mailer=mailer,
        documents=FakeDocuments(),
        sender=Address("ICSEI 2027", addr_spec="secretariat@icsei.example.org"),
        message_id_domain="icsei.example.org",
        links={"badge": "https://b/me"},
        link_secret=PREVIEW_SECRET,
        policy=RetryPolicy(base_seconds=60, max_attempts=3),
        circuit_seconds=0,
        clock=clock,
        rng=lambda: 0.5,
    )
    units = SqlUnits(sessions, outbox)
    owed = OwedSender(RetryWorker(notifier, units))
    subscriptions = Subscriptions(notifier, SqlUnitFor(outbox), owed)
    consumer = EventConsumer(
        name="notify",
        sessionmaker=sessions,
        outbox=outbox,
        handlers=subscriptions.handlers(list({type(e) for e in EVENTS.values()})),
        retries=1,
        backoff_seconds=0,
        optimistic=False,
        before_handlers=subscriptions.begin_batch,
        after_handlers=subscriptions.end_batch,
    )
    yield {
        "retry": owed.worker,
        "subscriptions": subscriptions,
        "notifier": notifier,
        "mailer": mailer,
        "clock": clock,
        "sessions": sessions,
        "units": units,
        "consumer": consumer,
    }
    await owed.close()
    await engine.dispose()


EVENTS = sample_events(sample_delegate(given="Ана", family="Петровић", language="sr"))


class Rec:
    def __init__(self, event: CloudEvent[Any], offset: int = 0) -> None:
        self.topic, self.partition, self.offset = event.data.topic(), 0, offset
        self.key = event.subject.encode()
        self.headers: list[tuple[str, bytes]] = []
        from schemas.base import encode

        self.value = encode(event)


async def feed(world: dict[str, Any], *events: CloudEvent[Any]) -> None:
    """One batch through the consumer, as the Kafka subscription runs it: then its owed mail is sent."""
    try:
        await world["consumer"].handle_batch([Rec(e, i) for i, e in enumerate(events)])
    except BaseException:
        world["subscriptions"].failed()
        raise
    world["subscriptions"].committed()
    await world["subscriptions"].owed.drain()


async def emitted(world: dict[str, Any]) -> list[tuple[str, Any]]:
    async with world["sessions"]() as session:
        rows = (await session.execute(select(outbox_table).order_by(outbox_table.c.id))).all()
    return [(r.topic, decode(r.value).data if r.topic != topics.DEADLETTER else dict(r.headers)) for r in rows]


def ev(name: str) -> CloudEvent[EventData]:
    return new_event(EVENTS[name], "/tests")


async def test_a_redelivered_event_sends_one_message(world: dict[str, Any]) -> None:
    confirmed = ev("registration_confirmed")
    await feed(world, ev("registration_received"), confirmed)
    await feed(world, confirmed)
    await feed(world, confirmed)
    assert len(world["mailer"].accepted) == 2
    out = [data for _, data in await emitted(world)]
    assert [d.template for d in out if isinstance(d, NotificationSent)] == [
        "registration_received",
        "registration_confirmed",
    ]
    message = BytesParser(policy=policy.default).parsebytes(world["mailer"].accepted[1].message)
    assert message["To"].addresses[0].display_name == "Ана Петровић"
    assert str(message["Message-ID"]) == out[1].message_id


async def test_a_temporary_failure_is_queued_and_retried_with_backoff(world: dict[str, Any]) -> None:
    mailer, clock = world["mailer"], world["clock"]
    mailer.script = [Delivery(Outcome.TEMPORARY, "451 later", code=451)]
    await feed(world, ev("registration_received"), ev("badge_ready"))
    assert len(mailer.accepted) == 1  # the second message was not held up by the first
    mailer.script = [Delivery(Outcome.TEMPORARY, "451 later", code=451)]
    retry = RetryWorker(world["notifier"], world["units"])
    assert await retry.work_due() == 0  # not yet due: 60 s * (1/2 + 1/2 * 0.5) = 45 s
    clock.now += timedelta(seconds=45)
    assert await retry.work_due() == 1 and len(mailer.accepted) == 1  # second 451: 120 s * 0.75 later
    clock.now += timedelta(seconds=90)
    assert await retry.work_due() == 1 and len(mailer.accepted) == 2
    async with world["sessions"]() as session:
        assert (await session.execute(select(pending))).all() == []
    sent = [d for _, d in await emitted(world) if isinstance(d, NotificationSent)]
    assert sorted(d.template for d in sent) == ["badge_ready", "registration_received"]
    attachment = next(
        BytesParser(policy=policy.default).parsebytes(e.message).iter_attachments()
        for e in mailer.accepted
        if b"badge-d-0001.pdf" in e.message
    )
    assert next(attachment).get_content() == b"%PDF-1.7 fake"


async def test_permanent_failures_emit_notification_failed_and_a_dead_letter(world: dict[str, Any]) -> None:
    world["mailer"].script = [Delivery(Outcome.PERMANENT, "550 no such user", code=550)]
    await feed(world, ev("magic_link"))
    out = await emitted(world)
    assert [topic for topic, _ in out] == [topics.DEADLETTER, topics.NOTIFY]
    assert out[0][1]["dlq.reason"] == "notification failed: 550 no such user"
    failed = out[1][1]
    assert isinstance(failed, NotificationFailed) and failed.permanent and failed.template == "magic_link"


async def test_a_sealed_link_opens_into_the_mail_and_a_broken_seal_fails_the_message(world: dict[str, Any]) -> None:
    await feed(world, ev("magic_link"))
    (sent,) = world["mailer"].accepted
    text = BytesParser(policy=policy.default).parsebytes(sent.message).get_body(("plain",))
    assert text is not None and "https://reg.example.org/me/tok" in str(text.get_content())
    moved = EVENTS["magic_link"].model_copy(update={"registration_id": "r-other"})  # the seal is bound to r-d-…
    await feed(world, new_event(moved, "/tests"))
    failed = [d for _, d in await emitted(world) if isinstance(d, NotificationFailed)]
    assert len(failed) == 1 and failed[0].permanent and "bound to something else" in failed[0].reason
    assert len(world["mailer"].accepted) == 1


async def test_retries_give_up_after_the_last_attempt(world: dict[str, Any]) -> None:
    world["mailer"].script = [Delivery(Outcome.TEMPORARY, "timeout", connection_failed=True)] * 3
    await feed(world, ev("magic_link"))
    retry = RetryWorker(world["notifier"], world["units"])
    for _ in range(2):
        world["clock"].now += timedelta(hours=1)
        await retry.work_due()
    failed = [d for _, d in await emitted(world) if isinstance(d, NotificationFailed)]
    assert len(failed) == 1 and not failed[0].permanent and "gave up after 3 attempts" in failed[0].reason


async def test_unpaid_card_registrations_get_one_reminder(world: dict[str, Any]) -> None:
    await feed(world, ev("registration_received"))
    reminders = Reminders(world["notifier"], world["units"], delay=timedelta(hours=72), sender=world["retry"])
    world["clock"].now = datetime.now(UTC) + timedelta(hours=71)
    assert await reminders.remind_due() == 0
    world["clock"].now = datetime.now(UTC) + timedelta(hours=73)
    assert await reminders.remind_due() == 1
    assert await reminders.remind_due() == 0
    templates = [d.template for _, d in await emitted(world) if isinstance(d, NotificationSent)]
    assert templates == ["registration_received", "payment_reminder"]


async def test_paying_cancels_the_reminder(world: dict[str, Any]) -> None:
    await feed(world, ev("registration_received"), ev("registration_confirmed"))
    world["clock"].now = datetime.now(UTC) + timedelta(days=10)
    reminders = Reminders(world["notifier"], world["units"], delay=timedelta(hours=72), sender=world["retry"])
    assert await reminders.remind_due() == 0


async def test_a_mailer_bug_keeps_its_message_queued_and_the_batchs_other_mail_goes_once(
    world: dict[str, Any],
) -> None:
    mailer: FakeMailer = world["mailer"]
    original = mailer.send

    async def explode_for_badges(envelope: Envelope) -> Delivery:
        if b"badge-" in envelope.message:
            raise RuntimeError("mailer bug")
        return await original(envelope)

    mailer.send = explode_for_badges  # type: ignore[method-assign]
    await feed(world, ev("registration_received"), ev("badge_ready"), ev("magic_link"))

    def templates() -> list[str]:
        return sorted(
            BytesParser(policy=policy.default).parsebytes(e.message)["X-Congress-Template"] for e in mailer.accepted
        )

    assert templates() == ["magic_link", "registration_received"]
    async with world["sessions"]() as session:  # not lost: still owed, for the next retry pass
        assert [r.template for r in (await session.execute(select(pending))).all()] == ["badge_ready"]
    mailer.send = original  # type: ignore[method-assign]
    assert await RetryWorker(world["notifier"], world["units"]).work_due() == 1
    assert templates() == ["badge_ready", "magic_link", "registration_received"]
    assert [topic for topic, _ in await emitted(world)].count(topics.DEADLETTER) == 0


async def test_a_batch_is_planned_once_and_each_message_sent_and_recorded_once(world: dict[str, Any]) -> None:
    received, confirmed, cancelled = (
        ev("registration_received"),
        ev("registration_confirmed"),
        ev("registration_cancelled"),
    )
    # the cancellation's recipient comes from the contact the first event of the same batch stores
    await feed(world, received, confirmed, cancelled)
    assert world["mailer"].attempts == 3
    sent = [data for topic, data in await emitted(world) if isinstance(data, NotificationSent)]
    assert sorted(s.template for s in sent) == [
        "registration_cancelled",
        "registration_confirmed",
        "registration_received",
    ]
    parser = BytesParser(policy=policy.default)
    assert {parser.parsebytes(e.message)["Message-ID"] for e in world["mailer"].accepted} == {
        s.message_id for s in sent
    }
    # redelivered: already in the inbox, so nothing is owed and nothing is sent
    await feed(world, received, confirmed, cancelled)
    assert world["mailer"].attempts == 3
    async with world["sessions"]() as session:
        (row,) = (await session.execute(select(contacts))).all()
        assert row.name == "Ана Петровић" and row.language == "sr"
        assert len((await session.execute(select(messages))).all()) == 3


async def test_owed_mail_meets_4xx_and_5xx_as_the_retry_queue_does(world: dict[str, Any]) -> None:
    world["mailer"].script = [
        Delivery(Outcome.TEMPORARY, "451 try later", code=451),
        Delivery(Outcome.PERMANENT, "550 no such user", code=550),
    ]
    await feed(world, ev("registration_received"), ev("registration_confirmed"))
    assert world["mailer"].attempts == 2
    async with world["sessions"]() as session:
        assert len((await session.execute(select(pending))).all()) == 1
    out = await emitted(world)
    assert [type(d).__name__ for t, d in out if t != topics.DEADLETTER] == ["NotificationFailed"]
    assert [t for t, _ in out].count(topics.DEADLETTER) == 1


def delegate_events(first: int, n: int) -> list[CloudEvent[Any]]:
    out: list[CloudEvent[Any]] = []
    for i in range(first, first + n):
        events = sample_events(sample_delegate(given="Zoë", family=f"Müller {i}", language="de"))
        for name in ("registration_received", "registration_confirmed"):
            data: Any = events[name].model_copy(update={"delegate_id": f"d-{i:04d}"})
            delegate = data.delegate.model_copy(update={"delegate_id": f"d-{i:04d}", "email": f"d{i}@example.org"})
            out.append(new_event(data.model_copy(update={"delegate": delegate}), "/tests"))
    return out


async def test_statements_per_batch_do_not_grow_with_its_events(world: dict[str, Any]) -> None:
    """The batch's reads and writes are one statement per table; only the per-event savepoints grow (the owed
    mail is then sent and recorded one short transaction per message, outside the batch)."""
    engine = world["sessions"].kw["bind"].sync_engine
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        per_batch = []
        for first, n in ((0, 1), (1, 10)):
            statements.clear()
            await world["consumer"].handle_batch([Rec(e, i) for i, e in enumerate(delegate_events(first, n))])
            per_batch.append(len(statements))
            world["subscriptions"].committed()
            await world["subscriptions"].owed.drain()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(world["mailer"].accepted) == 2 + 20
    assert per_batch[0] == per_batch[1]


async def test_a_handler_retried_after_a_failure_owes_and_sends_its_mail_once(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.notify.adapters import staging

    world["consumer"].retries = 2
    original = staging.StagedWrites.stage_owed
    failures = [RuntimeError("database hiccup")]

    def flaky(*args: Any, **kwargs: Any) -> None:
        if failures:
            raise failures.pop()
        original(*args, **kwargs)

    monkeypatch.setattr(staging.StagedWrites, "stage_owed", flaky)
    await feed(world, ev("registration_received"), ev("magic_link"))
    assert world["mailer"].attempts == 2  # each message once, although one handler ran twice
    sent = [d for _, d in await emitted(world) if isinstance(d, NotificationSent)]
    assert sorted(d.template for d in sent) == ["magic_link", "registration_received"]


async def test_mail_is_owed_in_the_batch_and_sent_only_after_its_commit(world: dict[str, Any]) -> None:
    """Nothing leaves before the batch commits; then each owed message is sent and recorded on its own."""
    events = [ev("registration_received"), ev("magic_link")]
    await world["consumer"].handle_batch([Rec(e, i) for i, e in enumerate(events)])  # committed, not yet released
    assert world["mailer"].attempts == 0
    async with world["sessions"]() as session:
        owed = (await session.execute(select(pending))).all()
        assert sorted(r.template for r in owed) == ["magic_link", "registration_received"]
        assert {r.attempts for r in owed} == {0}
        assert (await session.execute(select(messages))).all() == []
    world["subscriptions"].committed()
    await world["subscriptions"].owed.drain()
    assert world["mailer"].attempts == 2
    async with world["sessions"]() as session:
        assert (await session.execute(select(pending))).all() == []
        assert sorted(r.status for r in (await session.execute(select(messages))).all()) == ["sent", "sent"]
    sent = [d for _, d in await emitted(world) if isinstance(d, NotificationSent)]
    assert sorted(d.template for d in sent) == ["magic_link", "registration_received"]


async def test_the_retry_pass_leaves_owed_mail_to_the_owed_sender_while_it_has_some(world: dict[str, Any]) -> None:
    """Owed rows are due at once: a retry pass during a backlog claimed them too, reading each message back and
    opening its cause, for sends over the same connections. It waits until the owed sender has tried them."""
    mailer: FakeMailer = world["mailer"]
    original, gate, entered = mailer.send, asyncio.Event(), asyncio.Event()

    async def held(envelope: Envelope) -> Delivery:
        entered.set()
        await gate.wait()  # the SMTP server answers slowly: the owed sender has a backlog
        return await original(envelope)

    mailer.send = held  # type: ignore[method-assign]
    await world["consumer"].handle_batch([Rec(e, i) for i, e in enumerate(delegate_events(0, 3))])
    world["subscriptions"].committed()  # six messages owed: four claimed, one being sent, two waiting
    await entered.wait()
    retry_pass = asyncio.create_task(world["retry"].work_due())
    await asyncio.sleep(0.1)  # the pass's turn, while the owed sender is stuck
    gate.set()
    await world["subscriptions"].owed.drain()

    assert await retry_pass == 0
    assert len(mailer.accepted) == 6 and len({e.message for e in mailer.accepted}) == 6
    assert await world["retry"].work_due() == 0  # nothing left for the next pass
