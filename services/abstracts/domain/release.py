"""A release: the staged decisions applied together, and one message per person listing their abstracts.

``apply`` turns one staged decision into the abstract as it now is and its event (``AbstractDecided`` with
the release's id, or ``AbstractMoved``); ``letters`` groups what was released by person — every author (by
address, case-insensitive) and the submitter when not an author — so each hears once per release, a change
after an earlier release marked as a correction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from schemas.abstracts import AbstractDecided, AbstractMoved, DecisionsReleased, Outcome, ReleasedAbstract
from services.abstracts.domain.abstract import Abstract, Status, Verdict
from services.abstracts.domain.staging import Choice, Staged


@dataclass(frozen=True)
class Released:
    """One abstract before and after its staged decision was applied, and the comments the authors get."""

    before: Abstract
    after: Abstract
    comments: tuple[str, ...]

    @property
    def outcome(self) -> Outcome:
        if self.after.status is Status.ACCEPTED:
            return Outcome.ACCEPTED
        if self.after.status is Status.REJECTED:
            return Outcome.REJECTED
        return Outcome.MOVED


@dataclass(frozen=True)
class Context:
    """What every decision of one release shares."""

    congress_id: str
    release_id: str
    who: str
    now: datetime


def apply(
    abstract: Abstract, staged: Staged, mean: float | None, comments: Sequence[str], ctx: Context
) -> tuple[Released, AbstractDecided | AbstractMoved]:
    """The staged decision applied (``NotAllowed`` when it no longer can be, e.g. the abstract was withdrawn)."""
    kept = tuple(c for c in comments if c)
    event: AbstractDecided | AbstractMoved
    decision = staged.choice.decision
    if decision is None:
        after, event = abstract.move(staged.to_network or "", ctx.who, ctx.now, ctx.congress_id, ctx.release_id)
    else:
        fmt = staged.format if staged.choice is Choice.ACCEPT else None
        verdict = Verdict(decision, fmt, ctx.who, ctx.now, mean, kept)
        after, event = abstract.release(verdict, ctx.congress_id, ctx.release_id)
    return Released(abstract, after, kept if decision is not None else ()), event


def letters(released: Sequence[Released], ctx: Context) -> list[DecisionsReleased]:
    """One DecisionsReleased per person, in order of first appearance, listing all their released abstracts."""
    people: dict[str, dict[str, str]] = {}
    items: dict[str, list[ReleasedAbstract]] = {}
    for one in released:
        for person, presenting in _people(one.after):
            key = person["email"].strip().casefold()
            people.setdefault(key, person)
            listed = items.setdefault(key, [])
            if all(i.abstract_id != one.after.id for i in listed):
                listed.append(_item(one, presenting))
    return [
        DecisionsReleased(
            congress_id=ctx.congress_id,
            release_id=ctx.release_id,
            **people[key],
            abstracts=tuple(items[key]),
            correction=any(i.correction for i in items[key]),
            released_at=ctx.now,
            released_by=ctx.who,
        )
        for key in people
    ]


def _people(abstract: Abstract) -> list[tuple[dict[str, str], bool]]:
    out = [
        (
            {"email": a.email, "given_name": a.given_name, "family_name": a.family_name, "language": a.language},
            a.presenting,
        )
        for a in abstract.authors
    ]
    if not any(a.email.strip().casefold() == abstract.submitter_email.strip().casefold() for a in abstract.authors):
        out.append(({"email": abstract.submitter_email, "language": abstract.language}, False))
    return out


def _item(one: Released, presenting: bool) -> ReleasedAbstract:
    after = one.after
    moved = one.outcome is Outcome.MOVED
    return ReleasedAbstract(
        abstract_id=after.id,
        reference=after.reference,
        title=after.title,
        outcome=one.outcome,
        format=after.decided_format or after.format,
        asked_format=after.format,
        network=one.before.network,
        moved_to=after.network if moved else None,
        presenting=presenting,
        comments_to_authors=one.comments,
        correction=not one.before.is_open,
    )
