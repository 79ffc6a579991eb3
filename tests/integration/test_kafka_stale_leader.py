"""Decision 74 reproduced on the three-node cluster: a group member whose view of the cluster still names a
partition's old leader takes the partition over with no committed offset.

aiokafka 0.14 asks the leader in its view for the offset to start from; the old leader, restarted and now a
follower, answers NotLeaderForPartition, and the fetcher asks it again every 100 ms without refreshing its
view (``Fetcher._update_fetch_positions``), so the partition stalls until the periodic metadata refresh:
five minutes by aiokafka's default, ``METADATA_MAX_AGE_MS`` (15 s) in every client the congress makes.

The scene is set so that the stale view is certain, not a matter of luck: the readers talk to one node only
(their bootstrap, their groups' coordinator, the leader of the partition they read first), so nothing they do
tells them that the others stopped; the partition handed over is led by its preferred replica at the end, so
the brokers' own rebalancing never moves it back to the node the readers believe in while the test looks.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import inspect
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.coordinator.assignors.abstract import AbstractPartitionAssignor
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment, ConsumerProtocolMemberMetadata
from aiokafka.errors import GroupCoordinatorNotAvailableError

from services.common.broker import METADATA_MAX_AGE_MS
from services.devtools.kafka_cluster import KafkaCluster

AIOKAFKA_DEFAULT_MAX_AGE_MS = 300_000
"""aiokafka's own ``metadata_max_age_ms``: what a client made without ``METADATA_MAX_AGE_MS`` refreshes by."""

READER_IDLE_MS = 5_000
"""The readers drop a connection idle this long (aiokafka's default: nine minutes), so the test need not wait for
the idle connections a real member has dropped by the time a partition is handed over to it. Longer than the
heartbeat (3 s), so the coordinator's connection stays."""


class KeeperHoldsPartitionOne(AbstractPartitionAssignor):  # type: ignore[misc]  # aiokafka's base is untyped
    """Partition 1 to the member whose client id starts with ``keeper`` while one is in the group; every other
    partition to the others (all to whoever is there when the keeper has left)."""

    name = "keeper-holds-partition-one"
    version = 0

    @classmethod
    def assign(
        cls, cluster: Any, members: Mapping[str, ConsumerProtocolMemberMetadata]
    ) -> dict[str, ConsumerProtocolMemberAssignment]:
        keepers = sorted(member for member in members if member.startswith("keeper"))
        readers = sorted(member for member in members if not member.startswith("keeper")) or keepers
        chosen: dict[str, dict[str, list[int]]] = {member: collections.defaultdict(list) for member in members}
        for topic in sorted({topic for metadata in members.values() for topic in metadata.subscription}):
            for partition in sorted(cluster.partitions_for_topic(topic) or ()):
                owner = keepers[0] if partition == 1 and keepers else readers[0]
                chosen[owner][topic].append(partition)
        return {
            member: ConsumerProtocolMemberAssignment(cls.version, sorted(topics.items()), b"")
            for member, topics in chosen.items()
        }

    @classmethod
    def metadata(cls, topics: Iterable[str]) -> ConsumerProtocolMemberMetadata:
        return ConsumerProtocolMemberMetadata(cls.version, list(topics), b"")

    @classmethod
    def on_assignment(cls, assignment: ConsumerProtocolMemberAssignment) -> None:
        return None


async def leaders(admin: AIOKafkaAdminClient, topic: str) -> dict[int, int]:
    """Partition → leader, as the cluster says now."""
    (described,) = await admin.describe_topics([topic])
    return {p["partition"]: p["leader"] for p in described["partitions"]}


async def until(check: Any, what: str, timeout: float = 90.0) -> None:
    """Poll ``check`` (a plain or an async callable) until it holds."""
    deadline = time.monotonic() + timeout
    while not await _value(check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"never: {what}")
        await asyncio.sleep(0.5)


def stale_view(consumer: AIOKafkaConsumer, tp: TopicPartition) -> int | None:
    """The leader of ``tp`` in this consumer's own view of the cluster (aiokafka keeps it on its client)."""
    leader: int | None = consumer._client.cluster.leader_for_partition(tp)
    return leader


