"""Staged decisions: what the organisers mean to decide, revised freely and told to nobody until released.

A staged decision accepts (in the asked or another format), rejects or moves an abstract to another network.
``check`` says whether it may be staged; ``top`` and ``above`` pick the abstracts a bulk action stages, by the
calibrated score (``calibration``). Releasing them is ``release.py``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from schemas.abstracts import AbstractFormat, Decision
from services.abstracts.domain.abstract import Abstract, Status
from services.abstracts.domain.errors import NotAllowed


class Choice(StrEnum):
    """What a staged decision does when released (stored as its value)."""

    ACCEPT = "accept"
    REJECT = "reject"
    MOVE = "move"

    @property
    def decision(self) -> Decision | None:
        """The decision it releases; None for a move, which decides nothing yet."""
        return {Choice.ACCEPT: Decision.ACCEPTED, Choice.REJECT: Decision.REJECTED}.get(self)


@dataclass(frozen=True)
class Staged:
    """One abstract's staged decision (at most one per abstract: staging again replaces it)."""

    abstract_id: str
    choice: Choice
    format: AbstractFormat | None
    """ACCEPT: the format it is accepted in (None: the one asked for)."""
    to_network: str | None
    """MOVE: the network it goes to."""
    staged_by: str
    staged_at: datetime


def check(abstract: Abstract, staged: Staged, networks: Collection[str]) -> None:
    """``NotAllowed`` with the reason when ``staged`` cannot be released on ``abstract`` as it is now."""
    if abstract.status is Status.WITHDRAWN:
        raise NotAllowed(f"{abstract.reference} was withdrawn by its authors; there is nothing to decide")
    if staged.choice is Choice.MOVE:
        if not abstract.is_open:
            raise NotAllowed(f"{abstract.reference} is {abstract.status}; only an undecided abstract can be moved")
        if staged.to_network not in networks:
            raise NotAllowed(f"choose the network to move {abstract.reference} to ({', '.join(sorted(networks))})")
        if staged.to_network == abstract.network:
            raise NotAllowed(f"{abstract.reference} is already in {staged.to_network}")
        return
    decision = staged.choice.decision
    chosen = (staged.format or abstract.format) if staged.choice is Choice.ACCEPT else abstract.format
    if decision is not None and abstract.status is Status.of(decision) and abstract.decided_format is chosen:
        raise NotAllowed(f"{abstract.reference} is already {abstract.status} as {chosen}; nothing would change")


@dataclass(frozen=True)
class Ranked:
    """An abstract as a bulk action sees it: its calibrated score (None before any review)."""

    abstract_id: str
    reference: str
    calibrated: float | None
    undecided: bool


def _ranking(rows: Sequence[Ranked]) -> list[Ranked]:
    scored = [r for r in rows if r.undecided and r.calibrated is not None]
    return sorted(scored, key=lambda r: (-(r.calibrated or 0.0), r.reference))


def top(rows: Sequence[Ranked], n: int) -> list[str]:
    """The ``n`` undecided abstracts with the best calibrated scores (ties by reference; unreviewed left out)."""
    return [r.abstract_id for r in _ranking(rows)[: max(n, 0)]]


def above(rows: Sequence[Ranked], threshold: float) -> list[str]:
    """Every undecided abstract whose calibrated score is above ``threshold``, best first."""
    return [r.abstract_id for r in _ranking(rows) if (r.calibrated or 0.0) > threshold]
