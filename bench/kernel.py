"""Kernel throughput: raw aiokafka produce→consume against the same events through the kernel.

    uv run python -m bench.kernel [--events 20000] [--repeat 3] [--statement-per-event] [--no-postgres]
                                  [--kinds personal,plain] [--bounds]

Baseline: an idempotent acks=all aiokafka producer sends N events; a plain consumer
reads them. Kernel: the same N events are consumed by a FastStream batch subscriber
with the inbox (ids recorded) and one emitted event per input in the outbox, all in one
transaction per batch; the relay publishes the emitted events. "+ 1 handler INSERT"
adds a row per event written by the handler with ``stage_insert`` (one statement per
batch); ``--statement-per-event`` also runs it as one ``session.execute`` per event.
Two kinds of events (``--kinds``, both by default): ``personal``, a RegistrationConfirmed
whose delegate's fields are personal, sealed per delegate as registration seals them (the
keys are published to the run's key topic and learnt by the kernel before the clock starts,
so each event's tokens are opened at the consumer's edge while it runs; the emitted
NotificationSent is sealed per recipient, minting a key per person), and ``plain``, a
bench-only event of the same size and shape with no personal field, emitting one with
none either: the kernel's own cost, without crypto-shredding's.
``--bounds`` adds a stage that is not a shape of the kernel but a ceiling for any: the consumer alone, its
relay stopped before the clock (the emitted events stay in the outbox), counted once every input's transaction
committed — what the kernel would do if publishing cost it nothing (a relay in a process of its own, say).
The kernel rate counts until every effect is committed AND every emitted event is on
Kafka. Each kernel run is compared with the median of three raw runs just before it (a
shared machine's load changes by the minute; each raw consumer is warm before its clock
starts, as the kernel's is); ``--repeat`` gives medians. Both run as a service process
does: uvloop (uvicorn's loop) and the service's garbage-collector settings. This
process's CPU µs per event are printed beside the rates. SQLite and PostgreSQL
(``TEST_POSTGRES_URL``, else a server started for the run). Writes
bench/results/kernel.json; never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import uvloop
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Column, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from schemas import CloudEvent, EventData, decode, encode, new_event, topics
from schemas.badges import BadgePrinted
from schemas.base import register
from schemas.notify import NotificationSent
from schemas.registration import RegistrationConfirmed
from schemas.values import AddOn, Delegate, Money, PaymentMethod, Role
from services.common.consumer import inbox_table
from services.common.keyring import Keyring, staged_keys
from services.common.outbox import outbox_table
from services.common.relay import make_producer
from services.common.runtime import ServiceRuntime, tune_gc
from services.common.settings import ServiceSettings
from services.common.staging import stage_insert

RESULTS = Path(__file__).parent / "results"
effects_meta = MetaData()
effects = Table("bench_effects", effects_meta, Column("event_id", String(64), primary_key=True))


class BenchSeat(BaseModel):
    """Bench only: a nested part shaped like ``Delegate``, with no personal field."""

    model_config = ConfigDict(frozen=True)

    delegate_id: str = Field(description="Delegate id.")
    registration_number: str = Field(description="Registration number.")
    session_id: str = Field(description="A session.")
    room: str = Field(description="Its room.")
    building: str = Field(description="Its building.")
    track: str = Field(description="Its track.")
    country: str = Field(description="Country code.")
    language: str = Field(default="en", description="Language.")
    category: str = Field(description="Category code.")
    roles: tuple[Role, ...] = Field(default=(Role.DELEGATE,), description="Roles.")
    add_ons: tuple[AddOn, ...] = Field(default=(), description="Add-ons.")


class BenchSeatTaken(EventData):
    """Bench only (never published by a service): an event of RegistrationConfirmed's size and shape
    with no personal field, so the kernel's cost shows without sealing and opening."""

    context: ClassVar[str] = "registration"
    key_field: ClassVar[str] = "delegate_id"
    abstract: ClassVar[bool] = True
    """Not registered when the class is defined: importing this module (bench.sealing and bench.pipeline do, and so
    may a test) must not add an event to the contracts the process checks. ``bench_event`` registers it for a run."""

    congress_id: str = Field(description="Edition.")
    registration_id: str = Field(description="Registration id.")
    delegate_id: str = Field(description="Delegate id; the Kafka key.")
    registration_version: int = Field(description="Version.")
    seat: BenchSeat = Field(description="The seat.")
    total: Money = Field(description="Price.")
    payment_method: PaymentMethod = Field(description="How paid.")


