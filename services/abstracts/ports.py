"""What the abstracts commands need from the world, as Protocols: the store, the unit of work, the placer.

``adapters/`` implements them on SQL (``SqlUnits``) and OR-Tools (``CpSatPlacer``); commands see only
these. An abstract travels as the ``Abstract`` aggregate, the draft programme as ``draft.Entry``;
reviewers, assignments and reviews as plain rows (``Row``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from typing import Any, Protocol

from schemas.base import EventData
from services.abstracts.domain.abstract import Abstract, Status
from services.abstracts.domain.audience import Interest
from services.abstracts.domain.draft import Entry
from services.abstracts.domain.erasure import Erased, IsPerson
from services.abstracts.domain.reviewer_profile import Profile
from services.abstracts.domain.scheduling import Placer as Placer
from services.abstracts.domain.scheduling import Talk
from services.abstracts.domain.staging import Staged

Row = dict[str, Any]


class AbstractStore(Protocol):
    """The service's abstracts, reviewers, assignments, reviews and counters."""

    async def next_number(self, counter: str) -> int:
        """Advance a gap-free counter; also serialises whoever else advances it until the commit."""
        ...

    async def add(self, abstract: Abstract) -> None: ...

    async def get(self, abstract_id: str) -> Abstract | None: ...

    async def save(self, abstract: Abstract, *, was: Status) -> bool:
        """Write the abstract only if it is still ``was``; False if someone got there first."""
        ...

    async def listing(self, *, network: str | None = None, status: Status | None = None) -> list[Abstract]: ...

    async def add_reviewer(self, **values: Any) -> None: ...

    async def reviewer(self, reviewer_id: str) -> Row | None: ...

    async def reviewer_by_email(self, email: str) -> Row | None: ...

    async def reviewers(self) -> list[Row]: ...

    async def bump_link_version(self, reviewer_id: str) -> None: ...

    async def assignments(self) -> list[Row]: ...

    async def assigned_to(self, reviewer_id: str) -> list[tuple[Abstract, datetime | None]]:
        """The abstracts (not withdrawn) actively assigned to a reviewer, with when they reviewed it."""
        ...

    async def is_assigned(self, abstract_id: str, reviewer_id: str) -> bool: ...

    async def assign(self, abstract_id: str, reviewer_id: str, now: datetime) -> None: ...

    async def end_assignment(self, abstract_id: str, reviewer_id: str, reason: str) -> bool: ...

    async def assigned_reviewers(self, abstract_id: str) -> list[Row]:
        """Reviewers on an abstract, with their review's columns if they gave one."""
        ...

    async def save_review(self, **values: Any) -> None: ...

    async def reviews_of(self, abstract_id: str) -> list[Row]:
        """Reviews by reviewers still assigned to the abstract."""
        ...

    async def all_reviews(self) -> list[Row]: ...


class ProgrammeStore(Protocol):
    """The programme's draft, the last published ``SessionScheduled`` (as JSON) per session, its version."""

    async def draft(self) -> list[Entry]:
        """The draft's sessions in running order."""
        ...

    async def has_draft(self) -> bool: ...

    async def replace_draft(self, entries: Sequence[Entry]) -> None: ...

    async def place_session(self, session_id: str, day: date, slot: int, room: str) -> None: ...

    async def set_talks(self, session_id: str, talks: Sequence[Talk]) -> None: ...

    async def set_chair(
        self, session_id: str, chair: str | None, email: str | None = None, language: str = "en"
    ) -> bool:
        """Name (or clear) a session's chair; with ``email`` a person (role, ribbon, slot email); False: no session."""
        ...

    async def drop_session(self, session_id: str) -> None: ...

    async def published(self) -> dict[str, Row]: ...

    async def save_published(self, session_id: str, version: int, payload: Row, published_at: datetime) -> None: ...

    async def last_publication(self) -> tuple[int, datetime | None] | None:
        """The newest published version and when it was published; ``None`` before the first publication."""

    async def drop_published(self, session_id: str) -> None: ...

    async def counter_value(self, name: str) -> int: ...


