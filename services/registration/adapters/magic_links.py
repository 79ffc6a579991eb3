"""The sign-in links sent, so that a form cannot be used to flood someone's inbox.

``reg_magic_links`` keeps one row per link emailed: which registration, when. ``sent_since`` counts
a registration's links in a window; rows older than a day are of no further use and are dropped
as new ones are written.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Column, DateTime, Index, String, Table, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.adapters.db import metadata

magic_links = Table(
    "reg_magic_links",
    metadata,
    Column("jti", String(64), primary_key=True),
    Column("registration_id", String(40), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Index("ix_reg_magic_links_registration", "registration_id", "requested_at"),
)


async def sent_since(session: AsyncSession, registration_id: str, since: datetime) -> int:
    """How many links were emailed for this registration since ``since``."""
    stmt = select(func.count()).where(
        magic_links.c.registration_id == registration_id, magic_links.c.requested_at > since
    )
    return int((await session.execute(stmt)).scalar_one())


async def record(session: AsyncSession, jti: str, registration_id: str, now: datetime) -> None:
    """Note a link emailed now (and forget those older than a day)."""
    await session.execute(delete(magic_links).where(magic_links.c.requested_at < now - timedelta(days=1)))
    await session.execute(insert(magic_links).values(jti=jti, registration_id=registration_id, requested_at=now))
