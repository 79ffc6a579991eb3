"""What erasing a person known by email leaves of the call for papers (docs/privacy.md, *Abstracts*).

A published programme is a publication: an abstract in it keeps its authors' names and institutions as
published (the congress's legitimate interest in an accurate record of what was presented, GDPR art. 6(1)(f)
and art. 17(3)(d)); their email addresses go. An abstract that is not in the published programme (submitted,
withdrawn, rejected, or accepted but never published) loses the person's name, institution and email. A
reviewer record is never part of the programme: it is erased whole (the reviews' scores stay, unnamed, so the
decisions they made keep their basis). Pure: plain values in, plain values out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from schemas.personal import ERASED

IsPerson = Callable[[str], bool]
"""Whether an email address is the erased person's (compares pseudonyms: ``keyring.person_ref``)."""


@dataclass(frozen=True)
class Erased:
    """What one erasure changed in abstracts' tables."""

    abstracts: int
    """Abstracts whose author entries or submitter address were the person's."""
    reviewers: int
    """Reviewer records erased."""
    submitted: tuple[str, ...] = ()
    """Ids of the abstracts the person submitted (other services keep a submitter's name by abstract id)."""


AUTHOR_FIELDS = ("given_name", "family_name", "affiliation")
"""What an author entry loses besides the email when the abstract is not in the published programme."""


def erased_author(author: dict[str, Any], *, published: bool) -> dict[str, Any]:
    """An author entry of the erased person: email gone; name and institution too unless ``published``."""
    out = {**author, "email": ERASED}
    if not published:
        out.update(dict.fromkeys(AUTHOR_FIELDS, ERASED))
    return out


def erased_content(content: dict[str, Any], is_person: IsPerson, *, published: bool) -> tuple[dict[str, Any], bool]:
    """The abstract's content with the person's author entries erased, and whether any was theirs."""
    authors = content.get("authors", [])
    hit = any(is_person(str(a.get("email", ""))) for a in authors)
    if not hit:
        return content, False
    changed = [erased_author(a, published=published) if is_person(str(a.get("email", ""))) else a for a in authors]
    return {**content, "authors": changed}, True


def erased_presenters(
    presentations: list[dict[str, Any]], is_person: IsPerson, *, published: set[str], field: str = "presenters"
) -> tuple[list[dict[str, Any]], bool]:
    """Presentations (a session's talks or a published session's presentations) with the person's presenter
    entries erased: the email always, the name unless the abstract is in the published programme."""
    hit = False
    out: list[dict[str, Any]] = []
    for item in presentations:
        people = item.get(field, [])
        if not any(is_person(str(p.get("email", ""))) for p in people):
            out.append(item)
            continue
        hit = True
        keep_name = item.get("abstract_id") in published
        out.append({**item, field: [_presenter(p, is_person, keep_name=keep_name) for p in people]})
    return out, hit


def _presenter(person: dict[str, Any], is_person: IsPerson, *, keep_name: bool) -> dict[str, Any]:
    if not is_person(str(person.get("email", ""))):
        return person
    return {**person, "email": ERASED} if keep_name else {**person, "email": ERASED, "name": ERASED}


def erased_reviewer(reviewer_id: str) -> dict[str, str]:
    """What a reviewer row reads once erased (the email stays unique and is no address)."""
    return {"name": ERASED, "email": f"erased+{reviewer_id}@invalid", "affiliation": ERASED}
