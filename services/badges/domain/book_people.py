"""The people in the book's replica of abstracts: a pseudonym beside each, and what their erasure leaves.

The replica keeps no address (the book prints none), so each author entry (and a symposium's chair, discussant
and papers' authors) keeps the person's pseudonym instead (``person``: ``keyring.person_ref`` of their address),
and an erasure (``AuthorErased``/``RegistrationErased`` carry the pseudonym) finds them by it. The rule is
abstracts' (docs/privacy.md, *What a published programme keeps*): in an abstract of the published programme the
name and institution stay as printed; in any other (submitted, rejected, accepted but never published) they read
``erased``. Pure: plain values in, plain values out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from schemas.personal import ERASED

PERSON = "person"
"""The key of an entry's pseudonym in the replica's JSON."""
NAME_FIELDS = ("given_name", "family_name", "name", "affiliation")
"""What an erased person's entry loses in an abstract outside the published programme."""

Pseudonym = Callable[[str], str]
"""An address's pseudonym (``keyring.person_ref`` bound to the congress secret)."""
Visit = Callable[[dict[str, Any]], dict[str, Any]]


def _people(content: Mapping[str, Any], visit: Visit) -> dict[str, Any]:
    """``content`` with ``visit`` applied to every entry that names a person."""
    out = {**content, "authors": [visit(dict(a)) for a in content.get("authors") or ()]}
    symposium = content.get("symposium")
    if isinstance(symposium, Mapping):
        papers = [
            {**p, "authors": [visit(dict(a)) for a in p.get("authors") or ()]} for p in symposium.get("papers") or ()
        ]
        roles = {k: visit(dict(v)) for k in ("chair", "discussant") if isinstance(v := symposium.get(k), Mapping)}
        out["symposium"] = {**symposium, **roles, "papers": papers}
    return out


def pseudonymised(content: Mapping[str, Any], pseudonym: Pseudonym) -> dict[str, Any]:
    """The content as the replica keeps it: each person's address replaced by their pseudonym, the submitter's gone."""

    def visit(entry: dict[str, Any]) -> dict[str, Any]:
        email = str(entry.pop("email", "") or "")
        return {**entry, PERSON: pseudonym(email)} if email else entry

    return {k: v for k, v in _people(content, visit).items() if k != "submitter_email"}


def names_person(content: Mapping[str, Any], ref: str) -> bool:
    """Whether any entry of ``content`` is the person with pseudonym ``ref``."""
    found: list[bool] = []

    def visit(entry: dict[str, Any]) -> dict[str, Any]:
        found.append(entry.get(PERSON) == ref)
        return entry

    _people(content, visit)
    return any(found)


def erased(content: Mapping[str, Any], ref: str) -> dict[str, Any]:
    """The content of an abstract outside the published programme with the person's name and institution erased."""

    def visit(entry: dict[str, Any]) -> dict[str, Any]:
        if entry.get(PERSON) != ref:
            return entry
        return {**entry, **{k: ERASED for k in NAME_FIELDS if k in entry}}

    return _people(content, visit)


def in_programme(sessions: Iterable[Mapping[str, Any]]) -> set[str]:
    """The ids of the abstracts in the published programme's live sessions."""
    return {str(p.get("abstract_id")) for s in sessions for p in s.get("presentations") or ()}
