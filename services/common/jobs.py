"""Periodic jobs that every copy of a service runs, and that take effect once: a lease per job.

With several copies of a service on one PostgreSQL database, each copy runs the same sweeps
(expire unpaid holds, retry Stripe tasks, send reminders…). A job therefore runs under a
**lease**: ``pg_try_advisory_lock`` on a key derived from the job's name, held on its own
connection while the pass runs and released after it. The copy that gets it does the pass;
a copy that finds it taken skips this round quietly (it is not an error, and it is not
logged as one) and tries again at its next tick. The lease dies with its holder: a copy
killed mid-pass drops its connection, PostgreSQL releases the lock, and the next tick of
another copy takes over. On SQLite a database file belongs to one process (``congress up
--replicas`` refuses SQLite), so the lease is always granted.

The lease makes passes of one job mutually exclusive across copies; it is the first line.
Each job still guards its own rows (a conditional UPDATE, ``FOR UPDATE [SKIP LOCKED]``, a
unique key), because the same rows are also touched by web requests and consumers, and
because a lease lost with a dropped connection must never turn into a second effect.

Adopting it for a new sweep is one line in the service's list of jobs::

    jobs.Job("registration.invoice-holds", lambda: invoice_holds.expire(deps))

and ``jobs.run_every(seconds, engine, [...])`` runs the list, each job under its own lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger("congress.jobs")

LOCK_SPACE = 0x6A6F6273
"""First key of the two-key advisory locks of jobs ('jobs'): apart from the relay's and migrations' one-key locks."""


def lock_key(name: str) -> int:
    """A stable signed 32-bit key for a job name (the second key of its advisory lock)."""
    return zlib.crc32(name.encode()) - 2**31


@contextlib.asynccontextmanager
async def lease(engine: AsyncEngine, name: str) -> AsyncIterator[bool]:
    """Hold the job's lease for the ``with`` block if no other copy holds it; yields whether it was granted."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    params = {"space": LOCK_SPACE, "key": lock_key(name)}
    async with engine.connect() as conn:
        granted = bool((await conn.execute(text("SELECT pg_try_advisory_lock(:space, :key)"), params)).scalar())
        await conn.commit()  # the lock is the session's; no transaction (and no snapshot) stays open with it
        try:
            yield granted
        finally:
            if granted:
                with contextlib.suppress(Exception):  # a dropped connection has released it already
                    await conn.execute(text("SELECT pg_advisory_unlock(:space, :key)"), params)
                    await conn.commit()


async def one_at_a_time(conn: AsyncConnection, name: str) -> None:
    """Wait until no other copy runs the transaction ``name`` (e.g. seeding at start-up), then hold it till commit.

    For work every copy does once at start and that must not interleave (two copies inserting the same
    seed rows at once). PostgreSQL: a transaction-level advisory lock; SQLite: one process, nothing to wait for.
    """
    if conn.dialect.name == "postgresql":
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"), {"space": LOCK_SPACE, "key": lock_key(name)}
        )


@dataclass(frozen=True)
class Job:
    """One periodic pass: ``name`` keys its lease (``<service>.<job>``), ``run`` does the pass."""

    name: str
    run: Callable[[], Awaitable[object]]


async def run_once(engine: AsyncEngine, job: Job) -> bool:
    """One pass of ``job`` if its lease is free; False when another copy holds it (this copy skips)."""
    async with lease(engine, job.name) as granted:
        if not granted:
            log.debug("job held by another copy; skipped", extra={"job": job.name})
            return False
        await job.run()
        return True


async def run_all(engine: AsyncEngine, jobs: Sequence[Job]) -> None:
    """One pass of every job, each under its own lease; a failing job is logged and the others still run."""
    for job in jobs:
        try:
            await run_once(engine, job)
        except Exception:
            log.exception("periodic job failed", extra={"job": job.name})


async def run_every(seconds: float, engine: AsyncEngine, jobs: Sequence[Job]) -> None:
    """Run every job each ``seconds`` (after a first wait), until cancelled."""
    while True:
        await asyncio.sleep(seconds)
        await run_all(engine, jobs)
