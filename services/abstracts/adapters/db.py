"""The abstracts service's own tables and queries: abstracts, reviewers, assignments, reviews, counters.

State changes that must not race are single conditional statements (``UPDATE … WHERE
status = 'submitted'``); references come from a counter row advanced in the caller's
transaction, so a rolled-back submission leaves no gap.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.common import jobs

metadata = MetaData()
Row = dict[str, Any]

abstracts = Table(
    "abs_abstracts",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("reference", String(40), nullable=False, unique=True),
    Column("status", String(16), nullable=False, index=True),
    Column("network", String(20), nullable=False, index=True),
    Column("format", String(20), nullable=False),
    Column("title", Text, nullable=False),
    Column("content_version", Integer, nullable=False),
    Column("content", JSON, nullable=False),
    Column("submitter_email", String(320), nullable=False),
    Column("language", String(35), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("decided_format", String(20), nullable=True),
    Column("decided_by", String(320), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("mean_score", Float, nullable=True),
)

reviewers = Table(
    "abs_reviewers",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("email", String(320), nullable=False, unique=True),
    Column("affiliation", String(300), nullable=False),
    Column("networks", JSON, nullable=False),
    Column("language", String(35), nullable=False),
    Column("link_version", Integer, nullable=False, default=1),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

assignments = Table(
    "abs_assignments",
    metadata,
    Column("abstract_id", String(40), primary_key=True),
    Column("reviewer_id", String(40), primary_key=True, index=True),
    Column("active", Integer, nullable=False),
    Column("assigned_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=False, default=""),
)

reviews = Table(
    "abs_reviews",
    metadata,
    Column("abstract_id", String(40), primary_key=True),
    Column("reviewer_id", String(40), primary_key=True),
    Column("scores", JSON, nullable=False),
    Column("recommendation", String(30), nullable=False),
    Column("comments_to_authors", Text, nullable=False),
    Column("comments_to_committee", Text, nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
)

counters = Table(
    "abs_counters",
    metadata,
    Column("name", String(60), primary_key=True),
    Column("value", Integer, nullable=False, default=0),
)


async def seed(engine: AsyncEngine, counter_names: tuple[str, ...]) -> None:
    """Create missing counters; copies of the service starting together seed one after the other."""
    async with engine.begin() as conn:
        await jobs.one_at_a_time(conn, "abstracts.seed")
        named = set((await conn.execute(select(counters.c.name))).scalars())
        for name in counter_names:
            if name not in named:
                await conn.execute(insert(counters).values(name=name, value=0))


async def next_number(session: AsyncSession, name: str) -> int:
    """The next value of a gap-free counter; also serialises whoever else advances it until commit."""
    statement = (
        update(counters).where(counters.c.name == name).values(value=counters.c.value + 1).returning(counters.c.value)
    )
    return int((await session.execute(statement)).scalar_one())


async def add_abstract(session: AsyncSession, **values: Any) -> None:
    await session.execute(insert(abstracts).values(**values))


async def get_abstract(session: AsyncSession, abstract_id: str) -> Row | None:
    row = (await session.execute(select(abstracts).where(abstracts.c.id == abstract_id))).mappings().first()
    return dict(row) if row else None


async def change_abstract(session: AsyncSession, abstract_id: str, from_status: str, **values: Any) -> bool:
    """Update an abstract only if it is still in ``from_status``; False if someone got there first."""
    statement = (
        update(abstracts).where(abstracts.c.id == abstract_id, abstracts.c.status == from_status).values(**values)
    )
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))


async def list_abstracts(session: AsyncSession, *, network: str | None = None, status: str | None = None) -> list[Row]:
    """Abstracts by reference with their number of reviews and current mean per review."""
    query = select(abstracts).order_by(abstracts.c.reference)
    if network:
        query = query.where(abstracts.c.network == network)
    if status:
        query = query.where(abstracts.c.status == status)
    return [dict(r) for r in (await session.execute(query)).mappings()]


async def add_reviewer(session: AsyncSession, **values: Any) -> None:
    await session.execute(insert(reviewers).values(**values))


async def get_reviewer(session: AsyncSession, reviewer_id: str) -> Row | None:
    row = (await session.execute(select(reviewers).where(reviewers.c.id == reviewer_id))).mappings().first()
    return dict(row) if row else None


async def reviewer_by_email(session: AsyncSession, email: str) -> Row | None:
    query = select(reviewers).where(func.lower(reviewers.c.email) == email.lower())
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def list_reviewers(session: AsyncSession) -> list[Row]:
    return [dict(r) for r in (await session.execute(select(reviewers).order_by(reviewers.c.name))).mappings()]


async def bump_link_version(session: AsyncSession, reviewer_id: str) -> None:
    statement = update(reviewers).where(reviewers.c.id == reviewer_id).values(link_version=reviewers.c.link_version + 1)
    await session.execute(statement)


async def all_assignments(session: AsyncSession) -> list[Row]:
    return [dict(r) for r in (await session.execute(select(assignments))).mappings()]


async def active_assignments_of(session: AsyncSession, reviewer_id: str) -> list[Row]:
    """The abstracts (not withdrawn) assigned to a reviewer, by reference."""
    query = (
        select(abstracts, reviews.c.submitted_at.label("reviewed_at"))
        .join(assignments, assignments.c.abstract_id == abstracts.c.id)
        .outerjoin(
            reviews, and_(reviews.c.abstract_id == abstracts.c.id, reviews.c.reviewer_id == assignments.c.reviewer_id)
        )
        .where(assignments.c.reviewer_id == reviewer_id, assignments.c.active == 1, abstracts.c.status != "withdrawn")
        .order_by(abstracts.c.reference)
    )
    return [dict(r) for r in (await session.execute(query)).mappings()]


async def is_assigned(session: AsyncSession, abstract_id: str, reviewer_id: str) -> bool:
    query = select(assignments.c.active).where(
        assignments.c.abstract_id == abstract_id, assignments.c.reviewer_id == reviewer_id, assignments.c.active == 1
    )
    return (await session.execute(query)).first() is not None


async def add_assignment(session: AsyncSession, abstract_id: str, reviewer_id: str, now: datetime) -> None:
    values = {"abstract_id": abstract_id, "reviewer_id": reviewer_id, "active": 1, "assigned_at": now, "reason": ""}
    await session.execute(insert(assignments).values(**values))


async def end_assignment(session: AsyncSession, abstract_id: str, reviewer_id: str, reason: str) -> bool:
    statement = (
        update(assignments)
        .where(
            assignments.c.abstract_id == abstract_id,
            assignments.c.reviewer_id == reviewer_id,
            assignments.c.active == 1,
        )
        .values(active=0, reason=reason)
    )
    return bool(getattr(await session.execute(statement), "rowcount", 0))


async def assigned_reviewers(session: AsyncSession, abstract_id: str) -> list[Row]:
    """Reviewers currently on an abstract, with their review if they gave one."""
    query = (
        select(reviewers, reviews.c.scores, reviews.c.recommendation, reviews.c.comments_to_authors)
        .add_columns(reviews.c.comments_to_committee, reviews.c.submitted_at.label("reviewed_at"))
        .join(assignments, assignments.c.reviewer_id == reviewers.c.id)
        .outerjoin(reviews, and_(reviews.c.abstract_id == abstract_id, reviews.c.reviewer_id == reviewers.c.id))
        .where(assignments.c.abstract_id == abstract_id, assignments.c.active == 1)
        .order_by(reviewers.c.name)
    )
    return [dict(r) for r in (await session.execute(query)).mappings()]


async def save_review(session: AsyncSession, **values: Any) -> None:
    """Insert or replace a reviewer's review of an abstract."""
    key = (reviews.c.abstract_id == values["abstract_id"], reviews.c.reviewer_id == values["reviewer_id"])
    result = await session.execute(update(reviews).where(*key).values(**values))
    if not getattr(result, "rowcount", 0):
        await session.execute(insert(reviews).values(**values))


async def reviews_of(session: AsyncSession, abstract_id: str) -> list[Row]:
    """Reviews by reviewers still assigned to the abstract."""
    query = (
        select(reviews)
        .join(
            assignments,
            and_(
                assignments.c.abstract_id == reviews.c.abstract_id, assignments.c.reviewer_id == reviews.c.reviewer_id
            ),
        )
        .where(reviews.c.abstract_id == abstract_id, assignments.c.active == 1)
        .order_by(reviews.c.submitted_at)
    )
    return [dict(r) for r in (await session.execute(query)).mappings()]


async def all_reviews(session: AsyncSession) -> list[Row]:
    query = select(reviews).join(
        assignments,
        and_(
            assignments.c.abstract_id == reviews.c.abstract_id,
            assignments.c.reviewer_id == reviews.c.reviewer_id,
            assignments.c.active == 1,
        ),
    )
    return [dict(r) for r in (await session.execute(query)).mappings()]
