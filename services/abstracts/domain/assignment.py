"""Who may review what: conflicts by email and institution, exclusions, networks; the greedy plan.

``assign`` is the former greedy assignment, kept as the benchmark's baseline; the service plans with
``matching.committee_plan`` (optimal), which uses ``eligible`` and ``shortfall_reason`` from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from services.abstracts.domain.submission import fold


@dataclass(frozen=True)
class Candidate:
    """A reviewer as the assignment sees them."""

    reviewer_id: str
    email: str
    affiliation: str
    networks: frozenset[str]
    declared: frozenset[str] = frozenset()
    """Names and institutions they declared a conflict with, folded (``fold``)."""
    coauthors: frozenset[str] = frozenset()
    """Addresses (casefolded) of the people they wrote an abstract with in this call."""
    country: str | None = None


@dataclass(frozen=True)
class Need:
    """An abstract that may need reviewers: who wrote it, who already reviews it, who must not."""

    abstract_id: str
    reference: str
    network: str
    author_emails: frozenset[str]
    author_affiliations: frozenset[str]
    assigned: frozenset[str] = frozenset()
    excluded: frozenset[str] = frozenset()
    """Reviewers taken off this abstract before (a declared conflict): never assigned again."""
    author_names: frozenset[str] = frozenset()
    """The authors' names, folded, for conflicts reviewers declared."""
    author_countries: frozenset[str] = frozenset()
    """Set only where the edition forbids reviewing an abstract from one's own country."""


@dataclass(frozen=True)
class Shortfall:
    abstract_id: str
    reference: str
    reason: str


@dataclass
class AssignmentPlan:
    pairs: list[tuple[str, str]] = field(default_factory=list)
    """(abstract id, reviewer id) to assign, in the order chosen."""
    shortfalls: list[Shortfall] = field(default_factory=list)
    fallbacks: list[tuple[str, str]] = field(default_factory=list)
    """Pairs of ``pairs`` whose reviewer is from another network (only when the organisers allow it)."""


def conflicted(reviewer: Candidate, need: Need) -> bool:
    """An author of the abstract, a co-author of one of its authors in this call, from the same institution as
    any author (case/accent-insensitive), a person or institution the reviewer declared, or (when the edition
    says so) from the same country as an author."""
    emails = {e.casefold() for e in need.author_emails}
    if reviewer.email.casefold() in emails or reviewer.coauthors & emails:
        return True
    institutions = {fold(a) for a in need.author_affiliations}
    mine = fold(reviewer.affiliation)
    if (mine and mine in institutions) or reviewer.declared & (institutions | need.author_names):
        return True
    return reviewer.country is not None and reviewer.country in need.author_countries


def assign(
    needs: Iterable[Need], reviewers: Sequence[Candidate], per_abstract: int, load: Mapping[str, int]
) -> AssignmentPlan:
    """Give every abstract ``per_abstract`` reviewers of its network, never conflicted, balancing load.

    Deterministic: the abstracts with the fewest eligible reviewers are served first (then by
    reference), and each takes the least-loaded eligible reviewers (ties by reviewer id). An
    abstract that cannot be filled takes whom it can and is reported with the reason.
    """
    current = dict(load)
    plan = AssignmentPlan()
    allowed = {need: eligible(need, reviewers) for need in needs if len(need.assigned) < per_abstract}
    for need in sorted(allowed, key=lambda n: (len(allowed[n]), n.reference)):
        wanted = per_abstract - len(need.assigned)
        chosen = sorted(allowed[need], key=lambda r: (current.get(r.reviewer_id, 0), r.reviewer_id))[:wanted]
        for reviewer in chosen:
            plan.pairs.append((need.abstract_id, reviewer.reviewer_id))
            current[reviewer.reviewer_id] = current.get(reviewer.reviewer_id, 0) + 1
        if len(chosen) < wanted:
            plan.shortfalls.append(
                Shortfall(need.abstract_id, need.reference, shortfall_reason(need, reviewers, chosen))
            )
    return plan


def eligible(need: Need, reviewers: Sequence[Candidate]) -> list[Candidate]:
    """The reviewers who may review this abstract: its network, no conflict, not on it or taken off it."""
    return [
        r
        for r in reviewers
        if need.network in r.networks
        and r.reviewer_id not in need.assigned
        and r.reviewer_id not in need.excluded
        and not conflicted(r, need)
    ]


def shortfall_reason(need: Need, reviewers: Sequence[Candidate], chosen: Sequence[Candidate]) -> str:
    in_network = [r for r in reviewers if need.network in r.networks]
    has = len(need.assigned) + len(chosen)
    if not in_network:
        return f"no reviewer reviews for network {need.network}; has {has}"
    conflicts = sum(1 for r in in_network if conflicted(r, need))
    excluded = sum(1 for r in in_network if r.reviewer_id in need.excluded and not conflicted(r, need))
    parts = [f"only {has} reviewer(s) available in network {need.network}"]
    if conflicts:
        parts.append(f"{conflicts} excluded as an author or from an author's institution (or another conflict)")
    if excluded:
        parts.append(f"{excluded} taken off it before")
    return "; ".join(parts)
