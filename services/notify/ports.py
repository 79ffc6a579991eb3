"""The small interfaces notify's commands use; adapters implement them, tests may fake them.

Commands never see a database session, a template engine or an SMTP client: they build a
message through ``MessageBuilder``, hand it to a ``Mailer``, and read and stage what a
transaction changes through a ``NotifyUnit`` (one unit of work: notify's tables, the outbox).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol

from schemas.base import EventData
from schemas.programme import SessionScheduled
from services.notify.domain.abstracts import AbstractSeen, Assignment
from services.notify.domain.accounts import OrganiserRecord
from services.notify.domain.batch import Batch
from services.notify.domain.broadcast import Broadcast, Owed
from services.notify.domain.delivery import Deferral, Delivery, Envelope, MessageRecord, Queued
from services.notify.domain.programme import SessionSeen, Told
from services.notify.domain.rules import Contact, MessagePlan, Unpaid
from services.notify.domain.symposium_roles import RoleHolder


class Mailer(Protocol):
    """Hands one message to an SMTP server and says what the server answered."""

    async def send(self, envelope: Envelope) -> Delivery: ...


class Documents(Protocol):
    """Reads a produced PDF by its ``location``; None when it is larger than ``max_bytes``."""

    def read(self, location: str, max_bytes: int) -> bytes | None: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


@dataclass(frozen=True)
class MailSummary:
    key: str
    subject: str
    sender: str
    to: str
    date: str
    sort_time: float
    attachments: tuple[str, ...]


@dataclass(frozen=True)
class MailPage:
    messages: tuple[MailSummary, ...]
    total: int
    number: int
    """1-based; a number past the end gives the last page."""
    pages: int


class Mailbox(Protocol):
    """The demo sink's stored mail, as the mail page shows it (newest first)."""

    location: str

    async def page(self, number: int, size: int) -> MailPage: ...
    async def read(self, key: str) -> EmailMessage | None: ...


class MessageBuilder(Protocol):
    """Renders, composes and attaches one planned message. Raises ``Undeliverable`` for one that can never go."""

    def build(self, plan: MessagePlan, message_id: str) -> tuple[Envelope, str]:
        """The finished message and its subject."""
        ...


class AbstractsStore(Protocol):
    """What notify keeps of abstracts: reviewer assignments and each abstract's latest submission."""

    async def save_assignment(self, a: Assignment) -> None: ...
    async def load_assignment(self, abstract_id: str, reviewer_id: str) -> Assignment | None: ...
    async def forget_assignment(self, abstract_id: str, reviewer_id: str) -> None: ...
    async def save_abstract(self, abstract_id: str, seen: AbstractSeen, version: int) -> None: ...
    async def load_abstract(self, abstract_id: str) -> AbstractSeen | None: ...
    async def save_roles(self, abstract_id: str, holders: Sequence[RoleHolder]) -> None: ...
    async def roles_of(self, abstract_ids: Iterable[str]) -> tuple[RoleHolder, ...]: ...


class ProgrammeStore(Protocol):
    """What notify keeps of the programme: each session's latest version and the presenters it told."""

    async def told_about(self, session_ids: Iterable[str]) -> frozenset[tuple[str, str]]: ...
    async def remember_session(self, data: SessionScheduled, also: Sequence[Told] = ()) -> None: ...
    async def load_session(self, session_id: str) -> tuple[SessionSeen | None, tuple[Told, ...]]: ...
    async def forget_session(self, session_id: str) -> None: ...


class BroadcastStore(Protocol):
    """What notify keeps of broadcasts: each message, and the recipients still owed it."""

    async def remember(self, broadcast: Broadcast, cause_event: bytes, cause_topic: str, when: datetime) -> None: ...
    async def owe(self, broadcast_id: str, delegate_ids: Iterable[str], when: datetime) -> int: ...
    async def owed(self, limit: int) -> list[Owed]: ...
    async def forget(self, delegate_ids: Iterable[str]) -> None:
        """Erasure: owe these delegates nothing."""
        ...

    async def load(self, broadcast_id: str) -> tuple[Broadcast, bytes, str] | None:
        """The broadcast, its first part's event and that event's topic."""
        ...

    async def settle(self, item: Owed) -> bool:
        """No longer owed; False when it was not owed (any more)."""
        ...


