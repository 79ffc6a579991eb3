"""The dispatch command with fakes behind its ports: no database, no templates, no SMTP — milliseconds."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from schemas.base import CloudEvent, EventData, new_event
from schemas.notify import NotificationFailed
from services.notify.commands.dispatch import Notifier
from services.notify.domain.batch import Batch
from services.notify.domain.delivery import Delivery, Envelope, MessageRecord, Outcome, Queued, Undeliverable
from services.notify.domain.rules import Contact, MessagePlan, Unpaid
from services.notify.domain.samples import sample_delegate, sample_events

EVENTS = sample_events(sample_delegate())


class FakeBuilder:
    def __init__(self) -> None:
        self.built: list[str] = []

    def build(self, plan: MessagePlan, message_id: str) -> tuple[Envelope, str]:
        if not plan.recipient.email:
            raise Undeliverable("no address")
        self.built.append(message_id)
        return Envelope("from@x.org", plan.recipient.email, message_id.encode()), plan.template


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    async def send(self, envelope: Envelope) -> Delivery:
        self.sent.append(envelope.message)
        return Delivery(Outcome.SENT, "250 ok", code=250)


@dataclass
class FakeUnit:
    """``NotifyUnit`` in memory: what a transaction read and staged."""

    stored: dict[str, Contact] = field(default_factory=dict)
    ledger: set[str] = field(default_factory=set)
    batch: Batch = field(default_factory=Batch)
    contacts: list[Contact] = field(default_factory=list)
    unpaid: dict[str, Unpaid | None] = field(default_factory=dict)
    messages: list[tuple[str, str]] = field(default_factory=list)
    events: list[EventData] = field(default_factory=list)
    dead_letters: list[str] = field(default_factory=list)
    owed_queue: list[Queued] = field(default_factory=list)
    reads: int = 0

    abstracts: Any = None
    programme: Any = None

    async def load_contacts(self, delegate_ids: Iterable[str]) -> dict[str, Contact]:
        self.reads += 1
        return {d: self.stored[d] for d in delegate_ids if d in self.stored}

    async def known_messages(self, message_ids: Iterable[str]) -> set[str]:
        self.reads += 1
        return set(message_ids) & self.ledger

    def stage_contact(self, contact: Contact) -> None:
        self.contacts.append(contact)

    def stage_unpaid(self, delegate_id: str, unpaid: Unpaid | None) -> None:
        self.unpaid[delegate_id] = unpaid

    def stage_message(self, record: MessageRecord, *, status: str, detail: str, attempts: int, when: datetime) -> None:
        self.messages.append((record.template, status))

    async def queue(self, queued: Queued) -> None:
        raise AssertionError("nothing is deferred here")

    def owe(self, queued: Queued) -> None:
        self.owed_queue.append(queued)

    @property
    def owed(self) -> list[Queued]:
        return list(self.owed_queue)

    def stage(self, data: EventData) -> None:
        self.events.append(data)

    def stage_dead_letter(self, *, value: bytes, key: str, event_id: str, headers: list[tuple[str, str]]) -> None:
        self.dead_letters.append(event_id)

    def checkpoint(self) -> Callable[[], None]:
        return lambda: None

    async def write_staged(self) -> None:
        pass


def notifier() -> tuple[Notifier, FakeBuilder, FakeMailer]:
    builder, mailer = FakeBuilder(), FakeMailer()
    clock = lambda: datetime(2026, 11, 3, tzinfo=UTC)  # noqa: E731
    return Notifier(builder=builder, mailer=mailer, message_id_domain="x.org", clock=clock), builder, mailer


async def dispatch(n: Notifier, unit: FakeUnit, events: list[CloudEvent[Any]]) -> list[EventData]:
    await n.begin_batch(events, unit)
    emitted: list[EventData] = []
    for event in events:
        emitted += await n.handle(event, unit)
    return emitted


async def test_a_batch_is_read_and_planned_once_and_each_message_built_once_and_owed_not_sent() -> None:
    n, builder, mailer = notifier()
    unit = FakeUnit()
    names = ("registration_received", "registration_confirmed", "registration_cancelled")
    events = [new_event(EVENTS[name], "/tests") for name in names]
    emitted = await dispatch(n, unit, events)
    assert unit.reads == 2  # the batch's contacts, its ledger entries
    assert len(builder.built) == len(set(builder.built)) == 3
    # Nothing leaves before the batch commits: each message is owed (sent and recorded after the commit).
    assert mailer.sent == [] and unit.messages == [] and emitted == []
    assert [q.record.template for q in unit.owed_queue] == list(names)
    assert {q.attempts for q in unit.owed_queue} == {0} and [q.record.message_id for q in unit.owed] == builder.built
    assert unit.contacts[0].delegate_id == EVENTS["registration_received"].delegate_id  # type: ignore[attr-defined]


async def test_messages_already_in_the_ledger_or_owed_are_neither_built_nor_owed_again() -> None:
    first, _, _ = notifier()
    events = [new_event(EVENTS["magic_link"], "/tests")]
    owed = FakeUnit()
    await dispatch(first, owed, events)
    again, builder, _mailer = notifier()
    unit = FakeUnit(ledger={q.record.message_id for q in owed.owed})
    assert await dispatch(again, unit, events) == [] and unit.owed == [] and builder.built == []


async def test_an_event_whose_contact_is_unknown_fails_for_good_and_is_dead_lettered() -> None:
    n, _, mailer = notifier()
    unit = FakeUnit()
    event = new_event(EVENTS["refund_issued"], "/tests")
    (failed,) = await dispatch(n, unit, [event])
    assert isinstance(failed, NotificationFailed) and failed.permanent and failed.template == "refund_issued"
    assert unit.dead_letters == [event.id] and mailer.sent == []