def bench_event() -> type[BenchSeatTaken]:
    """The bench-only event, registered so that the kernel decodes it: called by what makes or consumes one."""
    register(BenchSeatTaken)
    return BenchSeatTaken


@dataclass
class Inputs:
    """The events a run sends, and the key records (key, value) a producer published before them."""

    values: list[bytes]
    keys: list[tuple[bytes, bytes]]


def sample_inputs(n: int, kind: str) -> Inputs:
    """``n`` events of ``kind``: the personal kind sealed per delegate as registration seals them (a key minted
    per delegate, its record to be published first), the plain kind as they are (nothing to seal)."""
    if kind == "plain":
        return Inputs(sample_events(n, kind), [])
    writer = Keyring(ServiceSettings().secret.get_secret_value(), "registration")  # the kernel's runs' secret
    with Session() as scratch:  # no database: the keys minted are only staged on it
        seal = writer.sealer(scratch)
        values = [encode(decode(value), seal) for value in sample_events(n, kind)]
        keys = [(message["key"], message["value"]) for _, message in staged_keys(scratch)]
    return Inputs(values, keys)


def sample_events(n: int, kind: str = "personal") -> list[bytes]:
    """``n`` events of ``kind`` with their personal fields in clear (see ``sample_inputs`` for them sealed)."""
    if kind == "plain":
        return [encode(new_event(plain_event(i), "/bench")) for i in range(n)]
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


def plain_event(i: int) -> BenchSeatTaken:
    seat = BenchSeat(
        delegate_id=f"d-{i}",
        registration_number=f"ICSEI27-{i:05d}",
        session_id=f"s-{i % 97:04d}-paper-session",
        room="Großer Festsaal, Hauptgebäude",
        building="Universität Wien, Universitätsring 1",
        track="Early Childhood Education",
        country="AT",
        category="member",
    )
    return bench_event()(
        congress_id="icsei-2027",
        registration_id=f"r-{i}",
        delegate_id=f"d-{i}",
        registration_version=1,
        seat=seat,
        total=Money(amount_minor=42000, currency="EUR"),
        payment_method=PaymentMethod.CARD,
    )


CPU_US: dict[int, float] = {}
"""This process's CPU time per event of each measured run (by run number), for the results."""
LOOP_US: dict[int, float] = {}
"""The event loop's thread's share of it (by run number); the rest is other threads' (SQLite's workers)."""


class Clock:
    """Wall time and this process's CPU time (every thread, and the loop's thread) from creation to ``stop``."""

    def __init__(self) -> None:
        self.wall, self.cpu, self.loop = time.perf_counter(), time.process_time(), time.thread_time()

    def stop(self, events: int) -> float:
        """Events per second; records the CPU µs per event (the process's and the loop thread's)."""
        run = len(CPU_US)
        LOOP_US[run] = (time.thread_time() - self.loop) / events * 1e6
        CPU_US[run] = (time.process_time() - self.cpu) / events * 1e6
        return events / (time.perf_counter() - self.wall)


async def produce(bootstrap: str, topic: str, values: list[bytes], keys: list[bytes] | None = None) -> None:
    producer = make_producer(bootstrap, "bench-producer")
    await producer.start()
    try:
        keys = keys or [f"d-{i}".encode() for i in range(len(values))]
        futures = [await producer.send(topic, v, key=k) for k, v in zip(keys, values, strict=True)]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def read_count(consumer: AIOKafkaConsumer, n: int) -> None:
    """Read ``n`` records with ``consumer``."""
    seen = 0
    while seen < n:
        batch = await consumer.getmany(timeout_ms=500, max_records=2000)
        seen += sum(len(records) for records in batch.values())


async def raw_rate(bootstrap: str, values: list[bytes]) -> float:
    """Events per second produced and consumed by plain aiokafka clients, their consumer warm before the clock.

    The consumer joins its group and reads a few warm-up events before the clock starts, as the kernel's does
    (``kernel_rate``): a group join inside the clock (a coordinator lookup, a rebalance) made one raw run in a
    few take half the others' rate."""
    topic = f"bench.raw.{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)  # the brokers create no topic on their own
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=2000,
    )
    await consumer.start()
    try:
        await produce(bootstrap, topic, values[:10])  # warm up outside the clock
        await read_count(consumer, 10)
        clock = Clock()
        await asyncio.gather(produce(bootstrap, topic, values), read_count(consumer, len(values)))
        return clock.stop(len(values))
    finally:
        await consumer.stop()


