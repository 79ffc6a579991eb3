"""The badges consumer: each record decoded once, one delegate load per event, a batch's badges rendered
before its transaction and handed to the commands as a value (no render inside it)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from typing import Any

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas import topics
from schemas.badges import BadgeIssued, BadgeRevoked, DocumentIssued
from schemas.base import EventData, decode, encode, new_event
from services.badges.adapters import db
from services.badges.adapters.sql import SqlBadgeStore, SqlUnits
from services.badges.domain import BadgeContent, DelegateRecord
from services.badges.ports import BadgeDeps, BadgeStore, BadgeUnit
from services.badges.subscriptions import BadgesConsumer
from services.common import key_follower
from services.common.congress import load_congress
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.outbox import Outbox, outbox_table
from tests.integration.badges import factories as f
from tests.unit.badges.test_handlers import FakeRenderer, FakeStore, FixedClock


class CountingStore(SqlBadgeStore):
    """The SQL store, counting how often the delegate is loaded."""

    def __init__(self, session: AsyncSession, loads: list[str]) -> None:
        super().__init__(session)
        self.loads = loads

    async def delegate(self, delegate_id: str) -> DelegateRecord | None:
        self.loads.append(delegate_id)
        return await super().delegate(delegate_id)


class CountingUnit:
    def __init__(self, unit: BadgeUnit, loads: list[str]) -> None:
        self.unit = unit
        self.store: BadgeStore = CountingStore(unit.store.session, loads)  # type: ignore[attr-defined]

    def stage(self, data: EventData) -> None:
        self.unit.stage(data)

    def after_commit(self, action: Callable[[], None]) -> None:
        self.unit.after_commit(action)


class CountingUnits:
    """``Units`` whose units inside the consumer's transaction count delegate loads."""

    def __init__(self, units: SqlUnits) -> None:
        self.units = units
        self.loads: list[str] = []

    def begin(self) -> AbstractAsyncContextManager[BadgeUnit]:
        return self.units.begin()

    def read(self) -> AbstractAsyncContextManager[BadgeStore]:
        return self.units.read()

    def within(self, transaction: object) -> BadgeUnit:
        return CountingUnit(self.units.within(transaction), self.loads)

    async def load_chunk(self, transaction: object, delegate_ids: Sequence[str]) -> None:
        await self.units.load_chunk(transaction, delegate_ids)

    async def scrub(self) -> None:
        await self.units.scrub()


