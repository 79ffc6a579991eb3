"""The inbox: which events each consumer has handled, checked and recorded in one statement.

A consumer records a batch's event ids first thing in the batch's transaction with
``INSERT … ON CONFLICT DO NOTHING RETURNING``: what comes back is what this consumer has not
handled before, and the record commits or rolls back with the batch's effects. Two copies
handling the same event meet on the primary key: the second waits for the first's commit
and then finds the event already recorded.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import ARRAY, Column, DateTime, PrimaryKeyConstraint, String, Table, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.db import SQLITE_TIME, kernel_metadata, sqlite_driver

inbox_table = Table(
    "inbox",
    kernel_metadata,
    Column("consumer", String(100), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("handled_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("consumer", "event_id"),
)

# One array parameter: an expanding IN or a multi-row VALUES binds a parameter per id, each a cost.
_INSERT_PG = (
    text(
        "INSERT INTO inbox (consumer, event_id, handled_at) SELECT :consumer, id, :now FROM unnest(:ids) AS id"
        " ON CONFLICT DO NOTHING RETURNING event_id"
    )
    .bindparams(bindparam("ids", type_=ARRAY(String)), bindparam("now", type_=DateTime(timezone=True)))
    .columns(event_id=String)
)
# A JSON array read by json_each (WHERE true: SQLite's parser needs it before ON CONFLICT); sent to the driver.
_SQLITE_INSERT = (
    "INSERT INTO inbox (consumer, event_id, handled_at) SELECT ?, value, ? FROM json_each(?)"
    " WHERE true ON CONFLICT DO NOTHING RETURNING event_id"
)


async def record_in_inbox(session: AsyncSession, consumer: str, ids: list[str]) -> set[str]:
    """Record these event ids as handled by ``consumer``; returns those that were not recorded already."""
    if not ids:
        return set()
    now = datetime.now(UTC)
    driver = await sqlite_driver(session)
    if driver is not None:  # one trip to aiosqlite's thread (db.sqlite_driver)
        rows = await driver.execute_fetchall(_SQLITE_INSERT, (consumer, now.strftime(SQLITE_TIME), json.dumps(ids)))
        return {row[0] for row in rows}
    result = await session.execute(_INSERT_PG, {"consumer": consumer, "ids": ids, "now": now})
    return set(result.scalars())
