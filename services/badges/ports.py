"""What the commands need from the outside world; adapters implement these, unit tests use fakes.

``BadgeStore`` is the service's one store (the replica, badges, check-ins, documents, payments, visa
requests, stations); a ``BadgeUnit`` is one transaction: the store in it and the events staged in it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from schemas.base import EventData
from services.badges.domain import (
    BadgeContent,
    BadgeOnRecord,
    CheckIn,
    DelegateRecord,
    Payment,
    StationRecord,
    Status,
    VisaRequest,
    VisaRequestRecord,
)
from services.badges.domain.backoff import Backoff
from services.badges.domain.book import Book, BookFile, Json, Publication, ReplicaCounts
from services.badges.domain.book_languages import Translation


@dataclass(frozen=True)
class StoredPdf:
    sha256: str
    location: str


class Renderer(Protocol):
    """Renders PDFs without blocking the event loop (a process pool in production)."""

    async def render_badge(self, content: BadgeContent) -> bytes: ...

    async def render_badges(self, contents: list[BadgeContent]) -> list[bytes | Exception]:
        """One PDF per delegate, in order; a delegate whose badge cannot be drawn gets the error instead."""
        ...

    async def render_document(self, template: str, context: dict[str, Any]) -> bytes: ...

    async def render_sheets(self, contents: list[BadgeContent]) -> bytes: ...

    async def render_book(self, book: Book) -> bytes:
        """The book of abstracts (``domain.book``), off the event loop."""
        ...


class PdfStore(Protocol):
    def put(self, pdf: bytes) -> StoredPdf: ...

    def delete(self, sha256: str) -> None:
        """Remove a stored PDF (erasure); a PDF already gone is fine."""
        ...

    def get(self, sha256: str) -> bytes: ...

    def remove(self, sha256: str) -> bool:
        """Delete a stored PDF (retention); False when it was not there."""
        ...


class Clock(Protocol):
    def now(self) -> datetime: ...


MAX_FRAME_BYTES = 2_000_000
"""The largest camera frame the station accepts."""

TextAlert = Callable[[DelegateRecord], "list[EventData]"]
"""``BadgeTextReplaced`` for a badge just issued, if a text of it could not print as typed (else nothing)."""


def no_text_alert(record: DelegateRecord) -> list[EventData]:
    return []


class DocumentTextAlert(Protocol):
    """``DocumentTextReplaced`` for a document just issued, if a text it prints (``texts``: field → text as
    typed) could not print as typed (else nothing)."""

    def __call__(
        self, *, congress_id: str, delegate_id: str, kind: str, number: str, texts: Mapping[str, str]
    ) -> list[EventData]: ...


def no_document_text_alert(
    *, congress_id: str, delegate_id: str, kind: str, number: str, texts: Mapping[str, str]
) -> list[EventData]:
    return []


ReadQr = Callable[[bytes], "str | None"]
"""Decodes one camera frame (JPEG, PNG, WebP): the text of the first QR code in it, or None."""


class LinkState(Protocol):
    """Whether events leave this station: shown on every station page."""

    async def status(self) -> dict[str, Any]: ...


class BadgeStore(Protocol):
    """The badges service's tables, read and written inside one unit of work."""

    async def delegate(self, delegate_id: str) -> DelegateRecord | None: ...

    async def save_delegate(self, record: DelegateRecord, *, registration_id: str, known: bool, now: datetime) -> None:
        """Insert (``known=False``) or replace the replica's record of a delegate."""
        ...

    async def set_status(self, delegate_id: str, *, status: Status, version: int) -> bool:
        """Set the status of a delegate known at ``version`` or older; False if none is."""
        ...

    async def mark_paid(self, delegate_id: str) -> None: ...

    async def search(self, query: str) -> list[DelegateRecord]:
        """Every delegate the query finds (name, email or registration number), in sheet order."""
        ...

    async def erase(self, delegate_ids: Sequence[str]) -> list[str]:
        """An erased delegate leaves: replica, badge, check-in, visa requests, payments and every document but
        the issued invoices (kept for the tax authorities). Returns the PDFs (sha256) nothing refers to now."""
        ...

    async def badge(self, delegate_id: str) -> BadgeOnRecord | None: ...

    async def record_badge(
        self, delegate_id: str, *, version: int, pdf: StoredPdf, now: datetime, replaces: bool
    ) -> None: ...

    async def revoke_badge(self, delegate_id: str) -> bool:
        """Revoke a valid badge; False if there is none."""
        ...

    async def count_print(self, delegate_id: str) -> int:
        """Count one more print of the badge; returns how many there have been."""
        ...

    async def checkin(self, delegate_id: str) -> CheckIn | None: ...

    async def checkins(self) -> list[CheckIn]: ...

    async def record_checkin(self, checkin: CheckIn) -> None: ...

    async def payment_known(self, reference: str) -> bool: ...

    async def add_payment(self, payment: Payment) -> None: ...

    async def payments_without_receipt(self, delegate_id: str) -> list[Payment]: ...

    async def mark_receipt_issued(self, reference: str) -> None: ...

    async def next_number(self, kind: str, prefix: str) -> str:
        """The next document number of a kind, without gaps (taken inside the issuing transaction)."""
        ...

    async def has_document(self, kind: str, cause: str) -> bool: ...

    async def record_document(
        self, *, kind: str, number: str, delegate_id: str, cause: str, pdf: StoredPdf, issued_at: datetime
    ) -> None: ...

    async def add_visa_request(self, delegate_id: str, form: VisaRequest, *, now: datetime) -> int: ...

    async def visa_request(self, request_id: int) -> VisaRequestRecord | None: ...

    async def visa_requests(self) -> list[VisaRequestRecord]: ...

    async def mark_visa_issued(self, request_id: int, *, organiser: str, number: str) -> None: ...

    async def documents_of(self, delegate_id: str) -> list[dict[str, str]]:
        """The documents issued to a delegate: kind, number and when (ISO), oldest first."""
        ...

    async def expire_passports(self) -> tuple[int, list[str]]:
        """Retention: blank the passport data of every visa request still holding it; how many, and the
        sha256 of every visa letter PDF (they print the passport number) for the caller to delete."""
        ...

    async def expire_invoices(self) -> tuple[int, list[str]]:
        """Retention: issued invoices' PDFs go (the rows keep kind, number, date, with no file); returns how many
        and the files no row refers to any more."""
        ...

    async def add_station(self, station: StationRecord) -> None: ...

    async def revoke_station(self, station_id: str, now: datetime) -> None: ...

    async def station(self, station_id: str) -> StationRecord | None: ...

    async def stations(self) -> list[StationRecord]: ...

    async def replaced_badges(self) -> list[Any]:
        """Confirmed delegates whose badge cannot print a text as typed (the organiser page lists them)."""
        ...


