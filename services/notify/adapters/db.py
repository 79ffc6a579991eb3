"""notify's own tables: contacts, unpaid registrations, the message ledger and the retry queue.

Every write happens in the caller's session, so it commits (or not) with the inbox
entry of the event that caused it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DDL,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    delete,
    event,
    insert,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.domain.delivery import MessageRecord, Queued
from services.notify.domain.rules import Contact, Unpaid

notify_metadata = MetaData()

contacts = Table(
    "notify_contacts",
    notify_metadata,
    Column("delegate_id", String(64), primary_key=True),
    Column("email", String(320), nullable=False),
    Column("name", Text, nullable=False),
    Column("language", String(35), nullable=False),
    Column("registration_number", String(64), nullable=False),
    Column("version", Integer, nullable=False),
)

unpaid = Table(
    "notify_unpaid",
    notify_metadata,
    Column("delegate_id", String(64), primary_key=True),
    Column("cause_event_id", String(64), nullable=False),
    Column("event", LargeBinary, nullable=False, doc="The RegistrationCreated event, encoded."),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("reminded_at", DateTime(timezone=True), nullable=True),
    Index("ix_notify_unpaid_created", "created_at"),
)

messages = Table(
    "notify_messages",
    notify_metadata,
    Column("message_id", String(200), primary_key=True),
    Column("cause_event_id", String(64), nullable=False),
    Column("template", String(100), nullable=False),
    Column("recipient_id", String(64), nullable=False),
    Column("to", String(320), nullable=False),
    Column("subject", Text, nullable=False),
    Column("status", String(16), nullable=False, doc="sent or failed"),
    Column("detail", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

pending = Table(
    "notify_pending",
    notify_metadata,
    Column("message_id", String(200), primary_key=True),
    Column("cause_event_id", String(64), nullable=False),
    Column("template", String(100), nullable=False),
    Column("recipient_id", String(64), nullable=False),
    Column("to", String(320), nullable=False),
    Column("subject", Text, nullable=False),
    Column("sender", String(320), nullable=False),
    Column("message", LargeBinary, nullable=False, doc="The finished RFC 5322 message, sent as is on retry."),
    Column("smtputf8", Boolean, nullable=False),
    Column("cause_event", LargeBinary, nullable=False, doc="The causing event, for the dead-letter topic."),
    Column("cause_topic", String(200), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text, nullable=False),
    Column("about", String(64), nullable=True, doc="The abstract the message is about, if any."),
    Index("ix_notify_pending_due", "next_attempt_at"),
)

MESSAGE_STORAGE = "ALTER TABLE notify_pending ALTER COLUMN message SET STORAGE EXTERNAL"
"""PostgreSQL keeps a queued message out of line *without trying to compress it* (``EXTENDED``, the default, runs
pglz over it first). A badge mail is ~24 KB, four fifths of it a base64 PDF that pglz cannot shrink by the quarter
it asks for, so every owed badge mail paid a whole compression for nothing: 0.48-0.97 ms of the server's CPU a row of
insert, claim and delete, against 0.17-0.35 with the compression skipped (decision 66+). The migration
``0013_burst_notify`` sets it on an existing database; ``create_all`` (tests, tools) gets it here."""
event.listen(
    pending,
    "after_create",
    DDL(MESSAGE_STORAGE).execute_if(dialect="postgresql"),  # type: ignore[no-untyped-call]  # SQLAlchemy's DDL is untyped
)


def upsert_insert(session: AsyncSession, table: Table) -> Any:
    """``INSERT INTO table`` in the session's dialect, which has ``on_conflict_do_nothing`` / ``_do_update``
    (PostgreSQL's and SQLite's are two classes with the same methods)."""
    insert_ = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    return insert_(table)


async def load_contact(session: AsyncSession, delegate_id: str) -> Contact | None:
    row = (await session.execute(select(contacts).where(contacts.c.delegate_id == delegate_id))).first()
    return None if row is None else _contact(row)


async def load_contacts(session: AsyncSession, delegate_ids: Iterable[str]) -> dict[str, Contact]:
    """The stored contacts of these delegates, in one statement (absent ones are missing)."""
    ids = sorted(set(delegate_ids))
    if not ids:
        return {}
    rows = await session.execute(select(contacts).where(contacts.c.delegate_id.in_(ids)))
    return {row.delegate_id: _contact(row) for row in rows}


def _contact(row: Any) -> Contact:
    return Contact(
        delegate_id=row.delegate_id,
        email=row.email,
        name=row.name,
        language=row.language,
        registration_number=row.registration_number,
        version=row.version,
    )


async def forget_delegates(session: AsyncSession, delegate_ids: list[str]) -> None:
    """Erasure: drop what notify keeps about these delegates. The message ledger keeps its ids (so a cause is still
    mailed once), not the address or the subject line (which may name the person); queued messages go."""
    await session.execute(delete(contacts).where(contacts.c.delegate_id.in_(delegate_ids)))
    await session.execute(delete(unpaid).where(unpaid.c.delegate_id.in_(delegate_ids)))
    await session.execute(delete(pending).where(pending.c.recipient_id.in_(delegate_ids)))
    erased = {"to": "", "subject": "", "detail": ""}
    await session.execute(update(messages).where(messages.c.recipient_id.in_(delegate_ids)).values(**erased))


EXPIRED = "(expired)"
"""What a ledger row's subject reads once retention has removed the email's details."""


async def messages_to(session: AsyncSession, recipient_id: str) -> list[dict[str, str]]:
    m = messages.c
    stmt = select(m.template, m.subject, m.to, m.status, m.recorded_at).where(m.recipient_id == recipient_id)
    rows = (await session.execute(stmt.order_by(m.recorded_at))).all()
    return [
        {"template": r.template, "subject": r.subject, "to": r.to, "status": r.status, "at": r.recorded_at.isoformat()}
        for r in rows
    ]


async def expire_messages(session: AsyncSession) -> int:
    """Retention: every ledger row keeps its message id (exactly-once) and status; address and subject go."""
    result = await session.execute(update(messages).where(messages.c.subject != EXPIRED).values(to="", subject=EXPIRED))
    return int(getattr(result, "rowcount", 0) or 0)


async def unpaid_due(session: AsyncSession, created_before: datetime, limit: int) -> list[Unpaid]:
    rows = await session.execute(
        select(unpaid)
        .where(unpaid.c.reminded_at.is_(None), unpaid.c.created_at <= created_before)
        .order_by(unpaid.c.created_at)
        .limit(limit)
    )
    return [Unpaid(r.delegate_id, r.cause_event_id, r.event, r.created_at) for r in rows]


async def mark_reminded(session: AsyncSession, delegate_id: str, when: datetime) -> bool:
    result = await session.execute(
        update(unpaid)
        .where(unpaid.c.delegate_id == delegate_id, unpaid.c.reminded_at.is_(None))
        .values(reminded_at=when)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def known_messages(session: AsyncSession, message_ids: Iterable[str]) -> set[str]:
    """Which of these messages were sent, failed or wait for a retry — one statement for a whole batch."""
    mids = sorted(set(message_ids))
    if not mids:
        return set()
    query = union_all(
        select(messages.c.message_id).where(messages.c.message_id.in_(mids)),
        select(pending.c.message_id).where(pending.c.message_id.in_(mids)),
    )
    return set((await session.execute(query)).scalars())


def ledger_row(record: MessageRecord, *, status: str, detail: str, attempts: int, when: datetime) -> dict[str, Any]:
    return {
        "message_id": record.message_id,
        "cause_event_id": record.cause_event_id,
        "template": record.template,
        "recipient_id": record.recipient_id,
        "to": record.to,
        "subject": record.subject,
        "status": status,
        "detail": detail[:2000],
        "attempts": attempts,
        "recorded_at": when,
    }


async def add_pending(session: AsyncSession, queued: Queued) -> None:
    await session.execute(insert(pending).values(pending_row(queued)))


def pending_row(queued: Queued) -> dict[str, Any]:
    """The retry queue's row of a finished message (owed: attempts 0, due now; deferred: after an attempt)."""
    record, envelope = queued.record, queued.envelope
    return {
        "message_id": record.message_id,
        "cause_event_id": record.cause_event_id,
        "template": record.template,
        "recipient_id": record.recipient_id,
        "to": record.to,
        "subject": record.subject,
        "sender": envelope.sender,
        "message": envelope.message,
        "smtputf8": envelope.smtputf8,
        "cause_event": queued.cause_event,
        "cause_topic": queued.cause_topic,
        "attempts": queued.attempts,
        "next_attempt_at": queued.next_attempt_at,
        "last_error": queued.last_error,
        "about": record.about,
    }


async def due_pending(session: AsyncSession, now: datetime, limit: int) -> list[str]:
    rows = await session.execute(
        select(pending.c.message_id)
        .where(pending.c.next_attempt_at <= now)
        .order_by(pending.c.next_attempt_at)
        .limit(limit)
    )
    return list(rows.scalars())


def record_of(row: Any) -> MessageRecord:
    return MessageRecord(
        message_id=row.message_id,
        cause_event_id=row.cause_event_id,
        template=row.template,
        recipient_id=row.recipient_id,
        to=row.to,
        subject=row.subject,
    )
