"""A batch's writes, staged on the session and written in a few statements just before it commits.

The consumer handles a batch in one transaction. Instead of a statement per event and
table, the handlers stage contacts, unpaid markers and ledger rows here (and remember
what they read), and ``flush`` writes them with one statement per table (executemany)
in ``before_commit``: the same transaction, so they commit or roll back with the inbox
entries, exactly like the kernel's outbox rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, event, insert, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from services.notify.adapters.db import MessageRecord, contacts, ledger_row, messages, unpaid
from services.notify.domain.rules import Contact


@dataclass
class StagedWrites:
    """Contacts, unpaid markers and ledger rows a batch's handlers produced, plus what they already read."""

    contacts: dict[str, Contact | None] = field(default_factory=dict)
    """Contacts as read or as now written, by delegate id (None = known absent)."""
    stored: set[str] = field(default_factory=set)
    """Delegate ids whose contact row exists in the database (update, not insert)."""
    contact_writes: dict[str, Contact] = field(default_factory=dict)
    unpaid: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    """By delegate id: the row to (re)insert, or None to forget it."""
    ledger: list[dict[str, Any]] = field(default_factory=list)
    known: set[str] = field(default_factory=set)
    """Message-IDs known to be in the ledger or the retry queue (read, or staged here)."""
    checked: set[str] = field(default_factory=set)
    """Message-IDs whose presence was already read (known or not)."""
    invitations: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    """By ReviewerAssigned event id: the batch's assignments of its reviewer it leads, or () when covered."""
    schedules: dict[str, dict[str, tuple[Any, ...]]] = field(default_factory=dict)
    """By SessionScheduled event id: recipient id → the batch's sessions it tells them about (programme.py)."""

    def snapshot(self) -> tuple[Any, ...]:
        """What ``restore`` needs to undo one handler's staging when it fails (the savepoint's twin)."""
        return (
            dict(self.contacts),
            set(self.stored),
            dict(self.contact_writes),
            dict(self.unpaid),
            len(self.ledger),
            set(self.known),
        )

    def restore(self, snap: tuple[Any, ...]) -> None:
        self.contacts, self.stored, self.contact_writes, self.unpaid, n, self.known = snap
        del self.ledger[n:]

    def flush(self, session: Session) -> None:
        if self.contact_writes:
            new = [_contact_row(c) for c in self.contact_writes.values() if c.delegate_id not in self.stored]
            old = [_contact_row(c) for c in self.contact_writes.values() if c.delegate_id in self.stored]
            if new:
                session.execute(insert(contacts), new)
            if old:
                session.execute(_update_contact, [{"b_id": r.pop("delegate_id"), **r} for r in old])
        if self.unpaid:
            session.execute(delete(unpaid).where(unpaid.c.delegate_id.in_(sorted(self.unpaid))))
            rows = [row for row in self.unpaid.values() if row is not None]
            if rows:
                session.execute(insert(unpaid), rows)
        if self.ledger:
            session.execute(insert(messages), self.ledger)


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


def staged(session: AsyncSession) -> StagedWrites:
    """This transaction's staged writes (created on first use)."""
    writes = session.info.get(_STAGED)
    if writes is None:
        writes = session.info[_STAGED] = StagedWrites()
    assert isinstance(writes, StagedWrites)  # noqa: S101 -- only this module stores it
    return writes


def stage_message(
    session: AsyncSession, record: MessageRecord, *, status: str, detail: str, attempts: int, when: datetime
) -> None:
    """``record_message``, written with the rest of the batch when it commits."""
    writes = staged(session)
    writes.ledger.append(ledger_row(record, status=status, detail=detail, attempts=attempts, when=when))
    writes.known.add(record.message_id)
    writes.checked.add(record.message_id)


_STAGED = "notify_staged_writes"


@event.listens_for(Session, "before_commit")
def _flush_staged(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a released SAVEPOINT (one event): the whole batch is written when the transaction commits
    writes = session.info.pop(_STAGED, None)
    if writes is not None:
        writes.flush(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_staged(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop(_STAGED, None)


def stage_contact(session: AsyncSession, contact: Contact) -> None:
    """``save_contact``, written with the rest of the batch (insert or update, as the row exists or not)."""
    writes = staged(session)
    writes.contacts[contact.delegate_id] = contact
    writes.contact_writes[contact.delegate_id] = contact


def stage_unpaid(session: AsyncSession, delegate_id: str, row: dict[str, Any] | None) -> None:
    """``track_unpaid`` (a row) or ``forget_unpaid`` (None), written with the rest of the batch."""
    staged(session).unpaid[delegate_id] = row
