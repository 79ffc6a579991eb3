"""A transaction's writes to notify's tables, staged and then written in a few statements before it commits.

The consumer handles a batch in one transaction. Instead of a statement per event and
table, the handlers stage contacts, unpaid markers, ledger rows and owed messages (the
retry queue's rows a batch hands to the sender after its commit) here, and ``write``
puts them in with one statement per table (executemany; the ledger and the owed rows on the driver,
``queue_sql.py``). Nothing hooks into SQLAlchemy:
the unit of work calls ``write`` explicitly as the last thing before the commit (the
consumer's ``after_handlers``, or ``SqlUnits`` on leaving its transaction), so they commit
or roll back with the inbox entries and the outbox rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.adapters import queue_sql
from services.notify.adapters.db import contacts, ledger_row, pending_row, unpaid, upsert_insert
from services.notify.domain.delivery import MessageRecord, Queued
from services.notify.domain.rules import Contact, Unpaid


@dataclass
class StagedWrites:
    """Contacts, unpaid markers and ledger rows a transaction produced, not yet written."""

    stored: set[str] = field(default_factory=set)
    """Delegate ids whose contact row exists in the database (update, not insert)."""
    contact_writes: dict[str, Contact] = field(default_factory=dict)
    unpaid: dict[str, Unpaid | None] = field(default_factory=dict)
    """By delegate id: the row to (re)insert, or None to forget it."""
    ledger: list[dict[str, Any]] = field(default_factory=list)
    owed: list[dict[str, Any]] = field(default_factory=list)
    """Finished messages to send once the transaction has committed (rows of the retry queue, due now)."""
    owed_messages: list[Queued] = field(default_factory=list)
    """The same messages as the sender gets them (the cause event as decoded, not sealed for the table)."""
    written_owed: list[Queued] = field(default_factory=list)
    """The owed messages ``write`` put in, in order: what the sender takes after the commit."""

    def snapshot(self) -> tuple[Any, ...]:
        """What ``restore`` needs to undo one handler's staging when it fails (the savepoint's twin)."""
        return set(self.stored), dict(self.contact_writes), dict(self.unpaid), len(self.ledger), len(self.owed)

    def restore(self, snap: tuple[Any, ...]) -> None:
        self.stored, self.contact_writes, self.unpaid, n, owed = snap
        del self.ledger[n:]
        del self.owed[owed:]
        del self.owed_messages[owed:]

    def stage_owed(self, row: Queued, message: Queued) -> None:
        """``row`` as the table keeps it (its cause sealed), ``message`` as the sender sends it."""
        self.owed.append(pending_row(row))
        self.owed_messages.append(message)

    def stage_message(self, record: MessageRecord, *, status: str, detail: str, attempts: int, when: datetime) -> None:
        self.ledger.append(ledger_row(record, status=status, detail=detail, attempts=attempts, when=when))

    async def write(self, session: AsyncSession) -> None:
        """Everything staged, one statement per table and kind; then nothing is staged."""
        if self.contact_writes:
            new = [_contact_row(c) for c in self.contact_writes.values() if c.delegate_id not in self.stored]
            old = [_contact_row(c) for c in self.contact_writes.values() if c.delegate_id in self.stored]
            if new:
                await session.execute(_insert_contacts(session), new)
            if old:
                await session.execute(_update_contact, [{"b_id": r.pop("delegate_id"), **r} for r in old])
            self.stored |= self.contact_writes.keys()
        if self.unpaid:
            await session.execute(delete(unpaid).where(unpaid.c.delegate_id.in_(sorted(self.unpaid))))
            rows = [_unpaid_row(u) for u in self.unpaid.values() if u is not None]
            if rows:
                await session.execute(insert(unpaid), rows)
        if self.ledger:
            await queue_sql.insert_ledger(session, self.ledger)
        if self.owed:
            await queue_sql.insert_pending(session, self.owed)
            self.written_owed += self.owed_messages
        self.contact_writes, self.unpaid, self.ledger, self.owed, self.owed_messages = {}, {}, [], [], []


def _insert_contacts(session: AsyncSession) -> Any:
    """New contacts; one another consumer of this service (the snapshot topic's, or another copy's) wrote since
    this batch read is updated instead, unless it holds a newer version (PostgreSQL and SQLite both upsert)."""
    statement = upsert_insert(session, contacts)
    fields = ("email", "name", "language", "registration_number", "version")
    return statement.on_conflict_do_update(
        index_elements=[contacts.c.delegate_id],
        set_={name: statement.excluded[name] for name in fields},
        where=contacts.c.version <= statement.excluded.version,
    )


_update_contact = (
    update(contacts)
    .where(contacts.c.delegate_id == bindparam("b_id"))
    .values({c: bindparam(c) for c in ("email", "name", "language", "registration_number", "version")})
)


def _contact_row(contact: Contact) -> dict[str, Any]:
    return {
        "delegate_id": contact.delegate_id,
        "email": contact.email,
        "name": contact.name,
        "language": contact.language,
        "registration_number": contact.registration_number,
        "version": contact.version,
    }


def _unpaid_row(u: Unpaid) -> dict[str, Any]:
    return {
        "delegate_id": u.delegate_id,
        "cause_event_id": u.cause_event_id,
        "event": u.event,
        "created_at": u.created_at,
        "reminded_at": None,
    }
