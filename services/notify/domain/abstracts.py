"""Which abstracts event causes which message, to whom: receipts, reviewer invitations, decisions.

Pure: no I/O. Notify keeps two small things of its own (``adapters/abstracts.py``):
each reviewer assignment (``ReviewerUnassigned`` carries only the ids) and the format
each abstract asked for (``AbstractDecided`` carries only the accepted one). Authors
have no id of their own, so a message to an author is keyed by a digest of their
address (``author_id``); several messages of one template for one cause (one per author
of a decision) differ by ``MessagePlan.key``, which enters the Message-ID.

Reviewers never learn who wrote an abstract: their messages' context holds the
``ReviewerAssigned`` events only, which carry no author identity.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from schemas.abstracts import (
    AbstractContent,
    AbstractDecided,
    AbstractFormat,
    AbstractRevised,
    AbstractsEvent,
    AbstractSubmitted,
    AbstractWithdrawn,
    Author,
    Decision,
    DecisionsReleased,
    ReviewerAssigned,
    ReviewerAssignedFields,
    ReviewerAssignedV2,
    ReviewerUnassigned,
    ReviewSubmitted,
)
from schemas.base import EventData
from services.notify.domain.rules import MessagePlan, Recipient, UnknownRecipient, name_in_order

ABSTRACT_EVENTS: tuple[type[EventData], ...] = (
    AbstractSubmitted,
    AbstractRevised,
    AbstractWithdrawn,
    ReviewerAssigned,
    ReviewerAssignedV2,
    ReviewerUnassigned,
    ReviewSubmitted,
    AbstractDecided,
    DecisionsReleased,
)
ABSTRACT_TEMPLATES: tuple[str, ...] = (
    "abstract_received",
    "abstract_coauthor",
    "abstract_revised",
    "abstract_withdrawn",
    "review_invitation",
    "review_unassigned",
    "abstract_accepted",
    "abstract_rejected",
    "decisions_released",
)
INVITATION = "review_invitation"
REVIEWER_TEMPLATES = frozenset({INVITATION, "review_unassigned"})


@dataclass(frozen=True)
class AbstractsSettings:
    """What the congress file's ``abstracts:`` (and ``registration:``) sections tell the authors' emails."""

    deadline: date | None = None
    """Last day to revise (congress timezone); None: the sentence is left out."""
    registration_url: str | None = None
    """Where presenting authors register; None: they are told in plain words."""
    networks: Mapping[str, str] = field(default_factory=dict)
    """Network code → name, when the file lists them."""


def abstracts_settings(abstracts: Mapping[str, Any], registration: Mapping[str, Any]) -> AbstractsSettings:
    """Read leniently: a missing or malformed value leaves its sentence out instead of stopping notify."""
    url = next(
        (
            v
            for v in (abstracts.get("registration_url"), registration.get("url"), registration.get("public_url"))
            if isinstance(v, str) and v.startswith(("http://", "https://"))
        ),
        None,
    )
    return AbstractsSettings(
        deadline=_a_day(abstracts.get("deadline")), registration_url=url, networks=_networks(abstracts)
    )


def _a_day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip()).date()
        except ValueError:
            return None
    if isinstance(value, Mapping):  # e.g. {date: 2026-09-30, timezone: AoE}
        return _a_day(value.get("date") or value.get("at") or value.get("until"))
    return None


def _networks(abstracts: Mapping[str, Any]) -> dict[str, str]:
    raw = abstracts.get("networks")
    if isinstance(raw, Mapping):
        return {str(k): str(v.get("name", k) if isinstance(v, Mapping) else v) for k, v in raw.items()}
    if isinstance(raw, list):
        return {
            str(n["code"]): str(n.get("name") or n.get("label") or n["code"])
            for n in raw
            if isinstance(n, Mapping) and "code" in n
        }
    return {}


@dataclass(frozen=True)
class Assignment:
    """What notify keeps of a ``ReviewerAssigned``, so that ``ReviewerUnassigned`` can be told to the reviewer."""

    abstract_id: str
    reviewer_id: str
    email: str
    name: str
    language: str
    reference: str
    title: str


def assignment_from(data: ReviewerAssignedFields) -> Assignment:
    return Assignment(
        abstract_id=data.abstract_id,
        reviewer_id=data.reviewer_id,
        email=data.reviewer_email,
        name=data.reviewer_name,
        language=data.reviewer_language,
        reference=data.reference,
        title=data.title,
    )


@dataclass(frozen=True)
class AbstractSeen:
    """What notify keeps of an abstract's newest submission or revision."""

    asked_format: AbstractFormat
    submitter_name: str


def abstract_seen(data: AbstractContent) -> AbstractSeen:
    return AbstractSeen(asked_format=data.format, submitter_name=submitter(data.authors, data.submitter_email).name)


def author_id(email: str) -> str:
    """A stable id for an author (who has none): a digest of the address, so keys carry no address."""
    return "author-" + hashlib.sha256(email.strip().casefold().encode()).hexdigest()[:24]


def author_recipient(author: Author) -> Recipient:
    return Recipient(
        recipient_id=author_id(author.email),
        email=author.email,
        name=name_in_order(author.given_name, author.family_name, author.language),
        language=author.language,
    )


