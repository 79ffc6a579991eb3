"""Document numbers stay sequential and unique when two copies of badges issue at once on one PostgreSQL database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import insert

from services.badges.adapters import db
from services.common.db import create_tables, make_engine, make_sessionmaker
from tests.conftest import fresh_pg_database


async def test_two_copies_numbering_at_once_take_consecutive_numbers(pg_url: str) -> None:
    """Each copy counts the documents of its kind inside its transaction: the second one to ask waits for the first
    one's commit and counts its receipt, instead of taking the same number and failing on ``UNIQUE (kind, number)``."""
    engine = make_engine(await fresh_pg_database(pg_url))
    try:
        await create_tables(engine, db.metadata)
        sessions = make_sessionmaker(engine)
        first_numbered = asyncio.Event()

        async def issue(delegate_id: str, *, after: asyncio.Event | None) -> str:
            async with sessions() as session, session.begin():
                if after is not None:
                    await after.wait()
                number = await db.next_number(session, "receipt", "T-RCT")
                if after is None:
                    first_numbered.set()
                    await asyncio.sleep(0.5)  # the other copy asks for its number meanwhile
                await session.execute(
                    insert(db.documents).values(
                        kind="receipt",
                        number=number,
                        delegate_id=delegate_id,
                        cause=f"payment:{delegate_id}",
                        sha256="0" * 64,
                        location="/nowhere",
                        issued_at=datetime.now(UTC),
                    )
                )
                return number

        numbers = await asyncio.gather(issue("d-1", after=None), issue("d-2", after=first_numbered))
        assert numbers == ["T-RCT-00001", "T-RCT-00002"]
    finally:
        await engine.dispose()
