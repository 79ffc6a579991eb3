"""Expected audience per session, for sizing rooms: how many delegates a session will draw.

Standard library only. Two estimates, chosen per congress by how much the delegates have said:

* **Agenda marks** (registration's ``AgendaChanged``): once at least ``marks_threshold`` delegates have
  marked a session, a session's audience is its marks, scaled up to every confirmed delegate (the
  delegates who marked stand for those who did not): ``ceil(marks × confirmed / markers)``, never scaled
  down. A session nobody could mark yet (not in the published programme) falls back to the estimate below.
* **Registrations** (before that): the confirmed registrations × the share of the session's networks
  (the networks of its presentations) among the accepted abstracts × ``attendance_ratio``, the share
  of a network's delegates that past editions saw in one of its sessions. Registration events carry no
  network interest, so the network's share of the accepted abstracts stands for it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from enum import StrEnum

from services.abstracts.domain.scheduling import Grid, Place, Session


class Basis(StrEnum):
    MARKS = "marks"
    REGISTRATIONS = "registrations"


@dataclass(frozen=True)
class AudienceRule:
    """The edition's settings (``programme.audience`` in the congress file)."""

    marks_threshold: int
    """Delegates with at least one marked session before marks replace the registration estimate."""
    attendance_ratio: float
    """Past editions: the share of a network's delegates in one of its sessions."""


@dataclass(frozen=True)
class Interest:
    """What the abstracts service knows of the delegates: no personal field, counts only."""

    confirmed: int
    """Confirmed registrations now."""
    markers: int = 0
    """Delegates (confirmed or not) with at least one session marked."""
    marks: Mapping[str, int] = field(default_factory=dict)
    """Session id -> delegates who marked it."""
    markable: Set[str] = frozenset()
    """Session ids delegates could mark (the published programme's)."""


@dataclass(frozen=True)
class Expected:
    seats: int
    basis: Basis


def network_shares(sessions: Sequence[Session]) -> dict[str, float]:
    """Each network's share of the accepted abstracts (the presentations of every session)."""
    counts = Counter(t.network for s in sessions for t in s.talks)
    total = sum(counts.values())
    return {network: n / total for network, n in counts.items()} if total else {}


def from_registrations(session: Session, shares: Mapping[str, float], confirmed: int, ratio: float) -> int:
    """Confirmed delegates × the share of the session's networks × the past editions' ratio, rounded up."""
    share = min(1.0, sum(shares.get(n, 0.0) for n in {t.network for t in session.talks}))
    return math.ceil(round(confirmed * share * ratio, 6))


def from_marks(marks: int, confirmed: int, markers: int) -> int:
    """A session's marks, scaled up to every confirmed delegate (never down)."""
    return math.ceil(round(marks * max(1.0, confirmed / markers), 6)) if markers else marks


def expected_audience(sessions: Sequence[Session], interest: Interest, rule: AudienceRule) -> dict[str, Expected]:
    """Session id -> its expected audience and what the estimate rests on."""
    shares = network_shares(sessions)
    by_marks = interest.markers >= rule.marks_threshold
    expected = {}
    for session in sessions:
        if by_marks and session.id in interest.markable:
            seats = from_marks(interest.marks.get(session.id, 0), interest.confirmed, interest.markers)
            expected[session.id] = Expected(seats, Basis.MARKS)
        else:
            seats = from_registrations(session, shares, interest.confirmed, rule.attendance_ratio)
            expected[session.id] = Expected(seats, Basis.REGISTRATIONS)
    return expected


def overflow(audience: Mapping[str, int], places: Mapping[str, Place], grid: Grid) -> int:
    """Seats overflowing: over the placed sessions, expected audience − room capacity where positive."""
    capacity = {r.code: r.capacity for r in grid.rooms}
    return sum(max(0, audience.get(sid, 0) - capacity.get(p.room, 0)) for sid, p in places.items())
