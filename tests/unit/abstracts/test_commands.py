"""The authors' and the decision commands against fakes of the ports: no database, no framework.

What they must do whatever the store: stage the event only when the change is saved, in the same unit
of work; refuse (and stage nothing) when the abstract's rule or a concurrent change says no.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from schemas.abstracts import AbstractDecided, AbstractFormat, AbstractSubmitted, AbstractWithdrawn, Decision
from schemas.audit import OrganiserActed
from schemas.base import EventData
from services.abstracts.commands import authors, deciding
from services.abstracts.commands.context import Deps
from services.abstracts.config import load_abstracts
from services.abstracts.domain.abstract import Abstract, Status
from services.abstracts.domain.errors import NotAllowed, Rejected
from services.abstracts.domain.submission import AuthorDraft, Draft
from services.common import audit
from services.common.congress import load_congress

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TEXT = " ".join(["Schools that use data well improve their teaching and learning."] * 12)


@dataclass
class FakeAbstracts:
    """The part of ``AbstractStore`` these commands use, in memory."""

    rows: dict[str, Abstract] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    lose_races: bool = False

    async def next_number(self, counter: str) -> int:
        self.counters[counter] = self.counters.get(counter, 0) + 1
        return self.counters[counter]

    async def add(self, abstract: Abstract) -> None:
        self.rows[abstract.id] = abstract

    async def get(self, abstract_id: str) -> Abstract | None:
        return self.rows.get(abstract_id)

    async def save(self, abstract: Abstract, *, was: Status) -> bool:
        if self.lose_races or self.rows[abstract.id].status is not was:
            return False
        self.rows[abstract.id] = abstract
        return True

    async def reviews_of(self, abstract_id: str) -> list[dict[str, Any]]:
        return [r for r in self.reviews if r["abstract_id"] == abstract_id]


@dataclass
class FakeNotices:
    """``NoticesShown`` in memory: abstract id -> (version, language)."""

    shown_for: dict[str, tuple[str, str]] = field(default_factory=dict)

    async def record(self, abstract_id: str, version: str, language: str, now: datetime) -> None:
        self.shown_for[abstract_id] = (version, language)

    async def shown(self, abstract_id: str) -> tuple[str, str] | None:
        return self.shown_for.get(abstract_id)


@dataclass
class FakeUnit:
    abstracts: FakeAbstracts
    staged: list[EventData] = field(default_factory=list)
    notices: FakeNotices = field(default_factory=FakeNotices)

    def stage(self, event: EventData) -> None:
        self.staged.append(event)


@dataclass
class FakeUnits:
    """Units of work whose staged events count as published only when the unit ends without an error."""

    store: FakeAbstracts = field(default_factory=FakeAbstracts)
    published: list[EventData] = field(default_factory=list)
    notices: FakeNotices = field(default_factory=FakeNotices)

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[FakeUnit]:
        unit = FakeUnit(self.store, notices=self.notices)
        yield unit
        self.published.extend(unit.staged)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[FakeUnit]:
        yield FakeUnit(self.store, notices=self.notices)


@pytest.fixture
def units() -> FakeUnits:
    return FakeUnits()


@pytest.fixture
def deps(units: FakeUnits) -> Deps:
    congress = load_congress(None)
    config = load_abstracts(congress)
    return Deps(
        units=units,  # type: ignore[arg-type]  # a fake of the parts these commands use
        congress=congress,
        config=config.model_copy(update={"deadline": date(2027, 1, 1)}),
        rules=config.rules(),
        secret="s",
        public_url="http://testserver",
        is_email=lambda value: "@" in value,
        clock=lambda: NOW,
    )


def draft(**over: Any) -> Draft:
    author = AuthorDraft("Aiko", "Tanaka", "aiko@example.org", "東京大学", "JP", presenting=True)
    base: dict[str, Any] = {
        "format": "paper",
        "network": "DU",
        "title": "Data use in schools",
        "text": TEXT,
        "keywords": ("data use",),
        "language": "en",
        "authors": (author,),
        "submitter_email": "aiko@example.org",
    }
    return Draft(**(base | over))


async def test_submit_saves_and_stages_one_event_with_the_next_reference(deps: Deps, units: FakeUnits) -> None:
    first = await authors.submit(deps, draft())
    second = await authors.submit(deps, draft(title="Another"))
    assert (first.reference, second.reference) == (
        f"{deps.congress.number_prefix}-A-0001",
        f"{deps.congress.number_prefix}-A-0002",
    )
    assert [type(e) for e in units.published] == [AbstractSubmitted, AbstractSubmitted]
    assert units.store.rows[first.abstract_id].status is Status.SUBMITTED
    assert units.notices.shown_for[first.abstract_id] == (deps.privacy.current.version, "en")  # the notice shown


async def test_a_notice_version_never_published_is_refused(deps: Deps, units: FakeUnits) -> None:
    with pytest.raises(Rejected) as refused:
        await authors.submit(deps, replace(draft(), notice_version="0-never"))
    assert "notice_version" in refused.value.errors and units.notices.shown_for == {}


async def test_a_rejected_draft_saves_and_stages_nothing(deps: Deps, units: FakeUnits) -> None:
    with pytest.raises(Rejected) as refused:
        await authors.submit(deps, draft(title="", network="XX"))
    assert {"title", "network"} <= refused.value.errors.keys()
    assert units.published == [] and units.store.rows == {} and units.store.counters == {}


async def test_a_change_that_loses_a_race_stages_nothing(deps: Deps, units: FakeUnits) -> None:
    done = await authors.submit(deps, draft())
    units.store.lose_races = True
    with pytest.raises(NotAllowed, match="changed meanwhile"):
        await authors.withdraw(deps, done.abstract_id, "")
    assert [type(e) for e in units.published] == [AbstractSubmitted]


async def test_decide_once_with_the_mean_of_the_reviews(deps: Deps, units: FakeUnits) -> None:
    done = await authors.submit(deps, draft())
    units.store.reviews = [
        {"abstract_id": done.abstract_id, "scores": {"a": 4, "b": 5}, "comments_to_authors": "Clear."},
        {"abstract_id": done.abstract_id, "scores": {"a": 3, "b": 3}, "comments_to_authors": ""},
    ]
    decided = await deciding.decide(
        deps, done.abstract_id, Decision.ACCEPTED, AbstractFormat.POSTER, audit.organiser("acc-org")
    )
    assert (decided.status, decided.decided_format, decided.mean_score) == (
        Status.ACCEPTED,
        AbstractFormat.POSTER,
        3.75,
    )
    with pytest.raises(NotAllowed, match="a decision cannot be changed here"):
        await deciding.decide(deps, done.abstract_id, Decision.REJECTED, None, audit.organiser("acc-org"))
    event, record = units.published[-2:]
    assert isinstance(event, AbstractDecided) and event.comments_to_authors == ("Clear.",)
    assert [type(e) for e in units.published] == [AbstractSubmitted, AbstractDecided, OrganiserActed]
    assert isinstance(record, OrganiserActed) and (record.action, record.actor) == (
        "abstracts.decide",
        "acc-org",
    )


async def test_an_accepted_abstract_may_still_be_withdrawn(deps: Deps, units: FakeUnits) -> None:
    done = await authors.submit(deps, draft())
    await deciding.decide(deps, done.abstract_id, Decision.ACCEPTED, None, audit.organiser("acc-org"))
    withdrawn = await authors.withdraw(deps, done.abstract_id, "visa refused")
    assert withdrawn.status is Status.WITHDRAWN
    assert isinstance(units.published[-1], AbstractWithdrawn)