class PresenterMarks(Protocol):
    """Abstracts registration reported as having no registered presenter."""

    async def mark(self, abstract_id: str, reference: str, event_id: str, at: datetime) -> None: ...

    async def unmark(self, abstract_id: str) -> None: ...

    async def marked(self) -> set[str]: ...


class Audience(Protocol):
    """Delegates' interest for sizing rooms: agenda marks and confirmed registrations, by id only."""

    async def record_mark(self, delegate_id: str, session_id: str, attending: bool, changed_at: datetime) -> bool:
        """Keep the newer state of this (delegate, session); False when the stored one is newer."""
        ...

    async def record_registration(self, delegate_id: str, confirmed: bool, version: int) -> bool:
        """Keep the newer registration state; False when the stored one is newer."""
        ...

    async def forget(self, delegate_id: str) -> None: ...

    async def interest(self) -> Interest: ...


class StagedDecisions(Protocol):
    """Decisions staged by the organisers and not yet released (one per abstract)."""

    async def stage(self, staged: Staged) -> None:
        """Stage, replacing what was staged for the abstract before."""
        ...

    async def unstage(self, abstract_id: str) -> bool: ...

    async def staged(self) -> list[Staged]:
        """Everything staged, oldest first."""
        ...

    async def drop(self, abstract_ids: Sequence[str]) -> None:
        """Forget these (released, or no longer possible)."""
        ...


class ReviewerProfiles(Protocol):
    """What reviewers said about themselves (profiles) and about the abstracts of their networks (bids)."""

    async def profile(self, reviewer_id: str) -> Profile | None: ...

    async def profiles(self) -> dict[str, Profile]: ...

    async def save_profile(self, profile: Profile, now: datetime) -> None: ...

    async def bids_of(self, reviewer_id: str) -> dict[str, str]:
        """Abstract id → bid."""
        ...

    async def all_bids(self) -> dict[tuple[str, str], str]:
        """(abstract id, reviewer id) → bid."""
        ...

    async def save_bids(self, reviewer_id: str, chosen: Mapping[str, str], now: datetime) -> None:
        """Replace these abstracts' bids (``none`` removes one)."""
        ...


class NoticesShown(Protocol):
    """Which privacy notice each abstract's submission form showed (issue 16)."""

    async def record(self, abstract_id: str, version: str, language: str, now: datetime) -> None: ...

    async def shown(self, abstract_id: str) -> tuple[str, str] | None:
        """The (version, language) recorded for this abstract."""
        ...


class PersonEraser(Protocol):
    """Erases a person known by email from abstracts' tables (``domain.erasure`` says what stays)."""

    async def erase(self, is_person: IsPerson) -> Erased: ...

    async def count(self, is_person: IsPerson) -> Erased:
        """What ``erase`` would change, without changing it."""
        ...


class Unit(Protocol):
    """One unit of work: the stores on its transaction, and the events it stages to publish with it."""

    @property
    def abstracts(self) -> AbstractStore: ...

    @property
    def programme(self) -> ProgrammeStore: ...

    @property
    def marks(self) -> PresenterMarks: ...

    @property
    def audience(self) -> Audience: ...

    @property
    def staged(self) -> StagedDecisions: ...

    @property
    def profiles(self) -> ReviewerProfiles: ...

    @property
    def notices(self) -> NoticesShown: ...

    @property
    def people(self) -> PersonEraser: ...

    async def shred(self, subjects: Sequence[str]) -> list[str]:
        """Delete the data keys this service minted for these people (crypto-shredding) and tombstone them."""
        ...

    def scrub_after_commit(self) -> None:
        """Once this unit commits, leave no copy of erased rows in the database's log files."""
        ...

    def stage(self, event: EventData) -> None:
        """Publish ``event`` if (and only if) this unit of work commits."""
        ...


class Units(Protocol):
    """Opens units of work: ``async with units() as unit`` commits on a normal exit, rolls back on an error."""

    def __call__(self) -> AbstractAsyncContextManager[Unit]: ...

    def reading(self) -> AbstractAsyncContextManager[Unit]:
        """A unit that only reads: nothing is committed, nothing may be staged."""
        ...

    async def scrub(self) -> None:
        """After an erasure committed: leave no copy of the erased rows in the database's log files."""
        ...
