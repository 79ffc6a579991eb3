"""One key per person, also when two transactions mint at the same moment: two transactions of one process share
the key the first minted; two copies of a service each mint one, the table keeps the first written current and
the other retired (no error: it still opens what it sealed), and both copies then seal with the current one.
On SQLite and PostgreSQL (services/common/key_table.py, Keyring.settle)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from schemas import topics
from schemas.base import decode
from schemas.notify import NotificationSent
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.key_follower import KeyFollower
from services.common.key_table import person_keys_table
from services.common.keyring import Keyring, person_ref
from services.common.outbox import Outbox, outbox_table, write_staged
from tests.kafka_helpers import eventually, publish

SECRET = "s" * 32
ANA = "ana@example.org"
TOKEN_KEY = re.compile(rb"k1\.(notify-[0-9a-f]+)\.")


def sent(n: int, to: str = ANA) -> NotificationSent:
    return NotificationSent(
        recipient_id="d-1",
        template="payment_confirmed",
        cause_event_id=f"e-{n}",
        message_id=f"<e-{n}@test>",
        to=to,
        subject="Paid",
    )


@pytest.fixture
async def engines(db_url: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    """Two engines on one database: two copies of a service."""
    first, second = make_engine(db_url), make_engine(db_url)
    await create_tables(first)
    yield first, second
    await first.dispose()
    await second.dispose()


async def together(*writers: tuple[async_sessionmaker[AsyncSession], Outbox, int], to: tuple[str, ...] = ()) -> None:
    """Each writer stages its event (minting a key, no statement yet), then all write and commit at once. With
    ``to``, writer ``n`` stages one event for each of those people, in that order (``n`` odd) or the reverse."""
    staged = asyncio.Barrier(len(writers))

    async def write(sessions: async_sessionmaker[AsyncSession], outbox: Outbox, n: int) -> None:
        people = (to if n % 2 else to[::-1]) or (ANA,)
        async with sessions() as session, session.begin():
            for person in people:
                outbox.stage(session, sent(n, person))
            await staged.wait()
            await write_staged(session)

    await asyncio.gather(*(write(*w) for w in writers))


async def keys_of(engine: AsyncEngine) -> list[tuple[str, bool]]:
    async with engine.connect() as conn:
        keys = person_keys_table.c
        query = select(keys.key_id, keys.retired).where(keys.subject == person_ref(SECRET, ANA))
        return [(row.key_id, row.retired) for row in await conn.execute(query)]


async def records(engine: AsyncEngine, topic: str) -> list[tuple[bytes, bytes]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(outbox_table.c.key, outbox_table.c.value).where(outbox_table.c.topic == topic))
        return [(row.key, row.value) for row in rows]


async def loaded(engine: AsyncEngine) -> Keyring:
    """A copy's keyring as its runtime starts it: its keys loaded from the table."""
    keyring = Keyring(SECRET, "notify")
    async with make_sessionmaker(engine)() as session:
        await keyring.load(session)
    return keyring