class NotifyUnit(Protocol):
    """One transaction of notify: its tables and the outbox. Writes are staged and go in with its commit."""

    batch: Batch
    """What this transaction's batch read, planned and staged so far (``domain/batch.py``)."""

    @property
    def abstracts(self) -> AbstractsStore: ...
    @property
    def programme(self) -> ProgrammeStore: ...
    @property
    def broadcasts(self) -> BroadcastStore: ...

    async def load_contacts(self, delegate_ids: Iterable[str]) -> dict[str, Contact]: ...
    async def known_messages(self, message_ids: Iterable[str]) -> set[str]:
        """Which of these messages were sent, failed or wait for a retry."""
        ...

    def stage_contact(self, contact: Contact) -> None: ...
    def stage_unpaid(self, delegate_id: str, unpaid: Unpaid | None) -> None:
        """Track a card payer's unpaid registration (or forget it: None)."""
        ...

    def stage_message(self, record: MessageRecord, *, status: str, detail: str, attempts: int, when: datetime) -> None:
        """A ledger row: this message was sent or failed for good."""
        ...

    async def queue(self, queued: Queued) -> None:
        """Put a finished message on the retry queue."""
        ...

    def owe(self, queued: Queued) -> None:
        """Stage a finished message as owed: a retry-queue row, due now, sent once this transaction commits."""
        ...

    @property
    def owed(self) -> list[Queued]:
        """The owed messages ``write_staged`` wrote (the sender's work after the commit), as they were owed."""
        ...

    def stage(self, data: EventData) -> None:
        """An event to publish if this transaction commits."""
        ...

    def stage_dead_letter(self, *, value: bytes, key: str, event_id: str, headers: list[tuple[str, str]]) -> None:
        """The causing event, for the dead-letter topic."""
        ...

    def checkpoint(self) -> Callable[[], None]:
        """An undo of everything staged after this call (a failed handler's twin of its savepoint)."""
        ...

    async def write_staged(self) -> None:
        """Write what was staged on notify's tables; the last thing before the transaction commits."""
        ...

    # the retry queue and the reminders, each worked in short transactions of their own
    async def due(self, now: datetime, limit: int) -> list[str]: ...
    async def claim(
        self, *, now: datetime, until: datetime, message_ids: Sequence[str] | None, limit: int
    ) -> list[Queued]:
        """Claim due queued messages (of ``message_ids``, or any) till ``until``: no other sender finds them due.

        Each claimed message comes back with ``next_attempt_at`` = ``until`` (its claim)."""
        ...

    async def claim_owed(self, message_ids: Sequence[str], *, now: datetime, until: datetime) -> set[str]:
        """Claim these queued messages, if due, till ``until``; the ids claimed (the caller holds the messages)."""
        ...

    async def settle(self, message_ids: Sequence[str]) -> set[str]:
        """Remove these sent or failed messages from the queue; those that were still there (``DELETE … RETURNING``)."""
        ...

    async def defer(self, deferrals: Sequence[Deferral]) -> None:
        """Put claimed messages back on the queue, each only while its claim is the one it was given."""
        ...

    async def unpaid_due(self, created_before: datetime, limit: int) -> list[Unpaid]: ...
    async def mark_reminded(self, delegate_id: str, when: datetime) -> bool: ...
    async def forget_delegates(self, delegate_ids: list[str]) -> None: ...
    async def forget_person(self, is_person: Callable[[str], bool], submitted: Sequence[str], ref: str) -> int:
        """Erase a person known by address (``AuthorErased``): ledger addresses, queued mail, kept names, and the
        keys notify minted for them (pseudonym ``ref``): the mail events sent to them read ``erased``."""
        ...

    async def messages_to(self, recipient_id: str) -> list[dict[str, str]]:
        """The ledger's emails to one recipient: template, subject, address, status and when (ISO)."""
        ...

    async def expire_messages(self) -> int:
        """Retention: blank the address and subject of every ledger row still holding them; how many."""
        ...


UnitFor = Callable[[object], NotifyUnit]
"""The unit of work of a transaction a kernel consumer opened (the same one for the whole batch)."""

Units = Callable[[], AbstractAsyncContextManager[NotifyUnit]]
"""Opens a unit of work of its own: committed (staged writes and events written first) on a normal exit."""


class OrganiserAccounts(Protocol):
    """The organiser accounts notify keeps (one transaction: ``AccountsUnit``)."""

    async def by_id(self, account_id: str) -> OrganiserRecord | None: ...

    async def by_email(self, email: str) -> OrganiserRecord | None: ...

    async def listing(self) -> list[OrganiserRecord]: ...

    async def save(self, record: OrganiserRecord) -> None:
        """Insert the account, or replace the stored version with this one."""

    async def add_if_absent(self, record: OrganiserRecord) -> bool:
        """Insert the account unless its email has one already; True if it was inserted."""

    async def erased_at(self, account_id: str) -> datetime | None:
        """When the account was erased; None if it was not (or never was an account)."""

    async def erased(self) -> list[tuple[str, datetime]]:
        """Every erased account's id and when, oldest first."""


class AccountsUnit(Protocol):
    """One transaction over the accounts, with events staged on the outbox."""

    @property
    def accounts(self) -> OrganiserAccounts: ...

    def stage(self, data: EventData) -> None: ...

    async def erase(self, record: OrganiserRecord, at: datetime) -> bool:
        """Forget the account's person: its row goes, with every row notify keeps about the account (its
        published snapshots, its invitations, their mail and keys); only its id and ``at`` stay. False, and
        nothing done, if another transaction erased the account meanwhile."""

    def tombstone(self, account_id: str) -> None:
        """Stage the account's tombstone on ``congress.organisers``: every service forgets the account."""


AccountUnits = Callable[[], AbstractAsyncContextManager[AccountsUnit]]
"""Opens one ``AccountsUnit``; it commits on a normal exit."""
