"""Badges' consume path in its main process alone: CPU and SQL statements per confirmation.

A burst of confirmations goes through ``BadgesConsumer.handle_batch`` as Kafka would hand it (one batch, cut into
the consumer's chunks), on SQLite and on a throwaway PostgreSQL, with a renderer that returns a fixed PDF at once:
what is left is the main process's own work (decode, commands, SQL, outbox), the figure issue 11 counts per delegate.

    .venv/bin/python -m bench.badges_consume --delegates 512 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import event, func, select

from schemas import topics
from schemas.base import encode, new_event
from services.badges.adapters import db
from services.badges.adapters.sql import SqlUnits
from services.badges.ports import BadgeDeps
from services.badges.subscriptions import BadgesConsumer
from services.common.congress import load_congress
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.outbox import Outbox
from tests.unit.badges.test_handlers import FakeRenderer, FakeStore, FixedClock


class _Rec:
    def __init__(self, value: bytes, offset: int) -> None:
        self.topic, self.partition, self.offset = topics.REGISTRATION, 0, offset
        self.key: bytes | None = b"d"
        self.value: bytes | None = value
        self.headers: Sequence[tuple[str, bytes]] = []


def _confirmations(n: int) -> list[_Rec]:
    from tests.integration.badges import factories as f

    people = [f.delegate(f"Given{i}", "Family", number=i) for i in range(n)]
    return [_Rec(encode(new_event(f.confirmed(p), "/bench")), i) for i, p in enumerate(people)]


async def _run(url: str, delegates: int) -> tuple[float, float]:
    engine = make_engine(url)
    await create_tables(engine, db.metadata)
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    sessions = make_sessionmaker(engine)
    outbox = Outbox("/congress/badges")
    deps = BadgeDeps(
        units=SqlUnits(sessions, outbox),
        renderer=FakeRenderer(),  # type: ignore[arg-type]  # badges only: a PDF at once
        store=FakeStore(),  # type: ignore[arg-type]  # badges only, in memory
        secret="bench",  # noqa: S106 - signs the bench's QR tokens only
        congress=load_congress(),
        clock=FixedClock(),
    )
    consumer = BadgesConsumer(deps=deps, name="badges", sessionmaker=sessions, outbox=outbox)
    batch = _confirmations(delegates)
    statements = 0
    cpu = time.process_time()
    await consumer.handle_batch(batch)
    cpu = time.process_time() - cpu
    if consumer.stats.handled != delegates:
        raise RuntimeError(f"handled {consumer.stats}")
    async with sessions() as session:
        for table in (db.delegates, db.badges):
            written = (await session.execute(select(func.count()).select_from(table))).scalar_one()
            if written != delegates:
                raise RuntimeError(f"{table.name}: {written} rows for {delegates} delegates")
    await engine.dispose()
    return cpu * 1000 / delegates, statements / delegates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delegates", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from services.devtools.pg_launcher import PostgresLauncher

    launcher = PostgresLauncher()
    pg = launcher.start()
    try:
        for _ in range(args.rounds):
            for name, url in (("sqlite", "sqlite+aiosqlite:///:memory:"), ("postgresql", pg)):
                if name == "postgresql":
                    url = asyncio.run(_fresh(pg))
                ms, per = asyncio.run(_run(url, args.delegates))
                print(f"{name:10s} {ms:6.2f} ms CPU/delegate  {per:5.2f} statements/delegate")
    finally:
        launcher.stop()


async def _fresh(server: str) -> str:
    from tests.conftest import fresh_pg_database

    return await fresh_pg_database(server)


if __name__ == "__main__":
    main()
