"""``bench._stages``: the sampler's lag figures, from one reading of the end offsets for every group."""

from __future__ import annotations

from typing import Any, cast

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata

from bench._stages import _lag


class Committed:
    """Stands in for the admin client: each group's committed offsets, and the requests asked of it."""

    def __init__(self, offsets: dict[str, dict[TopicPartition, int]]) -> None:
        self.offsets = offsets
        self.asked: list[str] = []
        self.moved = False

    async def find_coordinator(self, group: str) -> int:
        self.asked.append(f"find {group}")
        return 1

    async def list_consumer_group_offsets(
        self, group: str, group_coordinator_id: int, partitions: list[TopicPartition]
    ) -> dict[TopicPartition, Any]:
        self.asked.append(f"offsets {group} at {group_coordinator_id}")
        if self.moved:
            raise RuntimeError("NOT_COORDINATOR")
        return {tp: OffsetAndMetadata(o, "") for tp, o in self.offsets[group].items() if tp in partitions}


async def test_each_group_lags_by_what_it_has_not_committed_on_its_own_topics() -> None:
    reg0, reg1, badges0 = TopicPartition("reg", 0), TopicPartition("reg", 1), TopicPartition("badges", 0)
    end = {reg0: 10, reg1: 5, badges0: 7}  # one end_offsets reading for both groups' partitions
    admin = cast(AIOKafkaAdminClient, Committed({"badges": {reg0: 4}, "notify": {reg0: 10, reg1: 5, badges0: 2}}))

    assert await _lag(admin, end, "badges", ("reg",)) == 6 + 5  # reg-1 never committed: all of it
    assert await _lag(admin, end, "notify", ("reg", "badges")) == 5
    assert await _lag(admin, None, "notify", ("reg",)) is None  # Kafka did not say: no figure


async def test_a_group_coordinator_is_found_once_and_again_after_a_failure() -> None:
    reg0 = TopicPartition("reg", 0)
    committed = Committed({"badges": {reg0: 4}})
    admin = cast(AIOKafkaAdminClient, committed)
    coordinators: dict[str, int] = {}

    for _ in range(3):  # three seconds of samples
        assert await _lag(admin, {reg0: 10}, "badges", ("reg",), coordinators) == 6
    committed.moved = True
    assert await _lag(admin, {reg0: 10}, "badges", ("reg",), coordinators) is None
    committed.moved = False
    assert await _lag(admin, {reg0: 10}, "badges", ("reg",), coordinators) == 6

    assert committed.asked == ["find badges"] + ["offsets badges at 1"] * 4 + ["find badges", "offsets badges at 1"]
