"""``SqlAbstractStore``: the ``AbstractStore`` port on the service's tables (``db.py``), in one session.

Abstracts go in and out as the ``Abstract`` aggregate (status and formats typed; the JSON ``content``
column holds text, keywords, authors and a symposium's chair, discussant and papers); reviewers,
assignments and reviews as rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from schemas.abstracts import AbstractFormat, Author, Symposium
from services.abstracts.adapters import db
from services.abstracts.domain.abstract import Abstract, Status

Row = dict[str, Any]


def abstract_of(row: Row) -> Abstract:
    """A row of ``abs_abstracts`` as the aggregate."""
    content = row["content"]
    return Abstract(
        id=row["id"],
        reference=row["reference"],
        status=Status(row["status"]),
        network=row["network"],
        format=AbstractFormat(row["format"]),
        title=row["title"],
        content_version=row["content_version"],
        text=content["text"],
        keywords=tuple(content["keywords"]),
        authors=tuple(Author.model_validate(a) for a in content["authors"]),
        submitter_email=row["submitter_email"],
        language=row["language"],
        submitted_at=row["submitted_at"],
        updated_at=row["updated_at"],
        decided_format=AbstractFormat(row["decided_format"]) if row["decided_format"] else None,
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        mean_score=row["mean_score"],
        symposium=Symposium.model_validate(content["symposium"]) if content.get("symposium") else None,
    )


def values_of(abstract: Abstract) -> Row:
    """The columns that change over an abstract's life."""
    return {
        "status": abstract.status.value,
        "network": abstract.network,
        "format": abstract.format.value,
        "title": abstract.title,
        "content_version": abstract.content_version,
        "content": {
            "text": abstract.text,
            "keywords": list(abstract.keywords),
            "authors": [a.model_dump(mode="json") for a in abstract.authors],
            "symposium": abstract.symposium.model_dump(mode="json") if abstract.symposium else None,
        },
        "submitter_email": abstract.submitter_email,
        "language": abstract.language,
        "updated_at": abstract.updated_at,
        "decided_format": abstract.decided_format.value if abstract.decided_format else None,
        "decided_by": abstract.decided_by,
        "decided_at": abstract.decided_at,
        "mean_score": abstract.mean_score,
    }


class SqlAbstractStore:
    """The abstracts store on one session (the unit of work's)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_number(self, counter: str) -> int:
        return await db.next_number(self.session, counter)

    async def add(self, abstract: Abstract) -> None:
        values = values_of(abstract) | {"id": abstract.id, "reference": abstract.reference}
        await db.add_abstract(self.session, **values, submitted_at=abstract.submitted_at)

    async def get(self, abstract_id: str) -> Abstract | None:
        row = await db.get_abstract(self.session, abstract_id)
        return abstract_of(row) if row else None

    async def save(self, abstract: Abstract, *, was: Status) -> bool:
        return await db.change_abstract(self.session, abstract.id, was.value, **values_of(abstract))

    async def listing(self, *, network: str | None = None, status: Status | None = None) -> list[Abstract]:
        rows = await db.list_abstracts(self.session, network=network, status=status.value if status else None)
        return [abstract_of(r) for r in rows]

    async def add_reviewer(self, **values: Any) -> None:
        await db.add_reviewer(self.session, **values)

    async def reviewer(self, reviewer_id: str) -> Row | None:
        return await db.get_reviewer(self.session, reviewer_id)

    async def reviewer_by_email(self, email: str) -> Row | None:
        return await db.reviewer_by_email(self.session, email)

    async def reviewers(self) -> list[Row]:
        return await db.list_reviewers(self.session)

    async def bump_link_version(self, reviewer_id: str) -> None:
        await db.bump_link_version(self.session, reviewer_id)

    async def assignments(self) -> list[Row]:
        return await db.all_assignments(self.session)

    async def assigned_to(self, reviewer_id: str) -> list[tuple[Abstract, datetime | None]]:
        return [(abstract_of(r), r["reviewed_at"]) for r in await db.active_assignments_of(self.session, reviewer_id)]

    async def is_assigned(self, abstract_id: str, reviewer_id: str) -> bool:
        return await db.is_assigned(self.session, abstract_id, reviewer_id)

    async def assign(self, abstract_id: str, reviewer_id: str, now: datetime) -> None:
        await db.add_assignment(self.session, abstract_id, reviewer_id, now)

    async def end_assignment(self, abstract_id: str, reviewer_id: str, reason: str) -> bool:
        return await db.end_assignment(self.session, abstract_id, reviewer_id, reason)

    async def assigned_reviewers(self, abstract_id: str) -> list[Row]:
        return await db.assigned_reviewers(self.session, abstract_id)

    async def save_review(self, **values: Any) -> None:
        await db.save_review(self.session, **values)

    async def reviews_of(self, abstract_id: str) -> list[Row]:
        return await db.reviews_of(self.session, abstract_id)

    async def all_reviews(self) -> list[Row]:
        return await db.all_reviews(self.session)
