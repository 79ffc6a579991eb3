"""A chunk of confirmations costs one statement per table, on SQLite and PostgreSQL, and keeps its guarantees:
one current badge per delegate, a redelivered chunk handled once, a failing delegate dead-lettered alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from schemas.badges import BadgeIssued, BadgeRevoked
from schemas.base import decode, encode, new_event
from services.badges.adapters import db
from services.badges.adapters.sql import SqlUnits
from services.badges.domain import BadgeContent
from services.badges.ports import BadgeDeps
from services.badges.subscriptions import BadgesConsumer
from services.common.congress import load_congress
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.outbox import Outbox, outbox_table
from tests.integration.badges import factories as f
from tests.unit.badges.test_handlers import FakeRenderer, FakeStore, FixedClock
from tests.unit.badges.test_subscriptions import Rec

CHUNK = 8


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(db_url)
    await create_tables(engine, db.metadata)
    yield engine
    await engine.dispose()


def consumer_on(engine: AsyncEngine, renderer: FakeRenderer | None = None) -> BadgesConsumer:
    sessions = make_sessionmaker(engine)
    outbox = Outbox("/congress/badges")
    deps = BadgeDeps(
        units=SqlUnits(sessions, outbox),
        renderer=renderer or FakeRenderer(),
        store=FakeStore(),
        secret="unit",
        congress=load_congress(),
        clock=FixedClock(),
    )
    return BadgesConsumer(
        deps=deps, name="badges", sessionmaker=sessions, outbox=outbox, chunk=CHUNK, backoff_seconds=0
    )


def batch(*payloads: Any) -> list[Rec]:
    return [Rec(encode(new_event(p, "/tests")), offset=i) for i, p in enumerate(payloads)]


class Statements:
    """Every statement the engine sends, as (table it names first, verb, executemany)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.seen: list[tuple[str, str, bool]] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, many: bool) -> None:
        words = statement.replace('"', " ").replace("(", " ").split()
        verb = words[0].upper()
        table = next((w for w in words if w in ("badge_delegates", "badges", "badge_payments")), "")
        self.seen.append((table, verb, many))

    def on(self, table: str) -> list[tuple[str, bool]]:
        return [(verb, many) for t, verb, many in self.seen if t == table]


async def published(engine: AsyncEngine) -> list[Any]:
    async with make_sessionmaker(engine)() as session:
        values = (await session.execute(select(outbox_table.c.value).order_by(outbox_table.c.id))).scalars()
        return [decode(v).data for v in values]


async def count(engine: AsyncEngine, table: Any) -> int:
    async with make_sessionmaker(engine)() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_a_chunk_of_confirmations_costs_one_statement_per_table(engine: AsyncEngine) -> None:
    """Eight confirmations: their delegates, badges and unpaid payments read in one SELECT each, their replica rows
    and badges inserted in one statement each (not five statements per confirmation)."""
    consumer = consumer_on(engine)
    people = [f.delegate(f"P{n}", "Silva", number=n) for n in range(CHUNK)]
    statements = Statements(engine)
    await consumer.handle_batch(batch(*(f.confirmed(p) for p in people)))
    assert statements.on("badge_delegates") == [("SELECT", False), ("INSERT", True)]
    assert statements.on("badges") == [("SELECT", False), ("INSERT", True)]
    assert statements.on("badge_payments") == [("SELECT", False)]
    assert await count(engine, db.delegates) == CHUNK and await count(engine, db.badges) == CHUNK
    issued = [e.delegate_id for e in await published(engine) if isinstance(e, BadgeIssued)]
    assert issued == [p.delegate_id for p in people]


async def test_a_redelivered_chunk_is_handled_once(engine: AsyncEngine) -> None:
    consumer = consumer_on(engine)
    people = [f.delegate(f"P{n}", "Silva", number=n) for n in range(CHUNK)]
    records = batch(*(f.confirmed(p) for p in people))
    await consumer.handle_batch(records)
    await consumer.handle_batch(records)  # Kafka gives the batch again (its offsets were not committed)
    assert consumer.stats.handled == CHUNK and consumer.stats.duplicates == CHUNK
    assert await count(engine, db.delegates) == CHUNK and await count(engine, db.badges) == CHUNK
    assert len(await published(engine)) == CHUNK


