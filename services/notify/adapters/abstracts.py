"""What notify keeps about abstracts: each reviewer assignment, the format each abstract asked for, and each
accepted symposium's chair and discussant (``AbstractDecided.symposium``: programme emails reach them).

``ReviewerUnassigned`` names only the reviewer and abstract ids, and ``AbstractDecided``
only the accepted format, so notify remembers what the earlier events of the same
abstract (same partition, in order) told it. Written in the handler's session: they
commit with the inbox entry of the event that taught them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Column, Integer, String, Table, Text, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from schemas.abstracts import AbstractFormat
from services.notify.adapters.db import notify_metadata
from services.notify.domain.abstracts import AbstractSeen, Assignment
from services.notify.domain.symposium_roles import RoleHolder

assignments = Table(
    "notify_assignments",
    notify_metadata,
    Column("abstract_id", String(64), primary_key=True),
    Column("reviewer_id", String(64), primary_key=True),
    Column("email", String(320), nullable=False),
    Column("name", Text, nullable=False),
    Column("language", String(35), nullable=False),
    Column("reference", String(64), nullable=False),
    Column("title", Text, nullable=False),
)

abstracts = Table(
    "notify_abstracts",
    notify_metadata,
    Column("abstract_id", String(64), primary_key=True),
    Column("format", String(32), nullable=False, doc="The format the latest version asks for."),
    Column("content_version", Integer, nullable=False),
    Column("submitter_name", Text, nullable=False, doc="For the withdrawal's greeting (the event has no name)."),
)

symposium_roles = Table(
    "notify_symposium_roles",
    notify_metadata,
    Column("abstract_id", String(64), primary_key=True),
    Column("role", String(16), primary_key=True, doc="chair or discussant"),
    Column("email", String(320), nullable=False),
    Column("name", Text, nullable=False),
    Column("language", String(35), nullable=False),
)


async def save_roles(session: AsyncSession, abstract_id: str, holders: Sequence[RoleHolder]) -> None:
    """The abstract's chair and discussant as its latest decision names them (none: it is not an accepted
    symposium)."""
    await session.execute(delete(symposium_roles).where(symposium_roles.c.abstract_id == abstract_id))
    rows = [
        {"abstract_id": abstract_id, "role": h.role, "email": h.email, "name": h.name, "language": h.language}
        for h in holders
    ]
    if rows:
        await session.execute(insert(symposium_roles), rows)


async def roles_of(session: AsyncSession, abstract_ids: Iterable[str]) -> tuple[RoleHolder, ...]:
    r = symposium_roles.c
    query = select(symposium_roles).where(r.abstract_id.in_(sorted(set(abstract_ids)))).order_by(r.abstract_id, r.role)
    return tuple(
        RoleHolder(row.abstract_id, row.role, row.email, row.name, row.language)
        for row in (await session.execute(query)).all()
    )


async def save_assignment(session: AsyncSession, a: Assignment) -> None:
    await forget_assignment(session, a.abstract_id, a.reviewer_id)
    await session.execute(
        insert(assignments).values(
            abstract_id=a.abstract_id,
            reviewer_id=a.reviewer_id,
            email=a.email,
            name=a.name,
            language=a.language,
            reference=a.reference,
            title=a.title,
        )
    )


async def load_assignment(session: AsyncSession, abstract_id: str, reviewer_id: str) -> Assignment | None:
    query = select(assignments).where(
        assignments.c.abstract_id == abstract_id, assignments.c.reviewer_id == reviewer_id
    )
    row = (await session.execute(query)).first()
    if row is None:
        return None
    return Assignment(
        abstract_id=row.abstract_id,
        reviewer_id=row.reviewer_id,
        email=row.email,
        name=row.name,
        language=row.language,
        reference=row.reference,
        title=row.title,
    )


async def forget_assignment(session: AsyncSession, abstract_id: str, reviewer_id: str) -> None:
    await session.execute(
        delete(assignments).where(assignments.c.abstract_id == abstract_id, assignments.c.reviewer_id == reviewer_id)
    )


async def save_abstract(session: AsyncSession, abstract_id: str, seen: AbstractSeen, version: int) -> None:
    """Keep what the newest version says (a redelivered older version does not win).

    A submitter erased before this event arrived (``person_erasure.forget_person`` left the row with no
    name, or a placeholder) stays nameless: the event may come late on its own partition, opened while
    notify had not yet heard the key was shredded.
    """
    c = abstracts.c
    current = (
        await session.execute(select(c.content_version, c.submitter_name).where(c.abstract_id == abstract_id))
    ).first()
    if current is not None and current.content_version > version:
        return
    erased = current is not None and current.submitter_name == ""
    await session.execute(delete(abstracts).where(c.abstract_id == abstract_id))
    await session.execute(
        insert(abstracts).values(
            abstract_id=abstract_id,
            format=seen.asked_format.value,
            content_version=version,
            submitter_name="" if erased else seen.submitter_name,
        )
    )


async def load_abstract(session: AsyncSession, abstract_id: str) -> AbstractSeen | None:
    found = (await session.execute(select(abstracts).where(abstracts.c.abstract_id == abstract_id))).first()
    if found is None:
        return None
    return AbstractSeen(asked_format=AbstractFormat(found.format), submitter_name=found.submitter_name)


class SqlAbstracts:
    """The ``AbstractsStore`` on a transaction's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save_assignment(self, a: Assignment) -> None:
        await save_assignment(self.session, a)

    async def load_assignment(self, abstract_id: str, reviewer_id: str) -> Assignment | None:
        return await load_assignment(self.session, abstract_id, reviewer_id)

    async def forget_assignment(self, abstract_id: str, reviewer_id: str) -> None:
        await forget_assignment(self.session, abstract_id, reviewer_id)

    async def save_abstract(self, abstract_id: str, seen: AbstractSeen, version: int) -> None:
        await save_abstract(self.session, abstract_id, seen, version)

    async def load_abstract(self, abstract_id: str) -> AbstractSeen | None:
        return await load_abstract(self.session, abstract_id)

    async def save_roles(self, abstract_id: str, holders: Sequence[RoleHolder]) -> None:
        await save_roles(self.session, abstract_id, holders)

    async def roles_of(self, abstract_ids: Iterable[str]) -> tuple[RoleHolder, ...]:
        return await roles_of(self.session, abstract_ids)
