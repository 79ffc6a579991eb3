"""The OpenReview matcher's files: score rows ``paper,reviewer,score``, constraint rows
``paper,reviewer,-1|1`` (conflict, or forced), assignment rows ``paper,reviewer,score``.

Several score files combine as a weighted sum. As in that matcher, every paper and reviewer named in a
score file may be paired, a pair missing from a file scores 0 there; ``-1`` removes a pair and ``1`` forces
it (it counts towards the paper's reviewers and the reviewer's load).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from services.abstracts.domain.matching.model import Instance, Pair


class BadFile(ValueError):
    """A file the matcher cannot read, with the file and line."""


@dataclass(frozen=True)
class Loads:
    k: int
    min_papers: int
    max_papers: int


def _rows(path: Path) -> Iterable[tuple[int, str, str, float]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for number, row in enumerate(csv.reader(handle), start=1):
                if not row or not "".join(row).strip():
                    continue
                if len(row) != 3:
                    raise BadFile(f"{path}:{number}: expected paper,reviewer,value; got {len(row)} field(s)")
                try:
                    value = float(row[2])
                except ValueError:
                    if number == 1:  # a header line
                        continue
                    raise BadFile(f"{path}:{number}: {row[2]!r} is not a number") from None
                yield number, row[0].strip(), row[1].strip(), value
    except OSError as exc:
        raise BadFile(f"{path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise BadFile(f"{path}: not a UTF-8 text file") from None


def read_scores(paths: Sequence[Path], weights: Sequence[float] | None = None) -> dict[Pair, float]:
    """The weighted sum of the score files per (paper, reviewer) pair they name."""
    if weights and len(weights) != len(paths):
        raise BadFile(f"{len(weights)} weight(s) for {len(paths)} score file(s): give one per file")
    total: dict[Pair, float] = {}
    for path, weight in zip(paths, weights or [1.0] * len(paths), strict=True):
        for _, paper, reviewer, value in _rows(path):
            total[(paper, reviewer)] = total.get((paper, reviewer), 0.0) + weight * value
    return total


def read_constraints(path: Path) -> tuple[set[Pair], set[Pair]]:
    """(conflicts, forced) pairs."""
    conflicts: set[Pair] = set()
    forced: set[Pair] = set()
    for number, paper, reviewer, value in _rows(path):
        if value not in (-1, 1):
            raise BadFile(f"{path}:{number}: a constraint is -1 (conflict) or 1 (forced), not {value:g}")
        (conflicts if value == -1 else forced).add((paper, reviewer))
    both = conflicts & forced
    if both:
        paper, reviewer = sorted(both)[0]
        raise BadFile(f"{path}: {paper},{reviewer} is both a conflict and forced")
    return conflicts, forced


def instance(scores: dict[Pair, float], conflicts: set[Pair], forced: set[Pair], loads: Loads) -> Instance:
    """Every named paper × reviewer (missing scores 0) but the conflicts; forced pairs fixed."""
    papers = sorted({p for p, _ in scores} | {p for p, _ in forced})
    reviewers = sorted({r for _, r in scores} | {r for _, r in forced})
    allowed = {(p, r): scores.get((p, r), 0.0) for p in papers for r in reviewers if (p, r) not in conflicts}
    return Instance(
        papers=tuple(papers),
        reviewers=tuple(reviewers),
        scores=allowed,
        k=loads.k,
        max_load=dict.fromkeys(reviewers, loads.max_papers),
        min_load=dict.fromkeys(reviewers, loads.min_papers),
        fixed=frozenset(forced),
    )


def write_assignments(path: Path, inst: Instance, pairs: Iterable[Pair]) -> int:
    """Every pair of the plan (forced ones included) as ``paper,reviewer,score``; the number of rows."""
    rows = sorted({*inst.fixed, *pairs})
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for paper, reviewer in rows:
            writer.writerow([paper, reviewer, f"{inst.scores.get((paper, reviewer), 0.0):.4f}"])
    return len(rows)