class Rec:
    """A Kafka record as the consumer reads it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]

    def __init__(self, value: bytes | None, offset: int, topic: str = topics.REGISTRATION, key: bytes = b"d") -> None:
        self.topic, self.partition, self.offset = topic, 0, offset
        self.key, self.value, self.headers = key, value, []


@pytest.fixture
async def sm() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine("sqlite+aiosqlite:///:memory:")
    await create_tables(engine, db.metadata)
    yield make_sessionmaker(engine)
    await engine.dispose()


def consumer_for(sm: async_sessionmaker[AsyncSession]) -> tuple[BadgesConsumer, BadgeDeps, CountingUnits]:
    outbox = Outbox("/congress/badges")
    units = CountingUnits(SqlUnits(sm, outbox))
    deps = BadgeDeps(
        units=units,
        renderer=FakeRenderer(),
        store=FakeStore(),
        secret="unit",
        congress=load_congress(),
        clock=FixedClock(),
    )
    consumer = BadgesConsumer(deps=deps, name="badges", sessionmaker=sm, outbox=outbox, backoff_seconds=0)
    return consumer, deps, units


async def published(sm: async_sessionmaker[AsyncSession]) -> list[Any]:
    async with sm() as session:
        values = (await session.execute(select(outbox_table.c.value).order_by(outbox_table.c.id))).scalars()
        return [decode(v).data for v in values]


def records(*payloads: Any) -> Sequence[Rec]:
    return [Rec(encode(new_event(p, "/tests")), offset=i) for i, p in enumerate(payloads)]


async def test_each_record_is_decoded_once_and_the_batch_badges_are_rendered_before_it(
    sm: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[bytes | None] = []
    real = decode

    def counting(value: bytes | None, open_: Any = None) -> Any:
        decoded.append(value)
        return real(value, open_)

    monkeypatch.setattr(key_follower, "decode", counting)
    consumer, deps, _ = consumer_for(sm)
    ana, bo = f.delegate("Ana", "Silva", number=1), f.delegate("Bo", "Berg", number=2)
    batch = records(f.confirmed(ana), f.snapshot(bo, 2), f.paid(ana, "cs_1"))
    await consumer.handle_batch(batch)
    assert decoded == [r.value for r in batch]  # once each
    renderer: FakeRenderer = deps.renderer  # type: ignore[assignment]
    # Both badges came from the one render_badges call before the transaction; none was rendered inside it.
    assert renderer.batches == [[ana.delegate_id, bo.delegate_id]]
    assert renderer.singles == []
    out = await published(sm)
    expected: list[type[Any]] = [BadgeIssued, BadgeIssued, DocumentIssued]
    assert [type(e) for e in out] == expected


async def test_a_badge_not_prerendered_is_rendered_by_its_command(sm: async_sessionmaker[AsyncSession]) -> None:
    consumer, deps, _ = consumer_for(sm)
    d = f.delegate("Ana", "Silva")
    await consumer.handle_batch(records(f.confirmed(d)))
    renderer: FakeRenderer = deps.renderer  # type: ignore[assignment]
    renderer.fail_batches = True  # the pool could not draw it: the command renders it itself
    await consumer.handle_batch(records(f.updated(d.model_copy(update={"given_name": "Anabela"}), 2)))
    assert [c.given_name for c in renderer.badges] == ["Ana", "Anabela"] and renderer.singles == ["Anabela"]
    assert [e.registration_version for e in await published(sm)] == [1, 2]


async def test_the_delegate_is_loaded_once_per_event(sm: async_sessionmaker[AsyncSession]) -> None:
    consumer, _, units = consumer_for(sm)
    d = f.delegate("Ana", "Silva")
    payloads = [f.paid(d, "cs_1"), f.confirmed(d), f.updated(d, 2), f.snapshot(d, 3), f.cancelled(d, 4)]
    for offset, payload in enumerate(payloads):
        await consumer.handle_batch([Rec(encode(new_event(payload, "/tests")), offset)])
    assert units.loads == [d.delegate_id] * len(payloads)
    out = await published(sm)
    assert [type(e) for e in out] == [BadgeIssued, DocumentIssued, BadgeRevoked]


async def test_a_tombstone_erases_the_delegate(sm: async_sessionmaker[AsyncSession]) -> None:
    consumer, _, _ = consumer_for(sm)
    d = f.delegate("Ana", "Silva")
    await consumer.handle_batch(records(f.confirmed(d)))
    await consumer.handle_batch([Rec(None, 1, topic=topics.DELEGATES, key=d.delegate_id.encode())])
    async with sm() as session:
        assert await db.get_delegate(session, d.delegate_id) is None
        assert await db.badge_of(session, d.delegate_id) is None
    assert consumer.stats.dead_lettered == 0


async def test_a_prerendered_badge_is_used_though_its_token_was_signed_in_another_second(
    sm: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A QR token carries the second it was signed: on a busy machine the command signs a moment after the
    batch's badges were rendered. The badge rendered before the transaction is still the one recorded."""
    seconds = itertools.count(1_800_000_000)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: next(seconds))
    consumer, deps, _ = consumer_for(sm)
    await consumer.handle_batch(records(f.confirmed(f.delegate("Ana", "Silva"))))
    renderer: FakeRenderer = deps.renderer  # type: ignore[assignment]
    assert len(renderer.batches) == 1 and renderer.singles == []


async def test_a_snapshot_with_an_unknown_status_is_dead_lettered_alone(sm: async_sessionmaker[AsyncSession]) -> None:
    consumer, _, _ = consumer_for(sm)
    ana, bo = f.delegate("Ana", "Silva", number=1), f.delegate("Bo", "Berg", number=2)
    odd = f.snapshot(ana, 1).model_copy(update={"status": "waitlisted"})
    await consumer.handle_batch(records(odd, f.confirmed(bo)))
    assert consumer.stats.dead_lettered == 1 and consumer.stats.handled == 1
    async with sm() as session:
        query = select(outbox_table.c.topic, outbox_table.c.value).order_by(outbox_table.c.id)
        rows = (await session.execute(query)).all()
    assert [r.topic for r in rows] == [topics.DEADLETTER, topics.BADGES]  # the snapshot as it came, then Bo's badge
    assert isinstance(decode(rows[1].value).data, BadgeIssued)


