"""A service starts while Kafka is unreachable, serves locally, and links up when Kafka answers.

Kafka is "away" because the service's bootstrap address is a loopback TCP forwarder that is
not listening yet; once it listens (forwarding to the real broker), the runtime's background
link must create the topics, subscribe the consumers and publish the outbox that waited.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from schemas import CloudEvent, topics
from schemas.registration import RefundIssued
from schemas.values import Money
from services.common.runtime import ServiceRuntime
from services.common.settings import ServiceSettings
from services.common.unit_of_work import transaction
from tests.kafka_helpers import eventually, publish, read_events


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def forwarder(port: int, target: str) -> AsyncIterator[None]:
    host, target_port = target.rsplit(":", 1)

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(host, int(target_port))
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    try:
        yield
    finally:
        server.close()


def refund(n: int) -> RefundIssued:
    return RefundIssued(
        congress_id="icsei-2027",
        registration_id=f"r-{n}",
        delegate_id=f"d-{n}",
        amount=Money(amount_minor=100 * n, currency="EUR"),
        provider_reference="re_ok",
    )


async def test_starts_without_kafka_and_links_when_it_answers(
    tmp_path: Any, kafka_bootstrap: str, topic_prefix: str
) -> None:
    port = free_port()
    settings = ServiceSettings(
        service_name="offline-start",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/offline.sqlite3",
        kafka_topic_prefix=topic_prefix,
        kafka_bootstrap_servers=f"127.0.0.1:{port}",
    )
    seen: list[str] = []

    async def on_refund(event: CloudEvent[Any], session: AsyncSession) -> None:
        seen.append(event.data.registration_id)

    rt = ServiceRuntime(settings)
    rt.consume("offline-start", (topics.REGISTRATION,), {RefundIssued: on_refund})
    await asyncio.wait_for(rt.start(), timeout=60)  # returns although nothing answers on the port
    try:
        assert rt.started
        checks = await rt.ready()
        assert checks["database"] is True
        assert checks["kafka"] is False

        async with transaction(rt.sessionmaker, rt.outbox) as uow:  # local work goes on: into the outbox
            uow.stage(refund(1))

        async with forwarder(port, kafka_bootstrap):
            await eventually(lambda: rt.kafka_linked, timeout=60)
            published = await read_events(
                kafka_bootstrap,
                topic_prefix + topics.REGISTRATION,
                until=lambda evs: any(e.data.registration_id == "r-1" for e in evs),
            )
            assert [e.data.registration_id for e in published] == ["r-1"]
            await publish(kafka_bootstrap, topic_prefix + topics.REGISTRATION, [refund(2)])
            await eventually(lambda: {"r-1", "r-2"} <= set(seen), timeout=60)
            assert (await rt.ready())["kafka"] is True
    finally:
        await rt.stop()
