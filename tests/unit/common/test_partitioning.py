"""The relay's partitioner puts every key where Kafka's default partitioner (aiokafka's, the Java client's) does."""

from __future__ import annotations

import random

from aiokafka.partitioner import DefaultPartitioner, murmur2

from services.common import partitioning
from services.common.partitioning import partition_for


def test_murmur2_matches_the_kafka_clients_on_keys_of_every_length() -> None:
    rng = random.Random(11)
    keys = [rng.randbytes(n % 41) for n in range(4000)] + [f"d-{i}".encode() for i in range(2000)]
    for key in keys:
        assert partitioning.murmur2(key) == murmur2(key) & 0xFFFFFFFF


def test_partition_for_chooses_what_the_default_partitioner_chooses() -> None:
    kafka = DefaultPartitioner()
    rng = random.Random(12)
    keys = [rng.randbytes(rng.randrange(1, 60)) for _ in range(3000)]
    for count in (1, 3, 7, 12):
        everyone = list(range(count))
        for key in keys:
            assert partition_for(key, count) == kafka(key, everyone, everyone)
            assert partition_for(key, count) == kafka(key, everyone, everyone)  # remembered, still the same


def test_the_memory_of_keys_is_bounded() -> None:
    partitioning._known.clear()
    for i in range(partitioning._REMEMBERED + 10):
        partition_for(f"k-{i}".encode(), 3)
    assert 0 < len(partitioning._known[3]) <= partitioning._REMEMBERED