async def test_a_member_with_a_stale_leader_reads_a_handed_over_partition_within_the_refresh(
    kafka_cluster3: KafkaCluster, topic_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    cluster = kafka_cluster3
    topic = f"{topic_prefix}stale-leader"
    p1 = TopicPartition(topic, 1)
    admin = AIOKafkaAdminClient(bootstrap_servers=cluster.bootstrap)
    await admin.start()
    consumers: list[AIOKafkaConsumer] = []
    readings: dict[str, list[int]] = {"default": [], "congress": []}
    tasks: list[asyncio.Task[None]] = []
    try:
        groups = {name: f"{topic_prefix}stale-{name}" for name in readings}
        # The readers' node: every group's coordinator (the offsets topic has one partition), never stopped.
        home = await coordinator(admin, groups["default"])
        assert await coordinator(admin, groups["congress"]) == home
        stale, preferred = (node for node in sorted(cluster.nodes) if node != home)
        # Partition 0 led by the readers' node; partition 1 prefers ``preferred``, then ``stale``.
        assignments = {0: [home, stale, preferred], 1: [preferred, stale, home]}
        await admin.create_topics([NewTopic(topic, -1, -1, replica_assignments=assignments)])
        await until(lambda: _is(admin, topic, {0: home, 1: preferred}), "the topic's leaders are its preferred")

        # ``preferred`` stops: partition 1 moves to ``stale``, and every client made from here on learns so.
        await asyncio.to_thread(cluster.stop, preferred)
        await until(lambda: _is(admin, topic, {1: stale}), "partition 1 led by the second replica")
        ages = {"default": AIOKAFKA_DEFAULT_MAX_AGE_MS, "congress": METADATA_MAX_AGE_MS}
        bootstrap = cluster.nodes[home].bootstrap
        readers = {
            name: _member(topic, f"reader-{name}", groups[name], bootstrap, ages[name], idle_ms=READER_IDLE_MS)
            for name in readings
        }
        keepers = {name: _member(topic, f"keeper-{name}", groups[name], bootstrap, ages[name]) for name in readings}
        consumers += [*readers.values(), *keepers.values()]
        for name, reader in readers.items():
            await reader.start()
            tasks.append(asyncio.create_task(_read(reader, readings[name])))
        for keeper in keepers.values():
            await keeper.start()
        for name in readings:
            await until(
                lambda name=name: _holds(readers[name], {0}) and _holds(keepers[name], {1}),
                f"{name}: the reader holds partition 0 and the keeper partition 1",
            )
        assert stale_view(readers["default"], p1) == stale
        # The readers' connections to other nodes (a metadata request goes to a node chosen at random) go idle and
        # are dropped, as any client's are after a while: a broken one would make the client refresh its view.
        await until(lambda: all(_connected_to(r) <= {home} for r in readers.values()), "readers talk to one node")

        # ``preferred`` back, then ``stale`` stopped and started: partition 1 is led by its preferred replica,
        # so the brokers' own rebalancing leaves it there; the readers, talking to their node only, know nothing.
        await asyncio.to_thread(cluster.start, 240)
        await until(lambda: _in_sync(admin, topic, 1, preferred), "the preferred replica in sync again")
        await asyncio.to_thread(cluster.stop, stale)
        await until(lambda: _is(admin, topic, {1: preferred}), "partition 1 back on its preferred replica")
        await asyncio.to_thread(cluster.start, 240)

        producer = AIOKafkaProducer(bootstrap_servers=cluster.bootstrap, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(topic, b"handed over", partition=1)
        finally:
            await producer.stop()
        assert await leaders(admin, topic) == {0: home, 1: preferred}
        # The reader made with aiokafka's default still believes ``stale`` leads partition 1.
        assert stale_view(readers["default"], p1) == stale

        caplog.set_level(logging.ERROR, logger="aiokafka.consumer.fetcher")
        handed = time.monotonic()
        for keeper in keepers.values():
            await keeper.stop()  # leaves the group: partition 1, never committed, goes to the reader
        await until(lambda: bool(readings["congress"]), "the congress's reader read partition 1", timeout=45)
        waited = time.monotonic() - handed

        # The congress's client read it within its refresh; the default one, asked as long, is still stuck
        # asking ``stale``, which answers that it leads nothing.
        assert waited < METADATA_MAX_AGE_MS / 1000 + 20, waited
        assert _holds(readers["default"], {0, 1})
        assert not readings["default"], "the default client read partition 1: the stall was not reproduced"
        assert stale_view(readers["default"], p1) == stale
        asked = [r.getMessage() for r in caplog.records]
        assert any(f"Failed fetch offsets from {stale}" in m and "NotLeaderForPartition" in m for m in asked), asked
    finally:
        for task in tasks:
            task.cancel()
        for consumer in consumers:
            with contextlib.suppress(Exception):
                await consumer.stop()
        await admin.close()
        await asyncio.to_thread(cluster.start, 240)  # whatever happened, the next test finds three nodes


async def coordinator(admin: AIOKafkaAdminClient, group: str) -> int:
    """The node coordinating ``group`` (asked until the offsets topic exists: a cluster makes it on first ask)."""
    for _ in range(120):
        with contextlib.suppress(GroupCoordinatorNotAvailableError):
            node: int = await admin.find_coordinator(group)
            return node
        await asyncio.sleep(0.5)
    raise AssertionError(f"no coordinator for {group}")


def _member(
    topic: str, client_id: str, group: str, bootstrap: str, metadata_max_age_ms: int, *, idle_ms: int = 540_000
) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        client_id=client_id,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        partition_assignment_strategy=(KeeperHoldsPartitionOne,),
        metadata_max_age_ms=metadata_max_age_ms,
        connections_max_idle_ms=idle_ms,
    )


def _connected_to(consumer: AIOKafkaConsumer) -> set[Any]:
    """The nodes this consumer's client holds a connection to."""
    return {node for (node, _group), conn in consumer._client._conns.items() if conn.connected()}


async def _value(result: Any) -> Any:
    return await result if inspect.isawaitable(result) else result


async def _read(consumer: AIOKafkaConsumer, into: list[int]) -> None:
    """Note the partition of every record ``consumer`` reads, until cancelled."""
    while True:
        batch = await consumer.getmany(timeout_ms=200)
        for tp, records in batch.items():
            into.extend(tp.partition for _ in records)


async def _is(admin: AIOKafkaAdminClient, topic: str, wanted: dict[int, int]) -> bool:
    now = await leaders(admin, topic)
    return all(now.get(partition) == leader for partition, leader in wanted.items())


def _holds(consumer: AIOKafkaConsumer, partitions: set[int]) -> bool:
    return {tp.partition for tp in consumer.assignment()} == partitions


async def _in_sync(admin: AIOKafkaAdminClient, topic: str, partition: int, node: int) -> bool:
    (described,) = await admin.describe_topics([topic])
    return any(p["partition"] == partition and node in p["isr"] for p in described["partitions"])
