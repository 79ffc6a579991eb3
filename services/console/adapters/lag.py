"""Consumer lag per consumer group: committed offsets against the partitions' end offsets.

Only groups that committed offsets on this deployment's congress topics (those
with its ``KAFKA_TOPIC_PREFIX``) are reported, per unprefixed topic.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from schemas import topics
from services.common.broker import METADATA_MAX_AGE_MS

log = logging.getLogger("congress.console.lag")


class LagMeter:
    def __init__(self, bootstrap_servers: str, *, topic_prefix: str) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.topic_prefix = topic_prefix
        self.admin: AIOKafkaAdminClient | None = None
        self.offsets: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        self.admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap_servers, client_id="console-lag")
        await self.admin.start()
        self.offsets = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers,
            client_id="console-lag",
            group_id=None,
            enable_auto_commit=False,
            metadata_max_age_ms=METADATA_MAX_AGE_MS,
        )
        await self.offsets.start()

    async def stop(self) -> None:
        if self.admin is not None:
            await self.admin.close()
        if self.offsets is not None:
            await self.offsets.stop()

    def _ours(self, tp: TopicPartition) -> str | None:
        if not tp.topic.startswith(self.topic_prefix):
            return None
        name = tp.topic.removeprefix(self.topic_prefix)
        return name if name in topics.ALL_TOPICS else None

    async def measure(self) -> dict[str, dict[str, int]]:
        """``{group: {topic: messages not yet consumed}}`` for every group reading our topics."""
        if self.admin is None or self.offsets is None:
            raise RuntimeError("the lag meter is not started")
        committed: dict[str, dict[TopicPartition, int]] = {}
        for group_id, *_ in await self.admin.list_consumer_groups():
            offsets = await self.admin.list_consumer_group_offsets(group_id)
            ours = {tp: meta.offset for tp, meta in offsets.items() if self._ours(tp) and meta.offset >= 0}
            if ours:
                committed[str(group_id)] = ours
        partitions = {tp for ours in committed.values() for tp in ours}
        ends = await self.offsets.end_offsets(list(partitions)) if partitions else {}
        lag: dict[str, dict[str, int]] = {}
        for group_id, ours in committed.items():
            per_topic: dict[str, int] = defaultdict(int)
            for tp, offset in ours.items():
                per_topic[self._ours(tp) or tp.topic] += max(0, ends.get(tp, offset) - offset)
            lag[group_id] = dict(per_topic)
        return lag