RAW_RUNS = 3
"""Raw runs before each kernel run; their median is the baseline (a single raw run was now and then far off)."""


def emitted(event: CloudEvent[Any]) -> list[EventData]:
    if isinstance(event.data, BenchSeatTaken):
        return [
            BadgePrinted(
                congress_id=event.data.congress_id,
                delegate_id=event.subject,
                station_id=f"desk-{event.id}",
                print_count=1,
                printed_at=event.time,
            )
        ]
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


async def on_confirmed(event: CloudEvent[Any], session: AsyncSession) -> list[EventData]:
    """Kernel only: the effect is the emitted event (inbox + outbox rows, written in batches)."""
    return emitted(event)


async def on_confirmed_with_row(event: CloudEvent[Any], session: AsyncSession) -> list[EventData]:
    """Kernel plus a handler that writes one row of its own per event, staged: one statement per batch."""
    stage_insert(session, effects, {"event_id": event.id})
    return emitted(event)


async def on_confirmed_with_statement(event: CloudEvent[Any], session: AsyncSession) -> list[EventData]:
    """Kernel plus a handler that executes one INSERT of its own per event (a statement per event)."""
    await session.execute(insert(effects).values(event_id=event.id))
    return emitted(event)


HANDLERS = {"none": on_confirmed, "staged": on_confirmed_with_row, "statement": on_confirmed_with_statement}


async def kernel_rate(
    bootstrap: str,
    values: list[bytes],
    database_url: str,
    *,
    handler_row: str = "none",
    keys: list[tuple[bytes, bytes]] | None = None,
    relay: bool = True,
) -> float:
    """Events per second through the kernel; ``keys``, the inputs' key records, are published and learnt first.

    ``relay=False``: the relay is stopped before the clock starts and the clock stops once every input's
    transaction committed, nothing published (the ``--bounds`` stage: the consumer's part alone)."""
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    settings = ServiceSettings(
        service_name="bench", database_url=database_url, kafka_bootstrap_servers=bootstrap, kafka_topic_prefix=prefix
    )
    runtime = ServiceRuntime(settings, metadata=effects_meta)
    handler = HANDLERS[handler_row]
    runtime.consume("bench", (topics.REGISTRATION,), {RegistrationConfirmed: handler, bench_event(): handler})
    await runtime.start()
    try:
        if keys:  # as registration's relay publishes them: before the events that use them
            await produce(bootstrap, prefix + topics.KEYS, [v for _, v in keys], [k for k, _ in keys])
            if not await runtime.key_follower.catch_up(timeout=120):
                raise RuntimeError("the kernel did not read the inputs' keys")
        # Warm up outside the clock: the consumer group has joined once the first event is handled.
        await produce(bootstrap, prefix + topics.REGISTRATION, values[:1])
        while not runtime.consumers[0].stats.handled:  # noqa: ASYNC110 -- a plain counter, no event to await
            await asyncio.sleep(0.05)
        values = values[1:]
        if not relay:
            await stop_relay()
        clock = Clock()
        await produce(bootstrap, prefix + topics.REGISTRATION, values)
        # Done when every event's transaction committed and every emitted event is on Kafka (marked sent; with
        # the relay stopped, once every transaction committed). The consumer and the relay count both after
        # their commits, so the tables are read only once the counters say so (counting rows every 50 ms cost
        # the measured process a twentieth of its CPU). The relay also publishes the keys it minted (personal
        # kind), so its count is a hint and the outbox has the last word.
        consumer = runtime.consumers[0]
        outbox_relay = runtime.relay
        if outbox_relay is None:
            raise RuntimeError("the runtime started no relay")
        wanted = len(values) + 1 if relay else 0
        while True:
            while consumer.stats.handled < len(values) + 1 or outbox_relay.published < wanted:  # noqa: ASYNC110 -- plain counters, no event to await
                await asyncio.sleep(0.01)
            async with runtime.sessionmaker() as session:
                done = (await session.execute(select(func.count()).select_from(inbox_table))).scalar_one()
                unsent = (
                    await session.execute(
                        select(func.count()).select_from(outbox_table).where(outbox_table.c.sent_at.is_(None))
                    )
                ).scalar_one()
            if done >= len(values) + 1 and (unsent == 0 or not relay):
                return clock.stop(len(values))
            await asyncio.sleep(0.01)
    finally:
        await runtime.stop()


