"""A symposium's chair and discussant hear of its slot like its presenters, with the same calendar entry.

Pure: no I/O. ``SessionScheduled`` names the chair and discussant but carries no address; notify keeps each
accepted symposium's role holders from ``AbstractDecided.symposium`` (``adapters/abstracts.py``, forgotten on
``AuthorErased``; replaced when an organiser changes an accepted symposium's people, ``AbstractRevised``
with ``accepted_format``) and passes those of the session's abstracts in ``Known.roles``. Someone who also presents in
the session hears once, as a presenter. The slot's ``.ics`` has the abstract's UID, as the presenters' has, so
a later version (SEQUENCE) or a cancellation updates the same calendar entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from schemas.abstracts import AbstractDecided, AbstractFormat, AbstractRevised, Decision
from services.notify.domain.abstracts import author_id
from services.notify.domain.rules import Recipient

CHAIR = "chair"
DISCUSSANT = "discussant"


@dataclass(frozen=True)
class RoleHolder:
    """The chair or discussant of one accepted symposium, as notify keeps them."""

    abstract_id: str
    role: str
    email: str
    name: str
    language: str

    @property
    def recipient(self) -> Recipient:
        return Recipient(recipient_id=author_id(self.email), email=self.email, name=self.name, language=self.language)


def role_holders(data: AbstractDecided | AbstractRevised) -> list[RoleHolder]:
    """An accepted symposium's chair and discussant (none for anything else, nor for a rejection); after an
    organiser's change of an accepted one (``AbstractRevised.accepted_format``), those it names now."""
    symposium = data.symposium
    if isinstance(data, AbstractRevised):
        accepted = data.accepted_format is AbstractFormat.SYMPOSIUM
    else:
        accepted = data.decision is Decision.ACCEPTED
    if symposium is None or not accepted:
        return []
    people = [(CHAIR, symposium.chair), (DISCUSSANT, symposium.discussant)]
    return [
        RoleHolder(data.abstract_id, role, p.email, f"{p.given_name} {p.family_name}", p.language)
        for role, p in people
        if p is not None
    ]


def to_tell(holders: Iterable[RoleHolder], presenting: set[str]) -> list[RoleHolder]:
    """Each holder once (by address), but those who present in the session (they hear as presenters)."""
    seen: dict[str, RoleHolder] = {}
    for h in holders:
        rid = h.recipient.recipient_id
        if rid not in presenting:
            seen.setdefault(rid, h)
    return list(seen.values())
