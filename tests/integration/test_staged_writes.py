"""The kernel's batched writes read back exactly as written, on SQLite and PostgreSQL: a handler's staged rows
(one ``unnest`` statement per table on PostgreSQL) and the outbox's rows (in staging order, ids ascending)."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Enum, Integer, LargeBinary, MetaData, String, Table, select

from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.outbox import _HEADERS, outbox_table, pending_rows, write_staged
from services.common.staging import stage_insert, write_staged_rows


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


meta = MetaData()
plain = Table(
    "plain_effects",
    meta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False),
    Column("count", Integer, nullable=True),
    Column("blob", LargeBinary, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
)
coloured = Table(
    "coloured_effects",
    meta,
    Column("event_id", String(64), primary_key=True),
    Column("colour", Enum(Colour), nullable=False),
    Column("note", String(20), nullable=False, default="none"),
)


async def test_staged_rows_read_back_as_written_in_their_order(db_url: str) -> None:
    engine = make_engine(db_url)
    await create_tables(engine, meta)
    at = datetime(2027, 7, 1, 9, 30, 15, 123456, tzinfo=UTC)
    rows = [
        {"event_id": f"e-{n:03d}", "count": None if n % 3 else n, "blob": b"\x00\xff" * n or None, "at": at}
        for n in range(300)
    ]
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        for row in rows:
            stage_insert(session, plain, row)
        stage_insert(session, coloured, {"event_id": "c-1", "colour": Colour.BLUE})  # SQLAlchemy's way
        stage_insert(session, coloured, {"event_id": "c-2", "colour": Colour.RED, "note": "given"})
        assert await write_staged_rows(session) == 302
    async with sessions() as session:
        back = (await session.execute(select(plain).order_by(plain.c.id))).all()
        colours = (await session.execute(select(coloured).order_by(coloured.c.event_id))).all()
    assert [r.event_id for r in back] == [row["event_id"] for row in rows]  # ids follow the staging order
    assert [(r.count, r.blob) for r in back] == [(row["count"], row["blob"]) for row in rows]
    assert {r.at.replace(tzinfo=UTC) if r.at.tzinfo is None else r.at for r in back} == {at}
    assert [(r.event_id, r.colour, r.note) for r in colours] == [
        ("c-1", Colour.BLUE, "none"),
        ("c-2", Colour.RED, "given"),
    ]
    await engine.dispose()


async def test_outbox_rows_are_written_in_staging_order(db_url: str) -> None:
    engine = make_engine(db_url)
    await create_tables(engine)
    staged = [
        {
            "event_id": f"e-{n}",
            "topic": "congress.registration",
            "key": None if n == 5 else f"d-{n}".encode(),
            "value": f'{{"n": {n}}}'.encode(),
            "headers": _HEADERS if n % 2 else [("x-reason", f"r{n}")],
        }
        for n in range(250)
    ]
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        pending_rows(session).extend(staged)
        assert await write_staged(session) == 250
    async with sessions() as session:
        back = (await session.execute(select(outbox_table).order_by(outbox_table.c.id))).all()
    assert [(r.event_id, r.key, r.value) for r in back] == [(s["event_id"], s["key"], s["value"]) for s in staged]
    assert [[tuple(h) for h in r.headers] for r in back] == [[tuple(h) for h in s["headers"]] for s in staged]
    assert all(r.sent_at is None and r.created_at is not None for r in back)
    await engine.dispose()
