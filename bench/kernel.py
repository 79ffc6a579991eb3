"""Kernel throughput: raw aiokafka produce→consume against the same events through the kernel.

Baseline: an idempotent acks=all aiokafka producer sends N events; a plain consumer
reads them. Kernel: the same N events are consumed by a FastStream batch subscriber
with the inbox (ids recorded), an effect row and one emitted event per input in the
outbox, all in one transaction per batch; the relay publishes the emitted events.
The kernel rate counts until every effect is committed AND every emitted event is
on Kafka. Prints both rates and their ratio; writes bench/results/kernel.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy import Column, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from schemas import CloudEvent, encode, new_event, topics
from schemas.notify import NotificationSent
from schemas.registration import RegistrationConfirmed
from schemas.values import Delegate, Money, PaymentMethod
from services.common.consumer import inbox_table
from services.common.outbox import make_producer, outbox_table
from services.common.runtime import ServiceRuntime
from services.common.settings import ServiceSettings

RESULTS = Path(__file__).parent / "results"
effects_meta = MetaData()
effects = Table("bench_effects", effects_meta, Column("event_id", String(64), primary_key=True))


def sample_events(n: int) -> list[bytes]:
    out = []
    for i in range(n):
        delegate = Delegate(
            delegate_id=f"d-{i}",
            registration_number=f"ICSEI27-{i:05d}",
            given_name="Ana",
            family_name="Müller",
            badge_name="Ana Müller",
            affiliation="Universität Wien",
            country="AT",
            email=f"ana{i}@example.org",
            category="member",
        )
        data = RegistrationConfirmed(
            congress_id="icsei-2027",
            registration_id=f"r-{i}",
            delegate_id=f"d-{i}",
            registration_version=1,
            delegate=delegate,
            total=Money(amount_minor=42000, currency="EUR"),
            payment_method=PaymentMethod.CARD,
        )
        out.append(encode(new_event(data, "/bench")))
    return out


async def produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = make_producer(bootstrap, "bench-producer")
    await producer.start()
    try:
        futures = [await producer.send(topic, v, key=f"d-{i}".encode()) for i, v in enumerate(values)]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def consume_count(bootstrap: str, topic: str, n: int) -> None:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=2000,
    )
    await consumer.start()
    seen = 0
    try:
        while seen < n:
            batch = await consumer.getmany(timeout_ms=500, max_records=2000)
            seen += sum(len(records) for records in batch.values())
    finally:
        await consumer.stop()


async def raw_rate(bootstrap: str, values: list[bytes]) -> float:
    topic = f"bench.raw.{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)  # the brokers create no topic on their own
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    finally:
        await admin.close()
    await produce(bootstrap, topic, values[:10])  # warm up outside the clock
    start = time.perf_counter()
    await asyncio.gather(produce(bootstrap, topic, values), consume_count(bootstrap, topic, len(values) + 10))
    return len(values) / (time.perf_counter() - start)


def emitted(event: CloudEvent[Any]) -> list[NotificationSent]:
    return [
        NotificationSent(
            recipient_id=event.subject,
            template="payment_confirmed",
            cause_event_id=event.id,
            message_id=f"<{event.id}@bench>",
            to=event.data.delegate.email,
            subject="Paid",
        )
    ]


async def on_confirmed(event: CloudEvent[Any], session: AsyncSession) -> list[NotificationSent]:
    """Kernel only: the effect is the emitted event (inbox + outbox rows, written in batches)."""
    return emitted(event)


async def on_confirmed_with_row(event: CloudEvent[Any], session: AsyncSession) -> list[NotificationSent]:
    """Kernel plus a handler that writes one row of its own per event (one more statement per event)."""
    await session.execute(insert(effects).values(event_id=event.id))
    return emitted(event)


async def kernel_rate(bootstrap: str, values: list[bytes], database_url: str, *, handler_row: bool = False) -> float:
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    settings = ServiceSettings(
        service_name="bench", database_url=database_url, kafka_bootstrap_servers=bootstrap, kafka_topic_prefix=prefix
    )
    runtime = ServiceRuntime(settings, metadata=effects_meta)
    handler = on_confirmed_with_row if handler_row else on_confirmed
    runtime.consume("bench", (topics.REGISTRATION,), {RegistrationConfirmed: handler})
    await runtime.start()
    try:
        # Warm up outside the clock: the consumer group has joined once the first event is handled.
        await produce(bootstrap, prefix + topics.REGISTRATION, values[:1])
        while not runtime.consumers[0].stats.handled:  # noqa: ASYNC110 -- a plain counter, no event to await
            await asyncio.sleep(0.05)
        values = values[1:]
        start = time.perf_counter()
        await produce(bootstrap, prefix + topics.REGISTRATION, values)
        while True:
            async with runtime.sessionmaker() as session:
                done = (await session.execute(select(func.count()).select_from(inbox_table))).scalar_one()
                unsent = (
                    await session.execute(
                        select(func.count()).select_from(outbox_table).where(outbox_table.c.sent_at.is_(None))
                    )
                ).scalar_one()
            if done >= len(values) + 1 and unsent == 0:
                break
            await asyncio.sleep(0.05)
        return len(values) / (time.perf_counter() - start)
    finally:
        await runtime.stop()


def start_kafka() -> tuple[str, Any]:
    import os

    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        return os.environ["KAFKA_BOOTSTRAP_SERVERS"], None
    from services.devtools.kafka_launcher import KafkaLauncher
    from services.devtools.processes import free_port

    launcher = KafkaLauncher(Path(tempfile.mkdtemp(prefix="bench-kafka-")), port=free_port())
    print("starting a local Kafka for the benchmark…", flush=True)
    return launcher.start(timeout=120), launcher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--postgres", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    bootstrap, launcher = start_kafka()
    pg = None
    try:
        values = sample_events(args.events)
        rows: dict[str, float] = {}
        print(f"{args.events} events of {len(values[0])} bytes", flush=True)
        rows["raw aiokafka produce→consume"] = asyncio.run(raw_rate(bootstrap, values))
        print(f"  raw: {rows['raw aiokafka produce→consume']:,.0f}/s", flush=True)
        sqlite_path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        rows["kernel (SQLite)"] = asyncio.run(kernel_rate(bootstrap, values, f"sqlite+aiosqlite:///{sqlite_path}"))
        print(f"  kernel SQLite: {rows['kernel (SQLite)']:,.0f}/s", flush=True)
        sqlite_path = Path(tempfile.mkdtemp()) / "bench-row.sqlite3"
        name = "kernel + 1 handler INSERT/event (SQLite)"
        rows[name] = asyncio.run(kernel_rate(bootstrap, values, f"sqlite+aiosqlite:///{sqlite_path}", handler_row=True))
        print(f"  {name}: {rows[name]:,.0f}/s", flush=True)
        if args.postgres:
            from services.devtools.pg_launcher import PostgresLauncher

            pg = PostgresLauncher()
            rows["kernel (PostgreSQL)"] = asyncio.run(kernel_rate(bootstrap, values, pg.start()))
            print(f"  kernel PostgreSQL: {rows['kernel (PostgreSQL)']:,.0f}/s", flush=True)
    finally:
        if pg is not None:
            pg.stop()
        if launcher is not None:
            launcher.stop()
    raw = rows["raw aiokafka produce→consume"]
    print(f"\n{'stage':<44}{'events/s':>12}{'vs raw':>10}")
    for name, rate in rows.items():
        print(f"{name:<44}{rate:>12,.0f}{rate / raw:>9.0%}")
    print("goal: kernel ≥ 50% of raw")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "kernel.json").write_text(
        json.dumps(
            {
                "events": args.events,
                "event_bytes": len(values[0]),
                "rates_per_second": rows,
                "ratio_to_raw": {k: v / raw for k, v in rows.items()},
                "goal_ratio": 0.5,
                "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
