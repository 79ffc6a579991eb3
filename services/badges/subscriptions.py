"""Registration's events into badges' commands: each record decoded once, a batch's badges rendered before
its transaction and handed to the commands as a value.

``BadgesConsumer`` is the kernel consumer (inbox, outbox, dead letters) with one step before each batch's
transaction: tombstones on the delegates topic erase delegates; the rest is decoded once
(``self.decode``, personal fields opened); the badges the batch will probably need are rendered in parallel on the pool
(the lock is short); then the kernel runs the batch with handlers bound to those PDFs (``handlers``).

A large batch (a burst of confirmations) is cut into chunks of ``chunk`` records, each its own transaction, and
the pool renders the next chunk while the current one commits: the first badges are issued (and relayed, and
mailed by notify) after one chunk's render, not after the whole batch's, and the pool never waits for a commit.
The Kafka offsets still move once per batch, after its last chunk committed; a batch delivered again after a
failure finds its committed chunks in the inbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from schemas import topics
from schemas.abstracts import AbstractRevised, AbstractSubmitted, AbstractWithdrawn, AuthorErased
from schemas.base import CloudEvent, EventData
from schemas.delegates import DelegateSnapshot
from schemas.programme import ProgrammePublished, SessionCancelled, SessionScheduled
from schemas.registration import (
    InvoiceIssued,
    PaymentSucceeded,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationErased,
    RegistrationUpdated,
)
from services.badges import domain
from services.badges.commands import book, registration
from services.badges.commands.badges import NOTHING_PRERENDERED, Prerendered, badge_content
from services.badges.domain import BadgeContent, RegistrationState, Status
from services.badges.ports import BadgeDeps, BookDeps, BookUnits
from services.common.consumer import Decoded, EventConsumer, Handler, Record
from services.common.keyring import person_ref

log = logging.getLogger("congress.badges")


def state_of(event: EventData) -> RegistrationState | None:
    """What a registration event says about the delegate's state (None: it is not such an event)."""
    if isinstance(event, RegistrationConfirmed):
        status: Status | None = Status.CONFIRMED
        paid = None
    elif isinstance(event, RegistrationUpdated):
        status, paid = None, None  # the replica's status stays
    elif isinstance(event, DelegateSnapshot):
        status, paid = Status(event.status), event.paid
    else:
        return None
    return RegistrationState(
        event.congress_id, event.registration_id, event.registration_version, status, paid, event.delegate
    )


def handlers(
    deps: BadgeDeps, prerendered: Prerendered = NOTHING_PRERENDERED, book_units: BookUnits | None = None
) -> dict[type[EventData], Handler]:
    """The consumer's handler table for one batch: one plain function per event type, each calling a command
    in a unit of work joined to the batch's transaction. Events are staged on the unit (nothing returned).
    With ``book_units``, a delegate's erasure (``RegistrationErased.person_ref``) reaches the book's replica too."""

    async def on_state(event: CloudEvent[Any], transaction: Any) -> None:
        state = state_of(event.data)
        if state is not None:
            await registration.apply_state(deps.units.within(transaction), deps, state, prerendered=prerendered)

    async def on_cancelled(event: CloudEvent[RegistrationCancelled], transaction: Any) -> None:
        d = event.data
        unit = deps.units.within(transaction)
        await registration.cancel(
            unit, congress_id=d.congress_id, delegate_id=d.delegate_id, version=d.registration_version, reason=d.reason
        )

    async def on_payment(event: CloudEvent[PaymentSucceeded], transaction: Any) -> None:
        await registration.record_payment(deps.units.within(transaction), deps, event.data)

    async def on_invoice(event: CloudEvent[InvoiceIssued], transaction: Any) -> None:
        await registration.invoice(deps.units.within(transaction), deps, event.data)

    async def on_erased(event: CloudEvent[RegistrationErased], transaction: Any) -> None:
        if book_units is not None and event.data.person_ref:
            await book.erase_person(book_units.within(transaction), event.data.person_ref)

    return {
        RegistrationConfirmed: on_state,
        RegistrationUpdated: on_state,
        DelegateSnapshot: on_state,
        RegistrationCancelled: on_cancelled,
        PaymentSucceeded: on_payment,
        InvoiceIssued: on_invoice,
        RegistrationErased: on_erased,
    }


def badges_to_prerender(events: Iterable[EventData], secret: str) -> list[BadgeContent]:
    """Badges a batch will probably need (as the events show them), so the pool renders them before the
    transaction. A badge its command does not need (an older version, an unchanged face) is simply unused."""
    out: list[BadgeContent] = []
    for data in events:
        try:
            state = state_of(data)
        except ValueError:
            continue  # a status badges does not know: its handler fails alone and dead-letters the event
        if state is None or state.status not in (Status.CONFIRMED, None):
            continue
        record = domain.replicate(None, state)
        if record is not None:
            out.append(badge_content(record, secret))
    return list(dict.fromkeys(out))