async def test_an_erased_delegate_leaves_no_visa_request_document_pdf_or_key_but_the_invoice(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    from datetime import date

    from services.badges.domain.records import VisaRequest
    from services.common.keyring import Keyring, person_keys_table

    consumer, deps, _ = consumer_for(sm)
    keyring = Keyring("unit", "badges")
    deps.units.units.outbox.keyring = keyring  # type: ignore[attr-defined]
    d = f.delegate("Ana", "Silva")
    await consumer.handle_batch(records(f.confirmed(d), f.paid(d, "cs_1"), f.invoice(d, "ICSEI27-INV-0001")))
    async with deps.units.begin() as unit:
        passport = VisaRequest(
            passport_name="ANA SILVA",
            nationality="Portugal",
            passport_number="P9988776",
            arrival=date(2027, 1, 3),
            departure=date(2027, 1, 9),
        )
        await unit.store.add_visa_request(d.delegate_id, passport, now=deps.clock.now())
    store: FakeStore = deps.store  # type: ignore[assignment]
    async with sm() as session:
        kinds = dict((await session.execute(select(db.documents.c.kind, db.documents.c.sha256))).all())
        assert (await session.execute(select(person_keys_table))).all()  # badges' events about Ana were sealed
    assert {"receipt", "invoice"} <= set(kinds) and len(store.blobs) == 3  # badge, receipt, invoice
    await consumer.handle_batch([Rec(None, 9, topic=topics.DELEGATES, key=d.delegate_id.encode())])
    async with sm() as session:
        for table in (db.delegates, db.badges, db.visa_requests, db.payments):
            assert (await session.execute(select(table))).all() == [], table.name
        keys = (await session.execute(select(person_keys_table.c.wrapped_key))).scalars().all()
        assert keys == [b""]  # no key left: only the mark that Ana is erased
        left = (await session.execute(select(db.documents.c.kind, db.documents.c.sha256))).all()
    assert [(kind, sha) for kind, sha in left] == [("invoice", kinds["invoice"])]  # kept: the tax record
    assert list(store.blobs) == [kinds["invoice"]]


class SteppingRenderer(FakeRenderer):
    """A renderer that yields to the event loop while it draws, and logs when each batch starts and ends."""

    def __init__(self, log: list[str]) -> None:
        super().__init__()
        self.log = log

    async def render_badges(self, contents: list[BadgeContent]) -> list[bytes | Exception]:
        k = len(self.batches)
        self.log.append(f"render {k} starts")
        for _ in range(3):
            await asyncio.sleep(0)
        pdfs = await super().render_badges(contents)
        self.log.append(f"render {k} ends")
        return pdfs


def chunked_consumer(
    sm: async_sessionmaker[AsyncSession], log: list[str], chunk: int
) -> tuple[BadgesConsumer, SteppingRenderer]:
    consumer, deps, _ = consumer_for(sm)
    renderer = SteppingRenderer(log)
    consumer.deps = replace(deps, renderer=renderer)
    consumer.chunk = chunk
    return consumer, renderer


async def test_a_large_batch_commits_chunk_by_chunk_while_the_pool_draws_the_next_chunk(
    sm: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A burst's first badges are issued after one chunk's render, not after the whole batch's; the pool draws the
    next chunk while a chunk's transaction runs."""
    log: list[str] = []
    consumer, renderer = chunked_consumer(sm, log, chunk=2)
    real = consumer.handle_decoded
    issued_after_each_commit: list[int] = []

    async def logged(decoded: Any, handlers: Any = None) -> None:
        k = len(issued_after_each_commit)
        log.append(f"transaction {k} starts")
        await real(decoded, handlers)
        log.append(f"transaction {k} committed")
        issued_after_each_commit.append(sum(isinstance(e, BadgeIssued) for e in await published(sm)))

    monkeypatch.setattr(consumer, "handle_decoded", logged)
    people = [f.delegate(f"P{n}", "Silva", number=n) for n in range(1, 6)]
    await consumer.handle_batch(records(*(f.confirmed(p) for p in people)))
    assert renderer.batches == [[p.delegate_id for p in people[i : i + 2]] for i in (0, 2, 4)]
    assert issued_after_each_commit == [2, 4, 5]
    assert log.index("render 1 starts") < log.index("transaction 0 committed")
    assert log.index("render 2 starts") < log.index("transaction 1 committed")
    assert renderer.singles == []  # every badge came from the chunk's render, none from inside a transaction


async def test_a_failed_chunk_leaves_the_chunks_before_it_committed_and_a_redelivery_issues_the_rest_once(
    sm: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer, _ = chunked_consumer(sm, [], chunk=2)
    real = consumer.handle_decoded
    calls: list[int] = []

    async def failing_second(decoded: Any, handlers: Any = None) -> None:
        calls.append(len(decoded))
        if len(calls) == 2:
            raise ConnectionError("the database went away")
        await real(decoded, handlers)

    monkeypatch.setattr(consumer, "handle_decoded", failing_second)
    people = [f.delegate(f"P{n}", "Silva", number=n) for n in range(1, 6)]
    batch = records(*(f.confirmed(p) for p in people))
    with pytest.raises(ConnectionError):
        await consumer.handle_batch(batch)  # the subscriber nacks: Kafka delivers the whole batch again
    assert [e.delegate_id for e in await published(sm)] == [p.delegate_id for p in people[:2]]
    await consumer.handle_batch(batch)
    issued = [e.delegate_id for e in await published(sm) if isinstance(e, BadgeIssued)]
    assert issued == [p.delegate_id for p in people]  # each once, in order
