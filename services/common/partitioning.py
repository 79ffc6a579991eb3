"""Which partition a keyed record goes to: Kafka's default partitioner (murmur2 of the key), faster.

The relay appends records to one batch per partition (``relay.py``), so it chooses each record's
partition itself, as ``AIOKafkaProducer.send`` would: ``murmur2(key) & 0x7fffffff`` modulo the number
of partitions (the Java client's rule, so every client puts a key on the same partition). aiokafka's
murmur2 handles one byte at a time; this one reads the key's 32-bit words with ``struct``, and keys seen
recently are remembered (a delegate's or an abstract's events share a key). A test compares both on
thousands of keys.
"""

from __future__ import annotations

import struct

_SEED = 0x9747B28C
_M = 0x5BD1E995
_MASK = 0xFFFFFFFF
_WORDS = struct.Struct("<I")
_REMEMBERED = 65536
"""Keys whose partition is kept (per number of partitions); the memory is dropped whole when full."""

_known: dict[int, dict[bytes, int]] = {}
"""By number of partitions, by key: its partition (bytes and ints are not tracked by the garbage collector)."""


def murmur2(data: bytes) -> int:
    """MurmurHash2 of ``data`` as Kafka computes it (seed 0x9747b28c), as an unsigned 32-bit integer."""
    length = len(data)
    h = _SEED ^ length
    end = length & ~3
    for (k,) in _WORDS.iter_unpack(data[:end]):
        k = (k * _M) & _MASK
        k = ((k ^ (k >> 24)) * _M) & _MASK
        h = ((h * _M) & _MASK) ^ k
    tail = length & 3
    if tail:
        if tail == 3:
            h ^= data[end + 2] << 16
        if tail >= 2:
            h ^= data[end + 1] << 8
        h = ((h ^ data[end]) * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    return h ^ (h >> 15)


def partition_for(key: bytes, partitions: int) -> int:
    """The partition (0 … ``partitions`` − 1) Kafka's default partitioner gives a record with this key."""
    keys = _known.get(partitions)
    if keys is None:
        keys = _known[partitions] = {}
    known = keys.get(key)
    if known is None:
        if len(keys) >= _REMEMBERED:
            keys.clear()
        known = keys[key] = (murmur2(key) & 0x7FFFFFFF) % partitions
    return known
