"""The outbox forgets what Kafka holds: sent rows older than a retention are deleted, a bounded batch at a time.

Once the relay has marked a row sent, Kafka acknowledged it with ``acks=all`` and the topic keeps it; the row
only served debugging, yet the table kept every row of the edition (hundreds of thousands for a congress of
2,500), some with personal fields. Every service's runtime runs ``purge_sent`` as a periodic job
(``OUTBOX_RETENTION_HOURS``, decision 76). Only rows with ``sent_at`` set and older than the retention go: an
unsent row is never chosen (``sent_at < cutoff`` is false for NULL, and the statement says ``IS NOT NULL`` too).

The delete is idempotent, so a second copy running it at once changes nothing more; the job still runs under
its lease (``services.common.jobs``), and on PostgreSQL the batch's rows are chosen ``FOR UPDATE SKIP LOCKED``,
so two purges (or a purge and an erasure deleting the same rows) never wait on each other. Each batch is one
statement of at most ``PURGE_BATCH`` rows in a transaction of its own; on SQLite it takes its turn with the
kernel's other writers (``db.write_turn``) and hands the file back between batches.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Delete, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common import jobs
from services.common.db import utcnow, write_turn
from services.common.outbox import outbox_table

log = logging.getLogger("congress.outbox")

PURGE_BATCH = 5_000
"""Rows one statement deletes at most: SQLite's write lock is held for one such statement at a time."""

PURGE_EVERY_SECONDS = 600.0
"""How often a service purges (the first pass one period after start, so a start-up adds no work)."""

KEEP_FOREVER = -1
"""``OUTBOX_RETENTION_HOURS=-1``: no purge, every sent row is kept (Kafka's ``retention.ms=-1`` reads the same)."""


def delete_batch(
    cutoff: datetime, *, dialect: str, keep_topics: Sequence[str] = (), limit: int = PURGE_BATCH
) -> Delete:
    """The statement that deletes at most ``limit`` sent rows sent before ``cutoff``, none on ``keep_topics``.

    The rows are chosen through ``ix_outbox_sent`` (a partial index on ``sent_at`` over the sent rows): a pass reads
    the index's entries older than the cutoff, and their rows only to check the topic when some are kept.
    """
    c = outbox_table.c
    chosen = select(c.id).where(c.sent_at.is_not(None), c.sent_at < cutoff)
    if keep_topics:
        chosen = chosen.where(c.topic.not_in(keep_topics))
    chosen = chosen.limit(limit)
    if dialect == "postgresql":
        chosen = chosen.with_for_update(skip_locked=True)
    return delete(outbox_table).where(c.id.in_(chosen.scalar_subquery()))


async def purge_batch(
    engine: AsyncEngine, cutoff: datetime, *, keep_topics: Sequence[str] = (), limit: int = PURGE_BATCH
) -> int:
    """One batch: at most ``limit`` old sent rows deleted in a transaction of their own; returns how many."""
    statement = delete_batch(cutoff, dialect=engine.dialect.name, keep_topics=keep_topics, limit=limit)
    async with write_turn(engine), engine.begin() as conn:
        return int((await conn.execute(statement)).rowcount)


async def purge_sent(
    engine: AsyncEngine,
    *,
    retention: timedelta,
    keep_topics: Sequence[str] = (),
    limit: int = PURGE_BATCH,
    now: datetime | None = None,
) -> int:
    """Delete every row sent more than ``retention`` ago (batch by batch, until a batch comes back short)."""
    cutoff = (now or utcnow()) - retention
    purged = 0
    while True:
        deleted = await purge_batch(engine, cutoff, keep_topics=keep_topics, limit=limit)
        purged += deleted
        if deleted < limit:
            break
        await asyncio.sleep(0)  # between batches the consumers and the relay get their turn
    if purged:
        log.info("outbox rows purged", extra={"purged": purged, "cutoff": cutoff.isoformat()})
    else:
        log.debug("outbox: nothing to purge", extra={"purged": 0, "cutoff": cutoff.isoformat()})
    return purged


def purge_job(
    service: str, engine: AsyncEngine, retention_hours: int, *, keep_topics: Sequence[str] = ()
) -> jobs.Job | None:
    """The service's periodic purge (``<service>.outbox-purge``), or None when sent rows are kept forever."""
    if retention_hours == KEEP_FOREVER:
        return None
    retention = timedelta(hours=retention_hours)
    kept = tuple(keep_topics)
    return jobs.Job(f"{service}.outbox-purge", lambda: purge_sent(engine, retention=retention, keep_topics=kept))
