"""``SqlReviewerProfiles``: reviewers' profiles (``abs_reviewer_profiles``) and bids (``abs_bids``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Integer, String, Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.abstracts.adapters.db import metadata
from services.abstracts.domain.reviewer_profile import Profile

reviewer_profiles = Table(
    "abs_reviewer_profiles",
    metadata,
    Column("reviewer_id", String(40), primary_key=True),
    Column("keywords", JSON, nullable=False),
    Column("own_abstracts", JSON, nullable=False),
    Column("max_load", Integer, nullable=True),
    Column("country", String(2), nullable=True),
    Column("conflicts", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

bids = Table(
    "abs_bids",
    metadata,
    Column("reviewer_id", String(40), primary_key=True),
    Column("abstract_id", String(40), primary_key=True, index=True),
    Column("bid", String(16), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


def _profile(row: Any) -> Profile:
    return Profile(
        reviewer_id=row["reviewer_id"],
        keywords=tuple(row["keywords"]),
        own_abstracts=tuple(row["own_abstracts"]),
        max_load=row["max_load"],
        country=row["country"],
        conflicts=tuple(row["conflicts"]),
    )


class SqlReviewerProfiles:
    """Profiles and bids on one session (the unit of work's)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def profile(self, reviewer_id: str) -> Profile | None:
        query = select(reviewer_profiles).where(reviewer_profiles.c.reviewer_id == reviewer_id)
        row = (await self.session.execute(query)).mappings().first()
        return _profile(row) if row else None

    async def profiles(self) -> dict[str, Profile]:
        rows = (await self.session.execute(select(reviewer_profiles))).mappings()
        return {r["reviewer_id"]: _profile(r) for r in rows}

    async def save_profile(self, profile: Profile, now: datetime) -> None:
        await self.session.execute(
            delete(reviewer_profiles).where(reviewer_profiles.c.reviewer_id == profile.reviewer_id)
        )
        values = {
            "reviewer_id": profile.reviewer_id,
            "keywords": list(profile.keywords),
            "own_abstracts": list(profile.own_abstracts),
            "max_load": profile.max_load,
            "country": profile.country,
            "conflicts": list(profile.conflicts),
            "updated_at": now,
        }
        await self.session.execute(insert(reviewer_profiles).values(**values))

    async def bids_of(self, reviewer_id: str) -> dict[str, str]:
        query = select(bids.c.abstract_id, bids.c.bid).where(bids.c.reviewer_id == reviewer_id)
        return {str(a): str(b) for a, b in (await self.session.execute(query)).all()}

    async def all_bids(self) -> dict[tuple[str, str], str]:
        query = select(bids.c.abstract_id, bids.c.reviewer_id, bids.c.bid)
        return {(a, r): b for a, r, b in (await self.session.execute(query)).all()}

    async def save_bids(self, reviewer_id: str, chosen: Mapping[str, str], now: datetime) -> None:
        """Replace these abstracts' bids of the reviewer; ``none`` removes a bid."""
        if not chosen:
            return
        ids = list(chosen)
        await self.session.execute(delete(bids).where(bids.c.reviewer_id == reviewer_id, bids.c.abstract_id.in_(ids)))
        rows = [
            {"reviewer_id": reviewer_id, "abstract_id": a, "bid": b, "updated_at": now}
            for a, b in chosen.items()
            if b != "none"
        ]
        if rows:
            await self.session.execute(insert(bids), rows)