async def stop_relay() -> None:
    """Cancel the runtime's relay task (``ServiceRuntime.start`` names it) and wait until it has stopped."""
    tasks = [task for task in asyncio.all_tasks() if task.get_name() == "outbox-relay"]
    if len(tasks) != 1:
        raise RuntimeError(f"expected one relay task, found {len(tasks)}")
    tasks[0].cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await tasks[0]


def start_kafka() -> tuple[str, Any]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        return os.environ["KAFKA_BOOTSTRAP_SERVERS"], None
    from services.devtools.kafka_launcher import KafkaLauncher
    from services.devtools.processes import free_port

    launcher = KafkaLauncher(Path(tempfile.mkdtemp(prefix="bench-kafka-")), port=free_port())
    print("starting a local Kafka for the benchmark…", flush=True)
    return launcher.start(timeout=120), launcher


async def fresh_pg_database(server_url: str) -> str:
    """An empty database on the server (each kernel run starts from empty tables)."""
    import asyncpg

    base, _, _ = server_url.rpartition("/")
    name = f"bench_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(base.replace("postgresql+asyncpg://", "postgresql://") + "/postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{base}/{name}"


STAGES = {
    "none": "kernel ({db})",
    "staged": "kernel + 1 handler INSERT/event ({db})",
    "statement": "kernel + 1 handler INSERT/event, a statement each ({db})",
    "alone": "kernel's consumer alone, relay stopped ({db})",
}
GOALS: dict[str, float | None] = {"none": 0.35, "staged": 0.15, "statement": 0.15, "alone": None}
"""Issue 11: the kernel at ≥ 35 % of raw aiokafka on both databases, with a handler INSERT per event ≥ 15 %. The
consumer alone (``--bounds``) has none: it is the ceiling of what moving the relay's work elsewhere could give."""


@dataclass
class Pair:
    """One kernel run and the raw run just before it (the machine's load changes by the minute)."""

    raw: float
    raw_cpu_us: float
    kernel: float
    kernel_cpu_us: float
    kernel_loop_us: float
    """The event loop's thread's CPU µs per event in the kernel run (``LOOP_US``)."""
    raws: tuple[float, ...] = ()
    """Every raw run before this kernel run (``raw`` is their median)."""

    @property
    def ratio(self) -> float:
        return self.kernel / self.raw


def run_pair(bootstrap: str, inputs: Inputs, server: str | None, handler: str) -> Pair:
    raws, raw_cpus = [], []
    for _ in range(RAW_RUNS):
        raws.append(uvloop.run(raw_rate(bootstrap, inputs.values)))
        raw_cpus.append(CPU_US[len(CPU_US) - 1])
    if server is None:
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    else:
        url = asyncio.run(fresh_pg_database(server))
    alone = handler == "alone"
    kernel = uvloop.run(
        kernel_rate(
            bootstrap, inputs.values, url, handler_row="none" if alone else handler, keys=inputs.keys, relay=not alone
        )
    )
    run = len(CPU_US) - 1
    return Pair(statistics.median(raws), statistics.median(raw_cpus), kernel, CPU_US[run], LOOP_US[run], tuple(raws))


KINDS = {"personal": "", "plain": ", no personal field"}
"""Stage name suffix per kind of event (see the module's docstring)."""


def stage_name(handler: str, kind: str, db: str) -> str:
    return STAGES[handler].format(db=db).replace(" (", KINDS[kind] + " (", 1)


def run_all(
    bootstrap: str, values: dict[str, Inputs], pg_server: str | None, handlers: list[str], repeat: int
) -> dict[str, list[Pair]]:
    """Each kernel stage on each database and kind of event, each right after a raw run, ``repeat`` times."""
    pairs: dict[str, list[Pair]] = {}
    databases = [("SQLite", None)] + ([("PostgreSQL", pg_server)] if pg_server else [])
    for round_ in range(repeat):
        for db_name, server in databases:
            for kind, kind_values in values.items():
                for handler in handlers:
                    name = stage_name(handler, kind, db_name)
                    pair = run_pair(bootstrap, kind_values, server, handler)
                    pairs.setdefault(name, []).append(pair)
                    print(
                        f"  [{round_ + 1}/{repeat}] {name}: {pair.kernel:,.0f}/s, raw just before {pair.raw:,.0f}/s"
                        f" (median of {', '.join(f'{r:,.0f}' for r in pair.raws)})"
                        f" → {pair.ratio:.0%}, CPU {pair.kernel_cpu_us:,.0f} µs/event (loop thread"
                        f" {pair.kernel_loop_us:,.0f}; raw {pair.raw_cpu_us:,.0f});"
                        f" {1e6 / pair.kernel:,.0f} µs of wall",
                        flush=True,
                    )
    return pairs