async def test_two_transactions_of_one_process_share_the_key_one_of_them_minted(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    engine, _ = engines
    keyring = await loaded(engine)
    outbox = Outbox("/test", keyring)
    sessions = make_sessionmaker(engine)
    await together((sessions, outbox, 1), (sessions, outbox, 2))
    [(key_id, retired)] = await keys_of(engine)
    assert not retired
    events = await records(engine, topics.NOTIFY)
    assert [TOKEN_KEY.findall(value) for _, value in events] == [[key_id.encode()] * 2] * 2  # to and subject
    await together((sessions, outbox, 3))  # its record not read back yet: still the same key, not a third
    assert await keys_of(engine) == [(key_id, False)]


async def test_two_copies_minting_for_one_person_end_with_one_current_key_that_both_seal_with(
    engines: tuple[AsyncEngine, AsyncEngine], caplog: pytest.LogCaptureFixture
) -> None:
    copies = [await loaded(engine) for engine in engines]
    outboxes = [Outbox("/test", keyring) for keyring in copies]
    sessions = [make_sessionmaker(engine) for engine in engines]
    with caplog.at_level(logging.WARNING):
        await together((sessions[0], outboxes[0], 1), (sessions[1], outboxes[1], 2))
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []  # a lost race is no error

    keys = await keys_of(engines[0])
    [current] = [key_id for key_id, retired in keys if not retired]
    assert len(keys) == 2  # the other copy's key is kept, retired: it sealed that copy's event

    # Each copy's key follower reads both records, the retired key's first (whoever minted it): what a copy takes
    # up from the topic alone may be the wrong one; the table settles it.
    key_records = sorted(await records(engines[0], topics.KEYS), key=lambda record: record[0] == current.encode())
    for keyring in copies:
        follower = KeyFollower("unused:9092", keyring)
        for key, value in key_records:
            follower.apply(key, value)
        assert keyring.races == {person_ref(SECRET, ANA)}
        await follower.settle()
        assert keyring.races == set()
    for outbox, copy in zip(outboxes, sessions, strict=True):  # each copy seals with the current key
        await together((copy, outbox, 3))
    events = await records(engines[0], topics.NOTIFY)
    assert [set(TOKEN_KEY.findall(value)) for _, value in events[2:]] == [{current.encode()}] * 2
    for keyring in copies:  # and every event, the lost race's too, opens
        assert [decode(value, keyring.opener(final=True)).data.to for _, value in events] == [ANA] * 4  # type: ignore[attr-defined]


async def test_a_copy_started_after_a_race_seals_with_the_current_key_and_opens_the_retired_ones_events(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    copies = [await loaded(engine) for engine in engines]
    await together(
        *((make_sessionmaker(e), Outbox("/test", k), n) for n, (e, k) in enumerate(zip(engines, copies, strict=True)))
    )
    [current] = [key_id for key_id, retired in await keys_of(engines[0]) if not retired]
    restarted = await loaded(engines[1])  # from the table alone: no key record read
    await together((make_sessionmaker(engines[1]), Outbox("/test", restarted), 9))
    events = await records(engines[0], topics.NOTIFY)
    assert set(TOKEN_KEY.findall(events[-1][1])) == {current.encode()}
    assert [decode(value, restarted.opener(final=True)).data.to for _, value in events] == [ANA] * 3  # type: ignore[attr-defined]


async def test_two_copies_minting_for_the_same_people_in_opposite_orders_both_commit(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    people = tuple(f"p{i}@example.org" for i in range(300))  # enough for the two statements to meet midway
    copies = [await loaded(engine) for engine in engines]
    await together(
        *(
            (make_sessionmaker(engine), Outbox("/test", keyring), n)
            for n, (engine, keyring) in enumerate(zip(engines, copies, strict=True), start=1)
        ),
        to=people,
    )  # on PostgreSQL each insert waits for the other copy's key for the same person: in one order, no deadlock
    async with engines[0].connect() as conn:
        keys = person_keys_table.c
        rows = (await conn.execute(select(keys.subject, keys.retired))).all()
    assert sorted(subject for subject, retired in rows if not retired) == sorted(person_ref(SECRET, p) for p in people)
    assert len(rows) == 2 * len(people)


async def test_a_copys_key_follower_settles_the_race_it_reads_from_kafka(
    tmp_path: Path, kafka_bootstrap: str, topic_prefix: str
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'notify.sqlite3'}"
    engines = (make_engine(url), make_engine(url))
    await create_tables(engines[0])
    copies = [await loaded(engine) for engine in engines]
    followers = [KeyFollower(kafka_bootstrap, keyring, topic_prefix=topic_prefix) for keyring in copies]
    tasks = [asyncio.create_task(follower.run()) for follower in followers]
    try:
        await together(
            *(
                (make_sessionmaker(e), Outbox("/test", k), n)
                for n, (e, k) in enumerate(zip(engines, copies, strict=True))
            )
        )
        [current] = [key_id for key_id, retired in await keys_of(engines[0]) if not retired]
        for key, value in sorted(await records(engines[0], topics.KEYS), key=lambda r: r[0] == current.encode()):
            await publish(kafka_bootstrap, topic_prefix + topics.KEYS, [value], key=key)  # as the relays do
        both = [key_id for key_id, _ in await keys_of(engines[0])]
        await eventually(lambda: all(not k.races and all(k.knows(key) for key in both) for k in copies))
        for engine, keyring in zip(engines, copies, strict=True):
            await together((make_sessionmaker(engine), Outbox("/test", keyring), 9))
        events = await records(engines[0], topics.NOTIFY)
        assert [set(TOKEN_KEY.findall(value)) for _, value in events[2:]] == [{current.encode()}] * 2
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for engine in engines:
            await engine.dispose()
