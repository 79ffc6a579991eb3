"""Which staged tables go to PostgreSQL as one ``unnest`` statement, and what that statement is (no database)."""

from __future__ import annotations

import enum

from sqlalchemy import JSON, Boolean, Column, DateTime, Enum, Integer, MetaData, String, Table
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.dialects.sqlite import aiosqlite

from services.common.staging import unnest_insert

PG = asyncpg.dialect()
meta = MetaData()
effects = Table(
    "effects",
    meta,
    Column("event_id", String(64), primary_key=True),
    Column("count", Integer),
    Column("at", DateTime(timezone=True)),
    Column("note", String(10), server_default="x"),
)


class Colour(enum.Enum):
    RED = "red"


def test_plain_columns_go_as_one_array_each_in_row_order() -> None:
    rows = [{"event_id": "a", "count": 1}, {"event_id": "b", "count": None}]
    statement = unnest_insert(effects, rows, PG)
    assert statement is not None
    sql, params = statement
    assert sql == (
        "INSERT INTO effects (event_id, count) SELECT c0, c1 FROM unnest($1::VARCHAR(64)[], $2::INTEGER[])"
        " WITH ORDINALITY AS r(c0, c1, n) ORDER BY n"
    )
    assert params == (["a", "b"], [1, None])


def test_what_sqlalchemy_converts_or_fills_in_is_left_to_it() -> None:
    table = Table(
        "mixed",
        meta,
        Column("event_id", String(64), primary_key=True),
        Column("colour", Enum(Colour)),
        Column("doc", JSON),
        Column("flag", Boolean),
        Column("note", String(10), default="none"),
    )
    assert unnest_insert(table, [{"event_id": "a", "colour": Colour.RED}], PG) is None
    assert unnest_insert(table, [{"event_id": "a", "doc": {}, "note": "n"}], PG) is None
    assert unnest_insert(table, [{"event_id": "a", "flag": True, "note": "n"}], PG) is None
    assert unnest_insert(table, [{"event_id": "a"}], PG) is None  # note's default is SQLAlchemy's to fill in
    assert unnest_insert(effects, [{"event_id": "a"}, {"event_id": "b", "count": 2}], PG) is None  # keys differ
    assert unnest_insert(effects, [{"event_id": "a"}], aiosqlite.dialect()) is None