def submitter(authors: Sequence[Author], email: str, language: str = "en") -> Recipient:
    """The submitter as an author when listed (their name and language), else their address alone."""
    listed = next((a for a in authors if same_address(a.email, email)), None)
    if listed is not None:
        return author_recipient(listed)
    return Recipient(recipient_id=author_id(email), email=email, language=language)


def same_address(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


# ---- planning ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    """What notify remembers that the event itself does not carry."""

    assignment: Assignment | None = None
    abstract: AbstractSeen | None = None
    invitations: tuple[ReviewerAssignedFields, ...] | None = None
    """This reviewer's assignments in the batch when this event leads them; () when another event does."""


def plan_abstract_messages(
    data: AbstractsEvent, cause_event_id: str, settings: AbstractsSettings, known: Known = Known()
) -> list[MessagePlan]:
    """The messages one abstracts event causes. Raises ``UnknownRecipient`` for an unassignment notify never saw."""
    base: dict[str, Any] = {"event": data, "settings": settings, "network": _network_name(data, settings)}
    if isinstance(data, (AbstractContent, AbstractDecided)):
        base["authors"] = [
            {
                "name": name_in_order(a.given_name, a.family_name, a.language),
                "affiliation": a.affiliation,
                "presenting": a.presenting,
            }
            for a in data.authors
        ]

    def plan(template: str, to: Recipient, **context: Any) -> MessagePlan:
        addressed_as = "reviewer" if template in REVIEWER_TEMPLATES else "author"
        return MessagePlan(
            template=template,
            cause_event_id=cause_event_id,
            recipient=to,
            context={**base, "addressed_as": addressed_as, **context},
            key=to.recipient_id,
            about=data.abstract_id,
        )

    if isinstance(data, AbstractSubmitted):
        owner = submitter(data.authors, data.submitter_email)
        others = _co_authors(data.authors, data.submitter_email)
        return [plan("abstract_received", owner)] + [
            plan("abstract_coauthor", author_recipient(a), submitter_name=owner.name or owner.email) for a in others
        ]
    if isinstance(data, AbstractRevised):
        return [plan("abstract_revised", submitter(data.authors, data.submitter_email))]
    if isinstance(data, AbstractWithdrawn):
        owner = submitter((), data.submitter_email, data.language)
        name = known.abstract.submitter_name if known.abstract is not None else ""
        return [plan("abstract_withdrawn", replace(owner, name=name))]
    if isinstance(data, ReviewerAssignedFields):
        return _invitation(data, known, plan)
    if isinstance(data, ReviewerUnassigned):
        if known.assignment is None:
            raise UnknownRecipient(f"no assignment of reviewer {data.reviewer_id} to abstract {data.abstract_id}")
        a = known.assignment
        to = Recipient(recipient_id=a.reviewer_id, email=a.email, name=a.name, language=a.language)
        return [plan("review_unassigned", to, assignment=a)]
    if isinstance(data, AbstractDecided):
        return _decision(data, known, plan)
    return []


def _invitation(data: ReviewerAssignedFields, known: Known, plan: Any) -> list[MessagePlan]:
    group = known.invitations if known.invitations is not None else (data,)
    if not group:
        return []  # another assignment of this batch invites this reviewer to all of them in one message
    to = Recipient(
        recipient_id=data.reviewer_id,
        email=data.reviewer_email,
        name=data.reviewer_name,
        language=data.reviewer_language,
    )
    return [plan(INVITATION, to, assignments=group)]


def _decision(data: AbstractDecided, known: Known, plan: Any) -> list[MessagePlan]:
    if data.release_id is not None:
        return []  # released with others: each person hears once, by the release's DecisionsReleased
    template = "abstract_accepted" if data.decision == Decision.ACCEPTED else "abstract_rejected"
    asked = known.abstract.asked_format if known.abstract is not None else None
    changed = asked if asked not in (None, data.format) else None
    seen: set[str] = set()
    plans = []
    for author in data.authors:
        to = author_recipient(author)
        if to.recipient_id in seen:
            continue
        seen.add(to.recipient_id)
        plans.append(plan(template, to, presenting=author.presenting, asked_format=changed))
    if not any(same_address(a.email, data.submitter_email) for a in data.authors):
        plans.append(plan(template, submitter((), data.submitter_email), presenting=False, asked_format=changed))
    return plans


def _co_authors(authors: Sequence[Author], submitter_email: str) -> list[Author]:
    out: dict[str, Author] = {}
    for author in authors:
        if not same_address(author.email, submitter_email):
            out.setdefault(author.email.strip().casefold(), author)
    return list(out.values())


def _network_name(data: AbstractsEvent, settings: AbstractsSettings) -> str:
    code = getattr(data, "network", "")
    return settings.networks.get(code, code) if isinstance(code, str) else ""


def group_invitations(events: Sequence[tuple[str, EventData]]) -> dict[str, tuple[ReviewerAssignedFields, ...]]:
    """One invitation per reviewer per batch: the first assignment leads (all of them), the others are covered (())."""
    by_reviewer: dict[str, list[tuple[str, ReviewerAssignedFields]]] = {}
    for event_id, data in events:
        if isinstance(data, ReviewerAssignedFields):
            by_reviewer.setdefault(data.reviewer_id, []).append((event_id, data))
    groups: dict[str, tuple[ReviewerAssignedFields, ...]] = {}
    for assigned in by_reviewer.values():
        lead, *rest = assigned
        groups[lead[0]] = tuple(d for _, d in assigned)
        groups.update({event_id: () for event_id, _ in rest})
    return groups
