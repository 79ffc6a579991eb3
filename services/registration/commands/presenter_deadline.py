"""Presenters must register by the deadline: what registration keeps, checks and emits about it.

``on_decided``/``on_withdrawn`` keep each accepted abstract's presenting authors (from the
abstracts consumer, in the transaction that records the event); ``on_revised`` follows an
organiser's change of them (an accepted symposium's presenting authors), so the rule chases the
presenters named now. ``sweep`` (run by the service's periodic sweeper) emits, through the outbox,
a ``PresenterRegistrationReminder`` on each reminder day and a ``PresenterUnregistered`` after the
deadline for every accepted abstract none of whose presenters holds a confirmed registration
(``presenters.py`` has the rules), recording each in ``reg_presenter_notices`` in the same
transaction, so each goes out once; and a ``PresenterRegistered`` when an abstract reported
unregistered is covered again (a presenter registered late). ``statuses`` is the organisers' view
of the same facts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from schemas.abstracts import (
    AbstractDecided,
    AbstractFormat,
    AbstractRevised,
    AbstractWithdrawn,
    Author,
    Decision,
    Symposium,
)
from schemas.registration import (
    PresenterEvent,
    PresenterRegistered,
    PresenterRegistrationReminder,
    PresenterUnregistered,
    PresentingAuthor,
)
from services.registration.commands.records import Deps
from services.registration.domain import presenters
from services.registration.domain.presenters import Deadline, Notice, Presentation
from services.registration.domain.roles import email_key
from services.registration.ports import Tx

log = logging.getLogger("congress.registration.presenters")


def deadline_of(deps: Deps) -> Deadline | None:
    """The configured deadline (None: presenters are not chased)."""
    day = deps.config.presenter_registration_deadline
    if day is None:
        return None
    return Deadline(day=day, tz=deps.congress.tz, reminder_days=deps.config.presenter_reminder_days)


def paper_numbers(decided: AbstractDecided) -> dict[str, tuple[int, ...]]:
    """Email key → the symposium papers (from 1) they present; empty unless accepted as a symposium."""
    return _numbers(decided.symposium if decided.format is AbstractFormat.SYMPOSIUM else None)


def _numbers(symposium: Symposium | None) -> dict[str, tuple[int, ...]]:
    numbers: dict[str, tuple[int, ...]] = {}
    if symposium is None:
        return numbers
    for number, paper in enumerate(symposium.papers, start=1):
        for author in paper.authors:
            key = email_key(author.email)
            if author.presenting and key and number not in numbers.get(key, ()):
                numbers[key] = (*numbers.get(key, ()), number)
    return numbers


def presentation_from(decided: AbstractDecided) -> Presentation:
    """An accepted abstract's presenters; a symposium's each with the papers they present."""
    return Presentation(
        abstract_id=decided.abstract_id,
        reference=decided.reference,
        title=decided.title,
        presenters=_presenters(decided.authors, paper_numbers(decided)),
        accepted_at=decided.decided_at,
        network=decided.network,
    )


def revised_presentation(kept: Presentation, revised: AbstractRevised) -> Presentation:
    """An accepted abstract an organiser changed: its presenters (and title) now, accepted when it was."""
    symposium = revised.symposium if revised.accepted_format is AbstractFormat.SYMPOSIUM else None
    people = _presenters(revised.authors, _numbers(symposium))
    return replace(kept, title=revised.title, presenters=people)


def _presenters(authors: Sequence[Author], papers: dict[str, tuple[int, ...]]) -> tuple[presenters.Presenter, ...]:
    return presenters.presenters_of(
        [
            (
                presenters.Presenter(
                    a.given_name, a.family_name, a.email.strip(), a.language, papers.get(email_key(a.email), ())
                ),
                a.presenting,
            )
            for a in authors
        ]
    )


async def on_decided(tx: Tx, decided: AbstractDecided) -> None:
    if decided.decision is Decision.ACCEPTED:
        await tx.presentations.remember(presentation_from(decided))
    else:
        await tx.presentations.forget(decided.abstract_id)


async def on_revised(tx: Tx, revised: AbstractRevised) -> None:
    """An organiser changed an accepted abstract: the presenters who must register are those it names now."""
    kept = await tx.presentations.get(revised.abstract_id)
    if revised.accepted_format is not None and kept is not None:
        await tx.presentations.remember(revised_presentation(kept, revised))


async def on_withdrawn(tx: Tx, withdrawn: AbstractWithdrawn) -> None:
    await tx.presentations.forget(withdrawn.abstract_id)


@dataclass(frozen=True)
class Status:
    """An accepted abstract and whether a presenter of it is registered (for the organisers)."""

    presentation: Presentation
    covered: bool
    registered: tuple[str, ...]
    """Email keys of its presenters holding a confirmed registration."""
    notices: tuple[str, ...]
    """Causes of the notices emitted about it so far."""


async def statuses(tx: Tx) -> list[Status]:
    every = await tx.presentations.all_presentations()
    confirmed = await tx.presentations.confirmed_keys({p.key for x in every for p in x.presenters})
    sent = await tx.presentations.sent_notices()
    return [
        Status(
            presentation=x,
            covered=presenters.is_covered(x, confirmed),
            registered=tuple(p.key for p in x.presenters if p.key in confirmed),
            notices=tuple(sorted(sent.get(x.abstract_id, ()))),
        )
        for x in every
    ]


async def due_notices(tx: Tx, deadline: Deadline, now: datetime) -> list[tuple[Presentation, Notice]]:
    """Every notice due at ``now`` and not emitted yet, with its abstract."""
    due = []
    for status in await statuses(tx):
        notice = presenters.notice_due(status.presentation, deadline, now, covered=status.covered, sent=status.notices)
        if notice is not None:
            due.append((status.presentation, notice))
    return due


async def sweep(deps: Deps, now: datetime | None = None) -> list[PresenterEvent | PresenterRegistered]:
    """Emit every presenter notice due at ``now`` (default: the clock) not emitted before; returns them."""
    deadline = deadline_of(deps)
    if deadline is None:
        return []
    now = now or deps.clock()
    async with deps.units.read() as tx:  # read first: most sweeps have nothing to write
        if not await due_notices(tx, deadline, now):
            return []
    emitted: list[PresenterEvent | PresenterRegistered] = []
    async with deps.units.begin() as tx:
        for presentation, notice in await due_notices(tx, deadline, now):
            event = tx.stage(notice_event(deps, presentation, deadline, notice, now))
            await tx.presentations.record_notice(presentation.abstract_id, notice.cause, event.id, now)
            emitted.append(event.data)
            log.info(
                "presenter notice %s",
                notice.cause,
                extra={"event_id": event.id, "abstract_id": presentation.abstract_id},
            )
    return emitted


def notice_event(
    deps: Deps, presentation: Presentation, deadline: Deadline, notice: Notice, now: datetime
) -> PresenterEvent | PresenterRegistered:
    if notice.cause == presenters.REGISTERED:
        return PresenterRegistered(
            congress_id=deps.congress.id,
            abstract_id=presentation.abstract_id,
            reference=presentation.reference,
            registered_at=now.astimezone(UTC),
        )
    common = {
        "congress_id": deps.congress.id,
        "abstract_id": presentation.abstract_id,
        "reference": presentation.reference,
        "title": presentation.title,
        "presenters": tuple(
            PresentingAuthor(given_name=p.given_name, family_name=p.family_name, email=p.email, language=p.language)
            for p in presentation.presenters
        ),
        "deadline": deadline.day,
        "deadline_at": deadline.ends_at.astimezone(UTC),
        "timezone": str(deadline.tz.key),
        "registration_url": f"{deps.public_url}/",
    }
    if notice.days is None:
        return PresenterUnregistered(**common, accepted_at=presentation.accepted_at)
    return PresenterRegistrationReminder(**common, reminder_days=notice.days, days_left=deadline.days_left(now))
