"""Grouping accepted abstracts into sessions (standard library only, deterministic).

Papers of one network are chained by keyword similarity into balanced sessions of at most
``papers_per_session``; a symposium, roundtable or workshop is a session of its own; posters
fill balanced poster sessions (in network order, so a poster session mostly holds one network).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet

from services.abstracts.domain.scheduling import Session, Talk

PREFIX = {"symposium": "SY", "workshop": "WS", "roundtable": "RT"}


def similarity(a: Iterable[str], b: Iterable[str]) -> float:
    """Jaccard similarity of two keyword lists, case-insensitive (0 when both are empty)."""
    left, right = {k.casefold() for k in a}, {k.casefold() for k in b}
    return len(left & right) / len(left | right) if left | right else 0.0


def balanced_sizes(count: int, most: int) -> list[int]:
    """Split ``count`` items into the fewest groups of at most ``most``, sizes differing by at most one."""
    if count == 0:
        return []
    groups = math.ceil(count / most)
    base, extra = divmod(count, groups)
    return [base + 1 if i < extra else base for i in range(groups)]


def chain(talks: Sequence[Talk], sizes: Sequence[int]) -> list[list[Talk]]:
    """Fill groups in turn: start with the earliest reference left, then add the most similar talk."""
    left = sorted(talks, key=lambda t: t.reference)
    groups: list[list[Talk]] = []
    for size in sizes:
        group = [left.pop(0)]
        while len(group) < size:
            words = [k for t in group for k in t.keywords]
            best = max(range(len(left)), key=lambda i: (similarity(words, left[i].keywords), -i))
            group.append(left.pop(best))
        groups.append(group)
    return groups


def _theme(talks: Sequence[Talk]) -> str:
    counts = Counter(k.casefold() for t in talks for k in set(t.keywords))
    shared = sorted((-n, k) for k, n in counts.items() if n >= 2)
    if not shared:
        return ""
    first = shared[0][1]
    return next(k for t in talks for k in t.keywords if k.casefold() == first)


def numbers(prefix: str, taken: AbstractSet[str]) -> Iterator[int]:
    """Session numbers whose id ``<prefix><n>`` is not taken yet, from 1 up."""
    return (n for n in itertools.count(1) if f"{prefix}{n}" not in taken)


def group(
    talks: Iterable[Talk],
    networks: Mapping[str, str],
    papers_per_session: int,
    posters_per_session: int,
    taken: AbstractSet[str] = frozenset(),
) -> list[Session]:
    """Sessions from accepted talks: papers by network and keywords, posters together, the rest alone.

    New session ids skip those in ``taken`` (the sessions of a draft being updated)."""
    by_kind: dict[str, list[Talk]] = defaultdict(list)
    for talk in talks:
        by_kind[talk.kind].append(talk)
    sessions: list[Session] = []
    papers: dict[str, list[Talk]] = defaultdict(list)
    for talk in by_kind["paper"]:
        papers[talk.network].append(talk)
    for network in sorted(papers):
        groups = chain(papers[network], balanced_sizes(len(papers[network]), papers_per_session))
        for i, members in zip(numbers(f"{network}-P", taken), groups, strict=False):
            name = networks.get(network, network)
            theme = _theme(members)
            title = f"{name}: {theme}" if theme else f"{name}: papers {i}"
            sessions.append(Session(f"{network}-P{i}", "paper", network, title, tuple(members)))
    posters = sorted(by_kind["poster"], key=lambda t: (t.network, t.reference))
    start = 0
    for i, size in zip(numbers("PO-", taken), balanced_sizes(len(posters), posters_per_session), strict=False):
        members = posters[start : start + size]
        start += size
        nets = {t.network for t in members}
        network = nets.pop() if len(nets) == 1 else ""
        sessions.append(Session(f"PO-{i}", "poster", network, f"Poster session {i}", tuple(members)))
    for kind, prefix in PREFIX.items():
        for talk in sorted(by_kind[kind], key=lambda t: t.reference):
            sessions.append(Session(f"{prefix}-{talk.reference}", kind, talk.network, talk.title, (talk,)))
    return sessions