def summary(pairs: dict[str, list[Pair]], handlers: list[str], kinds: list[str]) -> dict[str, dict[str, Any]]:
    """Per stage: medians of the ratio, rates and CPU per event over the repeats, and the goal."""
    goals = {stage_name(h, k, db): GOALS[h] for h in handlers for k in kinds for db in ("SQLite", "PostgreSQL")}
    return {
        name: {
            "ratio_to_raw": statistics.median(p.ratio for p in runs),
            "kernel_per_second": statistics.median(p.kernel for p in runs),
            "raw_per_second": statistics.median(p.raw for p in runs),
            "kernel_cpu_us_per_event": statistics.median(p.kernel_cpu_us for p in runs),
            "kernel_loop_thread_cpu_us_per_event": statistics.median(p.kernel_loop_us for p in runs),
            "raw_cpu_us_per_event": statistics.median(p.raw_cpu_us for p in runs),
            "ratios": [p.ratio for p in runs],
            "raw_runs": [list(p.raws) for p in runs],
            "goal_ratio": goals[name],
        }
        for name, runs in pairs.items()
    }


def _percent(goal: float | None) -> str:
    return "—" if goal is None else f"{goal:.0%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=1, help="run every pair this many times; medians are shown")
    parser.add_argument("--postgres", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--postgres-url", default=os.environ.get("TEST_POSTGRES_URL"), help="a server to use (default: start one)"
    )
    parser.add_argument(
        "--statement-per-event",
        action="store_true",
        help="also run a handler that executes its INSERT per event instead of staging it (as before stage_insert)",
    )
    parser.add_argument(
        "--bounds",
        action="store_true",
        help="also run the kernel's consumer alone, its relay stopped: a ceiling for moving the relay elsewhere",
    )
    parser.add_argument(
        "--kinds",
        default="personal,plain",
        help="kinds of event, comma-separated: personal (sealed fields), plain (none); default both",
    )
    args = parser.parse_args()
    kinds = [kind for kind in args.kinds.split(",") if kind]
    if not kinds or any(kind not in KINDS for kind in kinds):
        parser.error(f"--kinds takes {', '.join(KINDS)}")
    handlers = ["none", "staged"]
    handlers += ["statement"] if args.statement_per_event else []
    handlers += ["alone"] if args.bounds else []
    bootstrap, launcher = start_kafka()
    pg = None
    try:
        values = {kind: sample_inputs(args.events, kind) for kind in kinds}
        tune_gc()  # as a service process does (ServiceRuntime.serve)
        for kind, kind_values in values.items():
            print(f"{args.events} {kind} events of {len(kind_values.values[0])} bytes", flush=True)
        server = args.postgres_url
        if args.postgres and server is None:
            from services.devtools.pg_launcher import PostgresLauncher

            pg = PostgresLauncher()
            server = pg.start()
        pairs = run_all(bootstrap, values, server if args.postgres else None, handlers, args.repeat)
    finally:
        if pg is not None:
            pg.stop()
        if launcher is not None:
            launcher.stop()
    table = summary(pairs, handlers, kinds)
    print(f"\n{'stage':<76}{'events/s':>10}{'raw/s':>10}{'vs raw':>8}{'goal':>7}{'CPU µs/ev':>11}{'loop':>6}{'raw':>6}")
    for name, row in table.items():
        print(
            f"{name:<76}{row['kernel_per_second']:>10,.0f}{row['raw_per_second']:>10,.0f}"
            f"{row['ratio_to_raw']:>8.0%}{_percent(row['goal_ratio']):>7}"
            f"{row['kernel_cpu_us_per_event']:>11,.0f}{row['kernel_loop_thread_cpu_us_per_event']:>6,.0f}"
            f"{row['raw_cpu_us_per_event']:>6,.0f}"
        )
    print(f"(each kernel run is compared with the median of {RAW_RUNS} raw runs just before it;")
    print(" medians over --repeat runs;")
    print(" CPU is this process's, all threads, per event — the broker's is not counted;")
    print(" loop: the event loop's thread alone, where every step but SQLite's runs; wall µs/event = 1e6 / events/s)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "kernel.json").write_text(
        json.dumps(
            {
                "events": args.events,
                "event_bytes": {kind: len(kind_values.values[0]) for kind, kind_values in values.items()},
                "repeat": args.repeat,
                "stages": table,
                "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
