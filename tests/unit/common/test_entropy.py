"""``services.common.entropy``: random pieces read many at a time, each handed out once, never in a forked child."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from services.common import entropy


@pytest.fixture
def counted_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """``os.urandom`` as entropy calls it, counted; the pools start empty."""
    reads: list[int] = []
    real = os.urandom

    def urandom(n: int) -> bytes:
        reads.append(n)
        return real(n)

    entropy._forget()
    monkeypatch.setattr(entropy.os, "urandom", urandom)
    yield reads
    entropy._forget()


def test_pieces_come_from_one_system_call_per_block_and_are_each_handed_out_once(counted_reads: list[int]) -> None:
    pieces = [entropy.fresh(12) for _ in range(entropy.PIECES_PER_READ * 2)]
    assert counted_reads == [12 * entropy.PIECES_PER_READ] * 2
    assert all(len(piece) == 12 for piece in pieces)
    assert len(set(pieces)) == len(pieces)


def test_sizes_have_pools_of_their_own(counted_reads: list[int]) -> None:
    assert len(entropy.fresh(12)) == 12
    assert len(entropy.fresh(16)) == 16
    assert counted_reads == [12 * entropy.PIECES_PER_READ, 16 * entropy.PIECES_PER_READ]


def test_threads_never_get_the_same_piece() -> None:
    entropy._forget()
    got: list[list[bytes]] = [[] for _ in range(4)]

    def draw(into: list[bytes]) -> None:
        into.extend(entropy.fresh(12) for _ in range(2000))

    threads = [threading.Thread(target=draw, args=(into,)) for into in got]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [piece for pieces in got for piece in pieces]
    assert len(set(every)) == len(every) == 8000


def _child_draw(queue: Any) -> None:
    queue.put(entropy.fresh(12))


def test_a_forked_child_never_hands_out_a_piece_its_parent_had_read() -> None:
    entropy._forget()
    entropy.fresh(12)  # the parent now holds the rest of the block
    kept = list(entropy._POOLS[12])
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child_draw, args=(queue,))
    child.start()
    drawn = queue.get(timeout=30)
    child.join(timeout=30)
    assert drawn not in kept
    assert entropy.fresh(12) == kept[0]  # the parent goes on with its own


def test_the_keyring_takes_its_nonces_and_key_ids_from_the_pools(counted_reads: list[int]) -> None:
    from sqlalchemy.orm import Session

    from services.common.keyring import Keyring

    keyring = Keyring("s" * 32, "notify")
    seal = keyring.sealer(Session())
    tokens = [seal(f"d-{i % 5}", "Ana Müller") for i in range(50)]  # five people: five keys minted
    assert len(set(tokens)) == 50
    # One block of nonces and one of key ids, no system call per nonce or per key id (the keys' event ids come
    # from schemas.base's own buffer, the keys themselves from OpenSSL).
    assert 12 not in counted_reads and 16 not in counted_reads
    assert len(entropy._POOLS[12]) == entropy.PIECES_PER_READ - 55  # a nonce per token and per key wrapped
    assert len(entropy._POOLS[16]) == entropy.PIECES_PER_READ - 5  # a key id per person
