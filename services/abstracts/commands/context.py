"""What every abstracts handler shares: dependencies, refusals, signed links, row-to-event mapping."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas.abstracts import AbstractFormat, Author
from schemas.access import AccessKind
from services.abstracts.config import AbstractsConfig
from services.abstracts.domain import submission as domain
from services.common.auth import InvalidToken, sign, verify
from services.common.congress import Congress
from services.common.db import as_utc as as_utc  # re-exported
from services.common.db import new_id as new_id
from services.common.db import utcnow as utcnow
from services.common.outbox import Outbox

Row = dict[str, Any]
EDIT = "abstract-edit"
REVIEWER = "reviewer"


@dataclass
class Deps:
    """Everything an abstracts handler needs, built once by the composition root."""

    sessionmaker: async_sessionmaker[AsyncSession]
    outbox: Outbox
    congress: Congress
    config: AbstractsConfig
    rules: domain.SubmissionRules
    secret: str
    public_url: str
    is_email: Callable[[str], bool]
    clock: Callable[[], datetime] = field(default=utcnow)
    pages: Any = field(default=None, repr=False)
    """The Jinja2 templates every router renders with, made once (``web.templates_for``)."""

    @property
    def counter(self) -> str:
        return f"abstracts:{self.congress.id}"


class Rejected(Exception):
    """Input a person must correct: messages keyed by field path."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotAllowed(Exception):
    """A request that cannot be done in the abstract's state (409), with a sentence saying why."""


class NotFound(Exception):
    """No such abstract or reviewer, or not one this link may see (404)."""


class Closed(Exception):
    """The submission deadline has passed."""


class LinkProblem(Exception):
    """A signed link that is tampered with, for another abstract, revoked or expired.

    ``renew``: (kind, the old token) when a new link can be mailed to the address on record.
    """

    def __init__(self, title: str, message: str, status: int = 400, *, renew: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.title, self.message, self.status, self.renew = title, message, status, renew


def expired(what: str, kind: AccessKind, token: str) -> LinkProblem:
    """410 with the offer of a new link (``/new-link``), for a genuine link that is too old."""
    return LinkProblem(f"This {what} has expired", f"This {what} is too old to use.", 410, renew=(kind.value, token))


def found(row: Row | None) -> Row:
    """The row, or ``NotFound``."""
    if row is None:
        raise NotFound
    return row


def edit_token(deps: Deps, abstract_id: str) -> str:
    return sign(deps.secret, EDIT, {"a": abstract_id, "c": deps.congress.id})


def edit_link(deps: Deps, abstract_id: str) -> str:
    return f"{deps.public_url}/abstracts/{abstract_id}?t={edit_token(deps, abstract_id)}"


def check_edit_token(deps: Deps, token: str, abstract_id: str) -> None:
    try:
        claims = verify(deps.secret, EDIT, token, max_age_seconds=deps.config.edit_link_days * 86400)
    except InvalidToken as exc:
        if exc.reason == "expired":
            raise expired("edit link", AccessKind.ABSTRACT_EDIT, token) from exc
        raise LinkProblem("This edit link does not work", f"The link is damaged or incomplete ({exc.reason}).") from exc
    if claims.get("a") != abstract_id or claims.get("c") != deps.congress.id:
        raise LinkProblem("This link is for another abstract", "Use the edit link you received for this abstract.", 403)


def reviewer_token(deps: Deps, reviewer_id: str, version: int) -> str:
    return sign(deps.secret, REVIEWER, {"r": reviewer_id, "v": version, "c": deps.congress.id})


def portal_link(deps: Deps, reviewer: Row) -> str:
    return f"{deps.public_url}/review/{reviewer_token(deps, reviewer['id'], reviewer['link_version'])}"


def reviewer_claims(deps: Deps, token: str) -> tuple[str, int]:
    """The reviewer id and link version a portal token carries (``LinkProblem`` if it is not genuine)."""
    try:
        claims = verify(deps.secret, REVIEWER, token, max_age_seconds=deps.config.reviewer_link_days * 86400)
    except InvalidToken as exc:
        if exc.reason == "expired":
            raise expired("reviewer link", AccessKind.REVIEWER, token) from exc
        raise LinkProblem(
            "This reviewer link does not work",
            f"The link is damaged or incomplete ({exc.reason}). Use the link in your latest invitation.",
        ) from exc
    if claims.get("c") != deps.congress.id or not isinstance(claims.get("r"), str):
        raise LinkProblem("This reviewer link does not work", "The link is for another congress.")
    return str(claims["r"]), int(claims.get("v", 0))


def authors_of(row: Row) -> tuple[Author, ...]:
    return tuple(Author.model_validate(a) for a in row["content"]["authors"])


def content_fields(deps: Deps, row: Row) -> dict[str, Any]:
    """The fields an AbstractSubmitted/AbstractRevised carries, from a stored abstract."""
    return {
        "congress_id": deps.congress.id,
        "abstract_id": row["id"],
        "reference": row["reference"],
        "content_version": row["content_version"],
        "format": AbstractFormat(row["format"]),
        "network": row["network"],
        "title": row["title"],
        "text": row["content"]["text"],
        "keywords": tuple(row["content"]["keywords"]),
        "language": row["language"],
        "authors": authors_of(row),
        "submitter_email": row["submitter_email"],
    }


def stored_content(draft: domain.Draft) -> dict[str, Any]:
    """The JSON column of an abstract: text, keywords, authors (with the abstract's language for emails)."""
    authors = [
        Author(
            given_name=a.given_name,
            family_name=a.family_name,
            email=a.email,
            affiliation=a.affiliation,
            country=a.country,
            presenting=a.presenting,
            language=draft.language,
        ).model_dump(mode="json")
        for a in draft.authors
    ]
    return {"text": draft.text, "keywords": list(draft.keywords), "authors": authors}


def draft_of(row: Row) -> domain.Draft:
    """A stored abstract as a draft (to fill the edit form)."""
    return domain.Draft(
        format=row["format"],
        network=row["network"],
        title=row["title"],
        text=row["content"]["text"],
        keywords=tuple(row["content"]["keywords"]),
        language=row["language"],
        authors=tuple(
            domain.AuthorDraft(a.given_name, a.family_name, a.email, a.affiliation, a.country, a.presenting)
            for a in authors_of(row)
        ),
        submitter_email=row["submitter_email"],
    )