class FailingFor(FakeRenderer):
    """A renderer that cannot draw one delegate's badge, in the pool or alone."""

    def __init__(self, delegate_id: str) -> None:
        super().__init__()
        self.delegate_id = delegate_id

    def _render(self, content: BadgeContent) -> bytes:
        if content.delegate_id == self.delegate_id:
            raise RuntimeError("this badge cannot be drawn")
        return super()._render(content)

    async def render_badges(self, contents: list[BadgeContent]) -> list[bytes | Exception]:
        out: list[bytes | Exception] = []
        for content in contents:
            try:
                out.append(self._render(content))
            except RuntimeError as exc:
                out.append(exc)
        return out


async def test_a_failing_delegate_in_a_chunk_is_dead_lettered_alone(engine: AsyncEngine) -> None:
    people = [f.delegate(f"P{n}", "Silva", number=n) for n in range(CHUNK)]
    consumer = consumer_on(engine, FailingFor(people[3].delegate_id))
    await consumer.handle_batch(batch(*(f.confirmed(p) for p in people)))
    assert consumer.stats.dead_lettered == 1 and consumer.stats.handled == CHUNK - 1
    issued = [e.delegate_id for e in await published(engine) if isinstance(e, BadgeIssued)]
    assert issued == [p.delegate_id for p in people if p is not people[3]]
    async with make_sessionmaker(engine)() as session:
        badged = set((await session.execute(select(db.badges.c.delegate_id))).scalars())
    assert badged == {p.delegate_id for p in people} - {people[3].delegate_id}


async def test_one_delegate_twice_in_a_chunk_keeps_one_current_badge(engine: AsyncEngine) -> None:
    """A confirmation, its update and its snapshot in one chunk: one row, one badge at the last version; a
    cancellation after them in the same chunk revokes that badge (it reads what the chunk wrote)."""
    consumer = consumer_on(engine)
    ana, bo = f.delegate("Ana", "Silva", number=1), f.delegate("Bo", "Berg", number=2)
    renamed = ana.model_copy(update={"given_name": "Anabela"})
    await consumer.handle_batch(
        batch(f.confirmed(ana), f.confirmed(bo), f.updated(renamed, 2), f.snapshot(renamed, 2), f.cancelled(bo, 2))
    )
    async with make_sessionmaker(engine)() as session:
        rows = {r.delegate_id: r for r in (await session.execute(select(db.badges))).all()}
        anas = await db.get_delegate(session, ana.delegate_id)
    assert anas is not None and (anas.given_name, anas.version) == ("Anabela", 2)
    assert (rows[ana.delegate_id].version, rows[ana.delegate_id].revoked) == (2, False)
    assert rows[bo.delegate_id].revoked
    kinds = [(type(e).__name__, e.delegate_id) for e in await published(engine)]
    assert kinds == [
        (BadgeIssued.__name__, ana.delegate_id),
        (BadgeIssued.__name__, bo.delegate_id),
        (BadgeIssued.__name__, ana.delegate_id),
        (BadgeRevoked.__name__, bo.delegate_id),
    ]


async def test_a_payment_that_came_first_gets_its_receipt_when_its_delegate_is_confirmed_in_a_chunk(
    engine: AsyncEngine,
) -> None:
    """The chunk read the delegate's unpaid payment: its receipt is numbered and written outside the chunk's rows
    (which are written first), and the confirmations after it in the chunk still get their badges."""
    consumer = consumer_on(engine)
    ana, bo = f.delegate("Ana", "Silva", number=1), f.delegate("Bo", "Berg", number=2)
    await consumer.handle_batch(batch(f.paid(ana, "cs_1")))
    await consumer.handle_batch(batch(f.confirmed(ana), f.confirmed(bo)))
    kinds = [(type(e).__name__, e.delegate_id) for e in await published(engine)]
    assert kinds == [
        (BadgeIssued.__name__, ana.delegate_id),
        ("DocumentIssued", ana.delegate_id),
        (BadgeIssued.__name__, bo.delegate_id),
    ]
    async with make_sessionmaker(engine)() as session:
        receipts = (await session.execute(select(db.payments.c.receipt_issued))).scalars().all()
    assert receipts == [True] and await count(engine, db.badges) == 2
