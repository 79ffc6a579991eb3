"""Units of work: a transaction with the stores on it and the events staged in it, and registering in batches."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol, TypeVar

from schemas.base import CloudEvent, EventData
from schemas.values import Role
from services.registration.domain.privacy import Consents, SpecialNeeds
from services.registration.domain.registration import Registration
from services.registration.ports.agenda import AgendaRecords
from services.registration.ports.history import AuditHistory
from services.registration.ports.privacy import PrivacyRecords
from services.registration.ports.stores import (
    AppliedRoles,
    EarnedRoles,
    Filters,
    MagicLinks,
    Presentations,
    Registrations,
    Row,
    StripeTaskStore,
    Traces,
)


class Stages(Protocol):
    """Anything events are staged on: a unit of work (``Tx``) or a registration batch (``Batch``)."""

    def stage(self, data: EventData) -> object: ...


class Tx(Protocol):
    """One unit of work as a command sees it: the stores on its transaction and the events it stages.

    Staged events are written with the changes, as the last thing before the commit (or dropped with a
    rollback); ``queued_tasks`` are the Stripe requests queued in it, tried once it has committed.
    """

    @property
    def registrations(self) -> Registrations: ...

    @property
    def tasks(self) -> StripeTaskStore: ...

    @property
    def earned(self) -> EarnedRoles: ...

    @property
    def applied(self) -> AppliedRoles: ...

    @property
    def presentations(self) -> Presentations: ...

    @property
    def magic_links(self) -> MagicLinks: ...

    @property
    def privacy(self) -> PrivacyRecords: ...

    @property
    def traces(self) -> Traces: ...

    @property
    def agenda(self) -> AgendaRecords:
        """The programme replica, delegates' marks and calendar-feed tokens."""
        ...

    @property
    def history(self) -> AuditHistory:
        """The audit records that name a delegate (``congress.audit``, any service)."""
        ...

    @property
    def queued_tasks(self) -> list[int]: ...

    def stage(self, data: EventData) -> CloudEvent[Any]:
        """Stage one event; published only if this unit of work commits."""
        ...

    def stage_tombstone(self, topic: str, key: str) -> None:
        """Stage a tombstone (no value) for ``key`` on a compacted topic."""
        ...

    async def shred(self, subjects: Sequence[str]) -> list[str]:
        """Delete these people's data keys (crypto-shredding: their personal fields in every event read
        ``erased``); returns the key ids, whose tombstones are staged."""
        ...

    def all_or_nothing(self) -> AbstractAsyncContextManager[object]:
        """A part of the unit that an exception undoes alone (a savepoint)."""
        ...


class Units(Protocol):
    """Opens units of work on the service's store."""

    def begin(self) -> AbstractAsyncContextManager[Tx]:
        """A unit of work: on a normal exit its staged events are written and it commits; an exception undoes it."""
        ...

    def read(self) -> AbstractAsyncContextManager[Tx]:
        """Stores for reading only: nothing is committed (stage nothing here)."""
        ...

    async def scrub(self) -> None:
        """After an erasure: what the database may keep on disk of rows as they were goes too."""
        ...

    def joined(self, session: object) -> Tx:
        """The unit of work of a kernel consumer's transaction (the consumer writes the events and commits)."""
        ...

    def every_row(self, filters: Filters, *, batch: int) -> AsyncIterator[Registration]:
        """Every filtered registration in number order, read ``batch`` at a time (one short read each)."""
        ...


class Batch(Protocol):
    """The synchronous unit of work a group-committed registration batch runs in (see ``Writer``)."""

    def take_seats(self, code: str, seats: int = 1) -> bool:
        """Take ``seats`` seats of ``code`` (the congress: ``TOTAL``) all or none; False when too few are left."""
        ...

    def use_code(self, code: str, max_uses: int | None) -> bool:
        """Count one use of a discount code; False when its limit is reached."""
        ...

    def advance(self, counter: str, by: int = 1) -> int:
        """Advance a gap-free counter by ``by`` (locking it); returns the new, last value."""
        ...

    def earned_roles(self, email_keys: Iterable[str]) -> Mapping[str, set[Role]]:
        """The roles the call for papers earned these addresses (read after the number counter is locked)."""
        ...

    def live_addresses(self, email_keys: Iterable[str]) -> set[str]:
        """The addresses among ``email_keys`` that a live registration already uses."""
        ...

    def insert(self, registrations: Sequence[Registration], waiting: Sequence[Row], applied: Sequence[Row]) -> None:
        """Insert new registrations, waiting-list entries and applied-role notes, each in one statement."""
        ...

    def insert_privacy(
        self, consents: Sequence[tuple[str, Consents]], needs: Sequence[tuple[str, SpecialNeeds]], now: datetime
    ) -> None:
        """Insert new registrations' consents and (consented) special needs, by registration id."""
        ...

    def stage(self, data: EventData) -> None:
        """Stage one event in this batch item's part (dropped if that part is undone)."""
        ...


T = TypeVar("T")
R = TypeVar("R")
BatchHandler = Callable[[Batch, list[T]], list[R]]
"""Does several queued items at once in one ``Batch``; returns one result per item, in order."""


class Writer(Protocol):
    """Runs registration batches: group-committed where the store allows, else one transaction each."""

    async def run_batched(self, handler: BatchHandler[T, R], item: T) -> R:
        """Queue ``item``; an exception raised for it reaches only its caller (the others still commit)."""
        ...

    async def close(self) -> None: ...