async def prerender(deps: BadgeDeps, events: Iterable[EventData]) -> Prerendered:
    """Render the batch's badges in parallel on the pool; a badge that cannot be drawn is left to its command
    (which raises, so the event is retried and dead-lettered alone)."""
    contents = badges_to_prerender(events, deps.secret)
    results = await deps.renderer.render_badges(contents) if contents else []
    return {replace(c, qr_token=""): pdf for c, pdf in zip(contents, results, strict=True) if isinstance(pdf, bytes)}


CHUNK_PER_WORKER = 16
"""Records per chunk of a batch for each render worker: two of the pool's documents (``pool.CHUNK``) per worker,
so a chunk keeps every worker busy while the one before it commits."""


class BadgesConsumer(EventConsumer):
    """The kernel consumer of registration's topics, rendering a batch's badges before its transaction.

    A tombstone on the compacted delegates topic is an erasure: the delegate leaves the station's
    replica (and its badge record and check-in) instead of being dead-lettered.
    """

    def __init__(
        self, *, deps: BadgeDeps, book_units: BookUnits | None = None, chunk: int = 2 * CHUNK_PER_WORKER, **kwargs: Any
    ) -> None:
        super().__init__(handlers=handlers(deps, book_units=book_units), before_handlers=self._load_chunk, **kwargs)
        self.deps = deps
        self.book_units = book_units
        self.chunk = max(1, chunk)
        """Records per transaction of a batch; the next chunk's badges render while this one commits."""

    async def handle_batch(self, records: Sequence[Record]) -> None:
        erased = [r for r in records if r.value is None and r.topic.endswith(topics.DELEGATES) and r.key]
        if erased:
            await registration.erase(self.deps, [r.key.decode() for r in erased if r.key])
            log.info("erased %d delegate(s) from the replica", len(erased))
            records = [r for r in records if r not in erased]
        if not records:
            return
        decoded = await self.decode(records)
        chunks = [decoded[i : i + self.chunk] for i in range(0, len(decoded), self.chunk)]
        rendering = asyncio.ensure_future(prerender(self.deps, _events(chunks[0])))
        try:
            for k, chunk in enumerate(chunks):
                prerendered = await rendering
                if k + 1 < len(chunks):  # the pool draws the next chunk while this one's transaction runs
                    rendering = asyncio.ensure_future(prerender(self.deps, _events(chunks[k + 1])))
                await self.handle_decoded(chunk, handlers(self.deps, prerendered, self.book_units))
        finally:
            if not rendering.done():  # a chunk failed: the batch is delivered again, its renders are not needed
                rendering.cancel()
                await asyncio.wait([rendering])  # let it finish cancelling; its outcome is not wanted

    async def _load_chunk(self, events: Sequence[CloudEvent[Any]], transaction: Any) -> None:
        """Before the chunk's handlers: its confirmations' delegates, badges and payments in one read per table
        (their new rows are then written in one statement per table before the commit)."""
        ids = [e.data.delegate.delegate_id for e in events if isinstance(e.data, STATE_EVENTS)]
        if ids:
            await self.deps.units.load_chunk(transaction, ids)


STATE_EVENTS = (RegistrationConfirmed, RegistrationUpdated, DelegateSnapshot)
"""The events ``state_of`` reads: a delegate's state, each on the confirmation path."""


def _events(decoded: Sequence[Decoded]) -> list[EventData]:
    return [item.data for _, item in decoded if isinstance(item, CloudEvent)]


def book_handlers(deps: BookDeps) -> dict[type[EventData], Handler]:
    """The book of abstracts' consumer (``badges-book``): abstracts' content and the published programme into
    the book's replica, in the batch's transaction. The books themselves are made by the job ``badges.book``.
    ``AuthorErased`` erases the person from the replica's abstracts outside the published programme."""

    def pseudonym(email: str) -> str:
        return person_ref(deps.secret, email)

    async def on_content(event: CloudEvent[AbstractSubmitted | AbstractRevised], transaction: Any) -> None:
        await book.record_content(deps.units.within(transaction), event.data, pseudonym)

    async def on_author_erased(event: CloudEvent[AuthorErased], transaction: Any) -> None:
        await book.erase_person(deps.units.within(transaction), event.data.person_ref)

    async def on_withdrawn(event: CloudEvent[AbstractWithdrawn], transaction: Any) -> None:
        await book.withdraw(deps.units.within(transaction), event.data)

    async def on_session(event: CloudEvent[SessionScheduled], transaction: Any) -> None:
        await book.record_session(deps.units.within(transaction), event.data)

    async def on_cancelled(event: CloudEvent[SessionCancelled], transaction: Any) -> None:
        await book.cancel_session(deps.units.within(transaction), event.data)

    async def on_published(event: CloudEvent[ProgrammePublished], transaction: Any) -> None:
        await book.record_publication(deps.units.within(transaction), event.data)

    return {
        AbstractSubmitted: on_content,
        AbstractRevised: on_content,
        AbstractWithdrawn: on_withdrawn,
        SessionScheduled: on_session,
        SessionCancelled: on_cancelled,
        ProgrammePublished: on_published,
        AuthorErased: on_author_erased,
    }
