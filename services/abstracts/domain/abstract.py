"""An abstract and its lifecycle: submitted → revised … → accepted | rejected, or withdrawn.

``Abstract`` is the aggregate the commands load, ask and save: each transition checks its rule, raises
``NotAllowed`` with a sentence saying why, or returns the abstract as it now is together with the event
to publish. Its status, format and decided format are typed (``Status``, ``AbstractFormat``), never
marker strings; the store writes their values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from schemas.abstracts import (
    AbstractDecided,
    AbstractFormat,
    AbstractMoved,
    AbstractRevised,
    AbstractSubmitted,
    AbstractWithdrawn,
    Author,
    Decision,
    Symposium,
)
from services.abstracts.domain.errors import NotAllowed
from services.abstracts.domain.submission import AuthorDraft, Draft
from services.abstracts.domain.symposium import authors_of, draft_of, merged, of_draft
from services.common.text import clean_for_display


class Status(StrEnum):
    """Where an abstract is in its lifecycle (stored as its value)."""

    SUBMITTED = "submitted"
    """Open: the authors may revise it (until the deadline), reviewers review it, the organisers decide it."""
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @classmethod
    def of(cls, decision: Decision) -> Status:
        return cls.ACCEPTED if decision is Decision.ACCEPTED else cls.REJECTED


@dataclass(frozen=True)
class Verdict:
    """A decision as it is applied: accepted (in a format; the asked one if None) or rejected, by whom, when,
    with the mean of the reviews that count and their comments to the authors."""

    decision: Decision
    format: AbstractFormat | None
    who: str
    now: datetime
    mean: float | None
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Abstract:
    """A stored abstract: what the authors wrote (``content_version`` counts revisions) and what was decided."""

    id: str
    reference: str
    status: Status
    network: str
    format: AbstractFormat
    title: str
    content_version: int
    text: str
    keywords: tuple[str, ...]
    authors: tuple[Author, ...]
    submitter_email: str
    language: str
    submitted_at: datetime
    updated_at: datetime
    decided_format: AbstractFormat | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    mean_score: float | None = None
    symposium: Symposium | None = None
    """A symposium's chair, discussant and papers (its ``authors`` are the papers' merged)."""

    @classmethod
    def submit(
        cls, abstract_id: str, reference: str, draft: Draft, now: datetime, congress_id: str
    ) -> tuple[Abstract, AbstractSubmitted]:
        """A new abstract from a validated draft, and its AbstractSubmitted."""
        abstract = cls(
            id=abstract_id,
            reference=reference,
            status=Status.SUBMITTED,
            submitted_at=now,
            updated_at=now,
            content_version=1,
            **_content(draft),
        )
        return abstract, AbstractSubmitted(**abstract.content_fields(congress_id), submitted_at=now)

    @property
    def is_open(self) -> bool:
        """Still undecided and not withdrawn: it may be revised, reviewed, assigned and decided."""
        return self.status is Status.SUBMITTED

    @property
    def presenters(self) -> tuple[Author, ...]:
        """The authors marked presenting; the first author if none is."""
        return tuple(a for a in self.authors if a.presenting) or self.authors[:1]

    def refuse_unless_open(self, doing: str) -> None:
        if self.status is Status.WITHDRAWN:
            raise NotAllowed(f"{self.reference} was withdrawn, so it cannot be {doing}")
        if not self.is_open:
            raise NotAllowed(f"{self.reference} has already been decided ({self.status}), so it cannot be {doing}")

    def revise(self, draft: Draft, now: datetime, congress_id: str) -> tuple[Abstract, AbstractRevised]:
        """The content replaced (while undecided), ``content_version`` + 1."""
        self.refuse_unless_open("revised")
        revised = replace(self, content_version=self.content_version + 1, updated_at=now, **_content(draft))
        return revised, AbstractRevised(**revised.content_fields(congress_id), revised_at=now)

    def amend_symposium(
        self, symposium: Symposium, now: datetime, congress_id: str
    ) -> tuple[Abstract, AbstractRevised]:
        """An organiser's change to a symposium's chair, discussant or papers (validated), also once accepted
        (then the event says the accepted format, and registration moves the roles to the people now named):
        its authors follow the papers, ``content_version`` + 1. The command refuses it once the programme
        is published."""
        if self.symposium is None:
            raise NotAllowed(f"{self.reference} is not a symposium; it has no papers to change")
        if self.status not in (Status.SUBMITTED, Status.ACCEPTED):
            raise NotAllowed(f"{self.reference} is {self.status}, so its papers cannot change")
        revised = replace(
            self,
            symposium=symposium,
            authors=merged(symposium),
            content_version=self.content_version + 1,
            updated_at=now,
        )
        accepted = self.decided_format if self.status is Status.ACCEPTED else None
        return revised, AbstractRevised(**revised.content_fields(congress_id), revised_at=now, accepted_format=accepted)

    def withdraw(self, reason: str, now: datetime, congress_id: str) -> tuple[Abstract, AbstractWithdrawn]:
        """Withdrawn by its authors: while undecided (also after the deadline), or once accepted (its presenters
        cannot come; updating the programme's draft then takes it out); a rejected one may not."""
        if self.status is not Status.ACCEPTED:
            self.refuse_unless_open("withdrawn")
        event = AbstractWithdrawn(
            congress_id=congress_id,
            abstract_id=self.id,
            reference=self.reference,
            title=self.title,
            submitter_email=self.submitter_email,
            language=self.language,
            reason=clean_for_display(reason)[:1000],
            withdrawn_at=now,
        )
        return replace(self, status=Status.WITHDRAWN, updated_at=now), event

    def refuse_unless_reviewable(self) -> None:
        if not self.is_open:
            raise NotAllowed(f"{self.reference} has been decided; reviews can no longer change")

    def refuse_unless_reviewers_may_change(self) -> None:
        if not self.is_open:
            raise NotAllowed(f"{self.reference} is {self.status}; its reviewers can no longer change")

    def decide(
        self,
        decision: Decision,
        fmt: AbstractFormat | None,
        who: str,
        now: datetime,
        mean: float | None,
        comments: Sequence[str],
        congress_id: str,
    ) -> tuple[Abstract, AbstractDecided]:
        """Accepted (in the asked or another format) or rejected, once, with the mean score of the reviews
        that count and their comments to the authors (empty ones left out)."""
        if self.status is Status.WITHDRAWN:
            raise NotAllowed(f"{self.reference} was withdrawn by its authors; there is nothing to decide")
        if not self.is_open:
            raise NotAllowed(
                f"{self.reference} was already decided ({self.status}); "  # its page says by whom
                "a decision cannot be changed here"
            )
        return self._decided(Verdict(decision, fmt, who, now, mean, tuple(comments)), congress_id, None)

    def release(self, verdict: Verdict, congress_id: str, release_id: str) -> tuple[Abstract, AbstractDecided]:
        """A staged decision released: as ``decide``, and also on an abstract an earlier release decided
        otherwise (then the event is a correction). Unchanged or withdrawn: ``NotAllowed``."""
        if self.status is Status.WITHDRAWN:
            raise NotAllowed(f"{self.reference} was withdrawn by its authors; there is nothing to decide")
        chosen = verdict.format or self.format
        if self.status is Status.of(verdict.decision) and self.decided_format is chosen:
            raise NotAllowed(f"{self.reference} is already {self.status} as {chosen}; nothing would change")
        return self._decided(verdict, congress_id, release_id)

    def move(
        self, to_network: str, who: str, now: datetime, congress_id: str, release_id: str
    ) -> tuple[Abstract, AbstractMoved]:
        """Moved to another network while undecided; it stays open there (reviews kept)."""
        self.refuse_unless_open("moved to another network")
        if to_network == self.network:
            raise NotAllowed(f"{self.reference} is already in {to_network}")
        event = AbstractMoved(
            congress_id=congress_id,
            abstract_id=self.id,
            reference=self.reference,
            from_network=self.network,
            to_network=to_network,
            release_id=release_id,
            moved_at=now,
            moved_by=who,
        )
        return replace(self, network=to_network, updated_at=now), event

    def _decided(self, verdict: Verdict, congress_id: str, release_id: str | None) -> tuple[Abstract, AbstractDecided]:
        chosen = verdict.format or self.format
        decided = replace(
            self,
            status=Status.of(verdict.decision),
            decided_format=chosen,
            decided_by=verdict.who,
            decided_at=verdict.now,
            mean_score=verdict.mean,
        )
        event = AbstractDecided(
            congress_id=congress_id,
            abstract_id=self.id,
            reference=self.reference,
            title=self.title,
            decision=verdict.decision,
            format=chosen,
            network=self.network,
            authors=self.authors,
            submitter_email=self.submitter_email,
            mean_score=verdict.mean,
            comments_to_authors=tuple(c for c in verdict.comments if c),
            decided_at=verdict.now,
            decided_by=verdict.who,
            release_id=release_id,
            correction=not self.is_open,
            symposium=self.symposium,
        )
        return decided, event

    def content_fields(self, congress_id: str) -> dict[str, Any]:
        """The fields an AbstractSubmitted/AbstractRevised carries."""
        return {
            "congress_id": congress_id,
            "abstract_id": self.id,
            "reference": self.reference,
            "content_version": self.content_version,
            "format": self.format,
            "network": self.network,
            "title": self.title,
            "text": self.text,
            "keywords": self.keywords,
            "language": self.language,
            "authors": self.authors,
            "submitter_email": self.submitter_email,
            "symposium": self.symposium,
        }

    def draft(self) -> Draft:
        """The abstract as a draft (to fill the edit form)."""
        return Draft(
            format=self.format.value,
            network=self.network,
            title=self.title,
            text=self.text,
            keywords=self.keywords,
            language=self.language,
            authors=tuple(
                AuthorDraft(a.given_name, a.family_name, a.email, a.affiliation, a.country, a.presenting)
                for a in self.authors
            ),
            submitter_email=self.submitter_email,
            symposium=draft_of(self.symposium) if self.symposium else None,
        )


def people_of(symposium: Symposium) -> tuple[object, ...]:
    """Who has a part in a symposium's session, by folded email: each paper's presenters, the chair, the discussant."""
    presenters = tuple(
        frozenset(a.email.strip().casefold() for a in p.authors if a.presenting) for p in symposium.papers
    )
    discussant = symposium.discussant.email.strip().casefold() if symposium.discussant else None
    return (presenters, symposium.chair.email.strip().casefold(), discussant)


def _content(draft: Draft) -> dict[str, Any]:
    """What a validated draft sets on an abstract; the authors carry the abstract's language (for emails).
    A symposium's authors are its papers' merged (``symposium.merged_authors``)."""
    typed = draft.symposium if draft.is_symposium else None
    symposium = of_draft(typed, draft.language) if typed else None
    authors = merged(symposium) if symposium else authors_of(draft.authors, draft.language)
    return {
        "network": draft.network,
        "format": AbstractFormat(draft.format),
        "title": draft.title,
        "text": draft.text,
        "keywords": draft.keywords,
        "language": draft.language,
        "authors": authors,
        "submitter_email": draft.submitter_email,
        "symposium": symposium,
    }
