"""Messages from the organisers to a segment of delegates: who is in the segment, what a draft must hold.

Pure. Registration decides who a broadcast reaches because it owns what a segment is made of:
each registration's status, payment, invoice, country, category and add-ons, and — from the
call for papers (``AbstractDecided``) — each accepted abstract's network and presenting authors.
A segment is all confirmed delegates narrowed by any of: unpaid invoices only, a country, a
category, an add-on, a network's presenters (all given filters hold: they combine).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from schemas.registration import BroadcastRequested, BroadcastVersion
from services.common.broadcast_mail import LANGUAGES, MAX_BODY, MAX_SUBJECT, Version
from services.common.text import problem, tidy
from services.registration.domain.presenters import Presentation
from services.registration.domain.registration import Registration, Status
from services.registration.domain.roles import email_key

PART_SIZE = 500
"""Recipients per BroadcastRequested: ~20 KB of delegate ids beside the message, far below a record's 1 MB."""


@dataclass(frozen=True)
class Segment:
    """All confirmed delegates, narrowed by every filter given."""

    unpaid_invoices: bool = False
    country: str = ""
    category: str = ""
    add_on: str = ""
    network: str = ""
    """Presenting authors of abstracts accepted in this network (matched to registrations by address)."""

    def describe(self) -> str:
        words = ["confirmed delegates with an unpaid invoice" if self.unpaid_invoices else "confirmed delegates"]
        for label, value in (
            ("country", self.country),
            ("category", self.category),
            ("add-on", self.add_on),
            ("presenters of network", self.network),
        ):
            if value:
                words.append(f"{label}: {value}")
        return "; ".join(words)


@dataclass(frozen=True)
class Draft:
    """What the organiser wrote: one version per language they chose, and whom it is for."""

    versions: tuple[Version, ...]
    default_language: str
    segment: Segment


def problems(draft: Draft) -> dict[str, str]:
    """What is wrong with a draft, by form field (``subject_fr``, ``body_en``, ``default_language``)."""
    found: dict[str, str] = {}
    for v in draft.versions:
        if v.language not in LANGUAGES:
            found[f"subject_{v.language}"] = f"Messages can be written in {', '.join(LANGUAGES)}."
            continue
        for field, text, limit, multiline in (
            ("subject", v.subject, MAX_SUBJECT, False),
            ("body", v.body_markdown, MAX_BODY, True),
        ):
            name = f"{field}_{v.language}"
            if not text.strip():
                found[name] = "Write both a subject and a body for this language, or neither."
            elif len(text) > limit:
                found[name] = f"At most {limit:,} characters."
            elif (wrong := problem(text, multiline=multiline)) is not None:
                found[name] = wrong
    if not draft.versions:
        found["subject_en"] = "Write the message in at least one language."
    elif draft.default_language not in {v.language for v in draft.versions}:
        found["default_language"] = "The default language needs a version: it is sent to everyone else."
    return found


def in_segment(reg: Registration, segment: Segment, presenter_keys: set[str]) -> bool:
    """Whether the segment reaches this registration (``presenter_keys``: the network's presenters' addresses)."""
    if reg.status is not Status.CONFIRMED or (segment.unpaid_invoices and not reg.unpaid_invoice):
        return False
    if segment.country and reg.country != segment.country.upper():
        return False
    if segment.category and reg.category != segment.category:
        return False
    if segment.add_on and segment.add_on not in reg.add_ons:
        return False
    return not segment.network or email_key(reg.email) in presenter_keys


def presenter_keys(presentations: Iterable[Presentation], network: str) -> set[str]:
    """The addresses (as ``roles.email_key`` matches them) of the presenters of abstracts accepted in ``network``."""
    return {p.key for x in presentations if x.network == network for p in x.presenters if p.key}


def networks(presentations: Iterable[Presentation]) -> list[str]:
    return sorted({x.network for x in presentations if x.network})


def requested(
    *,
    congress_id: str,
    broadcast_id: str,
    draft: Draft,
    recipients: Sequence[str],
    by: str,
    at: datetime,
) -> list[BroadcastRequested]:
    """The broadcast as events: the message with each part of at most ``PART_SIZE`` recipients."""
    chunks = [tuple(recipients[i : i + PART_SIZE]) for i in range(0, len(recipients), PART_SIZE)]
    versions = tuple(
        BroadcastVersion(language=v.language, subject=v.subject, body_markdown=v.body_markdown) for v in draft.versions
    )
    return [
        BroadcastRequested(
            congress_id=congress_id,
            broadcast_id=broadcast_id,
            versions=versions,
            default_language=draft.default_language,
            segment=draft.segment.describe(),
            recipients=chunk,
            part=n,
            parts=len(chunks),
            total=len(recipients),
            requested_by=by,
            requested_at=at,
        )
        for n, chunk in enumerate(chunks, start=1)
    ]


def draft_from_form(form: Mapping[str, str]) -> Draft:
    """A draft from the compose form's fields (a language's version is there when its subject or body is)."""
    # The one text rule's tidying: NFC, a browser's CRLF as \n, no invisible characters at the edges.
    subjects = {lang: tidy(form.get(f"subject_{lang}", "")) for lang in LANGUAGES}
    bodies = {lang: tidy(form.get(f"body_{lang}", ""), multiline=True) for lang in LANGUAGES}
    versions = tuple(
        Version(lang, subjects[lang], bodies[lang]) for lang in LANGUAGES if subjects[lang] or bodies[lang]
    )
    segment = Segment(
        unpaid_invoices=form.get("unpaid_invoices", "") in ("1", "on", "true"),
        country=form.get("country", "").strip().upper(),
        category=form.get("category", "").strip(),
        add_on=form.get("add_on", "").strip(),
        network=form.get("network", "").strip(),
    )
    return Draft(versions=versions, default_language=form.get("default_language", "en").strip(), segment=segment)
