"""What the reviewer matching compares: each open abstract's text and each reviewer's profile — the keywords
and abstracts of their own they gave (``reviewer_profile.Profile``) and the abstracts they wrote themselves in
this call (matched by email, withdrawn ones included)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.abstracts.domain.abstract import Abstract
from services.abstracts.domain.matching.affinity import Text
from services.abstracts.domain.reviewer_profile import Profile


def texts(
    open_abstracts: Sequence[Abstract],
    every: Sequence[Abstract],
    reviewers: Mapping[str, str],
    stated: Mapping[str, Profile] | None = None,
) -> dict[str, Text]:
    """Texts by abstract id and by reviewer id (``reviewers``: id → email)."""
    out = {a.id: Text(a.id, a.keywords, f"{a.title} {a.text}") for a in open_abstracts}
    by_email: dict[str, list[Abstract]] = {}
    for abstract in every:
        for author in abstract.authors:
            by_email.setdefault(author.email.casefold(), []).append(abstract)
    for reviewer_id, email in reviewers.items():
        own = by_email.get(email.casefold(), [])
        profile = (stated or {}).get(reviewer_id, Profile(reviewer_id))
        keywords = (*profile.keywords, *(k for a in own for k in a.keywords))
        body = " ".join([*profile.own_abstracts, *(f"{a.title} {a.text}" for a in own)])
        out[reviewer_id] = Text(reviewer_id, keywords, body)
    return out
