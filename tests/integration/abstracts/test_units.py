"""The abstracts unit of work on a real database (SQLite): the state change and its staged events commit
together, or neither does; a unit that only reads refuses to stage an event it could never publish."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from schemas.abstracts import ReviewerUnassigned
from services.abstracts.adapters import db
from services.abstracts.domain.abstract import Status
from services.common.outbox import outbox_table
from tests.integration.abstracts.conftest import Service, submit


async def outbox_rows(service: Service) -> int:
    async with service.deps.sessionmaker() as session:
        staged = select(func.count()).select_from(outbox_table).where(~outbox_table.c.topic.endswith("congress.keys"))
        return int((await session.execute(staged)).scalar_one())  # events, not the people's sealed data keys


async def test_the_state_and_its_events_commit_together_or_not_at_all(offline: Service) -> None:
    done = await submit(offline)
    assert await outbox_rows(offline) == 1  # AbstractSubmitted, written by the unit of work itself
    units = offline.deps.deps.units

    async def withdraw_then_fail() -> None:
        async with units() as unit:
            abstract = await unit.abstracts.get(done["abstract_id"])
            assert abstract is not None
            withdrawn, event = abstract.withdraw("", offline.now[0], offline.deps.congress.id)
            assert await unit.abstracts.save(withdrawn, was=abstract.status)
            unit.stage(event)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await withdraw_then_fail()
    async with offline.deps.sessionmaker() as session:
        [row] = await db.list_abstracts(session)
    assert row["status"] == Status.SUBMITTED.value
    assert await outbox_rows(offline) == 1


async def test_a_reading_unit_refuses_to_stage(offline: Service) -> None:
    event = ReviewerUnassigned(congress_id=offline.deps.congress.id, abstract_id="a", reviewer_id="r", reason="x")
    async with offline.deps.deps.units.reading() as unit:
        with pytest.raises(RuntimeError, match="staged in a unit that only reads"):
            unit.stage(event)
    assert await outbox_rows(offline) == 0
