"""Why papers cannot get their reviewers: the constraint that fails, in words."""

from __future__ import annotations

from collections import Counter

import numpy as np
from numpy.typing import NDArray

from services.abstracts.domain.matching.model import Instance


def reasons_short(inst: Instance, papers: list[str], filled: NDArray[np.int64], need: NDArray[np.int64]) -> list[str]:
    """One ``"paper: reason"`` line per paper a maximum plan leaves short, then overall reasons.

    A paper with fewer allowed reviewers than it needs is short whatever happens (conflicts, constraints or
    its network); otherwise its allowed reviewers are taken up to their maximum loads by other papers.
    """
    allowed = Counter(p for p, _ in inst.scores if (p, _) not in inst.fixed)
    held = inst.held()
    lines = []
    for i, paper in enumerate(papers):
        if filled[i] >= need[i]:
            continue
        has = inst.k - int(need[i]) + int(filled[i])
        if allowed[paper] < need[i]:
            lines.append(
                f"{paper}: only {allowed[paper]} allowed reviewer(s) for the {int(need[i])} still needed "
                f"(the others conflict or are excluded); it can have {has} of {inst.k}"
            )
        else:
            lines.append(
                f"{paper}: its {allowed[paper]} allowed reviewers reach their maximum loads on other papers; "
                f"it can have {has} of {inst.k}"
            )
    room = sum(max(0, inst.max_load.get(r, 0) - held[r]) for r in inst.reviewers)
    if room < int(need.sum()):
        lines.append(f"the reviewers' maximum loads leave room for {room} pairs but {int(need.sum())} are needed")
    return lines
