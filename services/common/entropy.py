"""Random bytes for nonces and key ids, read from the operating system many at a time.

Sealing a personal field takes a 12-byte nonce; minting a person's key takes a key id and a nonce to wrap
it. One ``os.urandom`` system call each was a tenth of the sealing's cost (``bench/kernel.py``, personal
kind). ``fresh`` reads a block and hands it out in pieces: each piece from a ``deque``, whose ``popleft``
is atomic, so two threads (a web request's unit of work beside the consumers) never get the same piece,
and a forked child drops every piece its parent read (it would hand out the same nonces otherwise: under
one key, a repeated AES-GCM nonce gives the key away). Key material itself is never taken from here.
"""

from __future__ import annotations

import os
from collections import deque

PIECES_PER_READ = 256
"""Pieces of one size read in one system call."""

_POOLS: dict[int, deque[bytes]] = {}
"""By size: random pieces read and not handed out yet."""


def fresh(size: int) -> bytes:
    """``size`` random bytes (from ``os.urandom``) never handed out before in this process."""
    pool = _POOLS.get(size)
    if pool is None:
        pool = _POOLS.setdefault(size, deque())
    try:
        return pool.popleft()
    except IndexError:
        block = os.urandom(size * PIECES_PER_READ)
        pool.extend(block[i : i + size] for i in range(size, len(block), size))
        return block[:size]


def _forget() -> None:
    for pool in _POOLS.values():
        pool.clear()


os.register_at_fork(after_in_child=_forget)
