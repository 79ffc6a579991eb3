"""What a badge prints of a delegate's names, and the alert when that is not what they typed.

Both the renderer (``pdf.PdfRenderer.badge_view``) and the handler that records the badge ask this
module, so the alert names exactly what the badge printed. A text with a character no installed
font has is printed as its printable part plus a transliteration (``services.common.printable``);
the badge is issued all the same and ``BadgeTextReplaced`` tells the organisers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from schemas.badges import BadgeTextReplaced, DocumentKind, DocumentTextReplaced, TextReplacement
from services.badges.adapters import db
from services.common.printable import Printed, code_points, printable
from services.common.text import clean_for_display


class BadgeFace(Protocol):
    """What a badge's texts are made of (``pdf.BadgeContent``, ``db.DelegateRow``)."""

    @property
    def given_name(self) -> str: ...
    @property
    def family_name(self) -> str: ...
    @property
    def badge_name(self) -> str: ...
    @property
    def affiliation(self) -> str: ...


def badge_texts(face: BadgeFace) -> dict[str, Printed]:
    """The badge's names and affiliation as printed: cleaned by the text rule, then made printable.

    The given name falls back to the badge name. When a name cannot print as typed and the delegate
    gave a badge name that can (the registration form asks for one then), the badge name is printed
    instead of the given and family names; otherwise each name prints its printable part plus a
    transliteration.
    """
    badge_name = clean_for_display(face.badge_name)
    given = printable(clean_for_display(face.given_name) or badge_name, fallback=badge_name)
    family = printable(clean_for_display(face.family_name))
    if (given.replaced or family.replaced) and badge_name and not printable(badge_name).replaced:
        given = Printed(given.original, badge_name, given.missing or family.missing)
        family = Printed(family.original, "", family.missing)
    return {
        "given name": given,
        "family name": family,
        "affiliation": printable(clean_for_display(face.affiliation)),
    }


def replacements(face: BadgeFace) -> tuple[TextReplacement, ...]:
    """Each text of the badge that is not printed as typed."""
    return tuple(
        TextReplacement(field=field, typed=text.original, printed=text.text, missing=tuple(code_points(text.missing)))
        for field, text in badge_texts(face).items()
        if text.replaced
    )


def replaced_text_alert(
    face: BadgeFace, *, congress_id: str, delegate_id: str, version: int
) -> list[BadgeTextReplaced]:
    """``BadgeTextReplaced`` for a badge just issued, if it could not print a text as typed."""
    found = replacements(face)
    if not found:
        return []
    return [
        BadgeTextReplaced(
            congress_id=congress_id, delegate_id=delegate_id, registration_version=version, replacements=found
        )
    ]


def document_text_alert(
    *, congress_id: str, delegate_id: str, kind: str, number: str, texts: Mapping[str, str]
) -> list[DocumentTextReplaced]:
    """``DocumentTextReplaced`` for a document just issued, if one of ``texts`` (field → as typed) does not print
    as typed: the document prints each text as the text rule shows it, made printable (``pdf.printed``)."""
    found = []
    for field, typed in texts.items():
        shown = clean_for_display(typed, multiline="\n" in typed)
        text = printable(shown)
        if text.replaced:
            found.append(
                TextReplacement(field=field, typed=shown, printed=text.text, missing=tuple(code_points(text.missing)))
            )
    if not found:
        return []
    return [
        DocumentTextReplaced(
            congress_id=congress_id,
            delegate_id=delegate_id,
            kind=DocumentKind(kind),
            document_number=number,
            replacements=tuple(found),
        )
    ]


@dataclass(frozen=True)
class ReplacedBadge:
    """A confirmed delegate whose badge prints a text transliterated (the organiser page lists them)."""

    registration_number: str
    delegate_id: str
    replacements: tuple[TextReplacement, ...]


async def replaced_badges(session: AsyncSession) -> list[ReplacedBadge]:
    """Every confirmed delegate of the replica whose badge cannot print a text as typed."""
    query = select(
        db.delegates.c.registration_number,
        db.delegates.c.delegate_id,
        db.delegates.c.given_name,
        db.delegates.c.family_name,
        db.delegates.c.badge_name,
        db.delegates.c.affiliation,
    ).where(db.delegates.c.status == "confirmed")
    out = []
    for row in (await session.execute(query.order_by(db.delegates.c.registration_number))).all():
        found = replacements(row)
        if found:
            out.append(ReplacedBadge(row.registration_number, row.delegate_id, found))
    return out