class BadgeUnit(Protocol):
    """One transaction: the store as it is in it, and the events that commit (or roll back) with it."""

    @property
    def store(self) -> BadgeStore: ...

    def stage(self, data: EventData) -> None: ...

    async def shred(self, subjects: Sequence[str]) -> list[str]:
        """Delete the data keys badges minted for these people (their personal fields in badges' events read
        ``erased``); returns the key ids."""
        ...

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once this transaction has committed (never if it rolls back)."""
        ...


class Units(Protocol):
    """Where units of work come from."""

    def begin(self) -> AbstractAsyncContextManager[BadgeUnit]:
        """A new transaction: committed with its staged events on a normal exit, rolled back on an error."""
        ...

    def read(self) -> AbstractAsyncContextManager[BadgeStore]:
        """The store for reading only (a page): nothing is written, nothing staged."""
        ...

    async def scrub(self) -> None:
        """After an erasure: what the database may keep on disk of rows as they were goes too."""
        ...

    def within(self, transaction: object) -> BadgeUnit:
        """A unit inside a transaction someone else commits (the kernel consumer's batch)."""
        ...

    async def load_chunk(self, transaction: object, delegate_ids: Sequence[str]) -> None:
        """Before a chunk's handlers: load these delegates' rows at once, so the units ``within`` the transaction
        read them from memory and write new rows together before the commit (``adapters/chunk.py``)."""
        ...


@dataclass
class BadgeDeps:
    """Everything the commands are given: ports, and the settings they decide with."""

    units: Units
    renderer: Renderer
    store: PdfStore
    secret: str
    congress: Any
    """services.common.congress.Congress: ids, names, legal details."""
    clock: Clock
    public_url: str = "http://127.0.0.1:8003"
    """Base of the links badges mails (the visa-request link)."""
    visa_link_days: int = 60
    """How long a visa-request link works; then a new one can be mailed."""
    text_alert: TextAlert = no_text_alert
    """Whether a badge's texts print as typed (fonts by coverage, ``adapters/unprintable.py``)."""
    document_text_alert: DocumentTextAlert = no_document_text_alert
    """The same for a document's texts (an invoice's institution and address)."""


class BookStore(Protocol):
    """The book of abstracts' replica (abstracts' content, published sessions, publications) and its files."""

    async def abstract_version(self, abstract_id: str) -> int | None: ...

    async def save_abstract(self, abstract_id: str, version: int, payload: Json | None) -> None:
        """The abstract's newest content (None: withdrawn, it leaves the book)."""
        ...

    async def session_version(self, session_id: str) -> int | None: ...

    async def save_session(self, session_id: str, version: int, payload: Json | None) -> None:
        """The session as its newest event says (None: cancelled by that publication)."""
        ...

    async def add_publication(self, publication: Publication, published_at: datetime) -> None:
        """Record a publication once (a second copy of its event changes nothing)."""
        ...

    async def pending_publication(self) -> Publication | None:
        """The newest publication whose book is not made yet (older ones are replaced by it)."""
        ...

    async def record_failure(self, version: int, seen_attempts: int, failure: str, retry_at: datetime) -> bool:
        """Count a failed render of ``version``'s books once: only if its row still shows ``seen_attempts``
        failures and no book (False: another copy counted this failure, or made the book)."""
        ...

    async def newest_publication(self) -> tuple[Publication, bool] | None:
        """The newest publication and whether its books are made (the organiser's book status)."""
        ...

    async def counts(self, version: int) -> ReplicaCounts: ...

    async def translation(self, version: int, language: str) -> Translation | None:
        """The wish for ``version``'s books in ``language`` (None: nobody asked)."""
        ...

    async def request_translation(self, version: int, language: str, now: datetime) -> None:
        """Record the wish once (asking again changes nothing)."""
        ...

    async def pending_translations(self, version: int) -> list[Translation]:
        """The wishes for ``version`` not made yet, oldest first."""
        ...

    async def record_translation_failure(
        self, version: int, language: str, seen_attempts: int, failure: str, retry_at: datetime
    ) -> bool:
        """As ``record_failure``, for a book in another language."""
        ...

    async def settle_translation(self, version: int, language: str, files: Sequence[BookFile]) -> bool:
        """As ``settle``, for a book in another language: False when another copy made it first."""
        ...

    async def translation_files(self, version: int, language: str) -> list[BookFile]:
        """``version``'s books in ``language``, the whole book first (none until made)."""
        ...

    async def live_sessions(self) -> list[Json]: ...

    async def abstracts(self) -> dict[str, Json]:
        """The content of every abstract not withdrawn, by id."""
        ...

    async def known_abstracts(self) -> set[str]:
        """Every abstract badges has heard of (withdrawn ones too)."""
        ...

    async def settle(self, version: int, files: Sequence[BookFile]) -> bool:
        """Record the books of ``version`` and settle every publication up to it, once: False (nothing
        written) when another copy settled it first."""
        ...

    async def latest_files(self) -> list[BookFile]:
        """The books of the newest settled publication, the whole book first."""
        ...


class BookUnits(Protocol):
    """Transactions on the book's store."""

    def begin(self) -> AbstractAsyncContextManager[BookStore]: ...

    def read(self) -> AbstractAsyncContextManager[BookStore]: ...

    def within(self, transaction: object) -> BookStore:
        """The store in the kernel consumer's batch transaction."""
        ...


@dataclass
class BookDeps:
    """What the book's commands are given."""

    units: BookUnits
    renderer: Renderer
    store: PdfStore
    congress: Any
    """services.common.congress.Congress: name, timezone, the abstracts section's networks."""
    clock: Clock
    secret: str
    """The congress secret: the replica files each author under their pseudonym (``keyring.person_ref``)."""
    backoff: Backoff = field(default_factory=Backoff)
    """How long a failed render waits before the next try (``domain.backoff``)."""
    draw: Callable[[], float] = random.random
    """The backoff's jitter, a number in [0, 1) (tests pass a fixed one)."""
