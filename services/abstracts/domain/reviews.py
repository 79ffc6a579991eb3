"""A review's scores: the rubric's rule (each criterion 1-5) and an abstract's mean score."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence

Errors = dict[str, str]


def score_errors(scores: Mapping[str, int | None], criteria: Sequence[str]) -> Errors:
    """Each rubric criterion scored 1-5; no unknown criteria."""
    errors: Errors = {}
    for code in criteria:
        value = scores.get(code)
        if value is None or not 1 <= value <= 5:
            errors[f"scores.{code}"] = "Give a score from 1 (weak) to 5 (excellent)."
    for code in scores:
        if code not in criteria:
            errors[f"scores.{code}"] = "This is not a criterion of the rubric."
    return errors


def review_mean(scores: Mapping[str, int]) -> float:
    return statistics.fmean(scores.values())


def mean_score(reviews: Iterable[Mapping[str, int]]) -> float | None:
    """Mean of the reviews' own means (each review counts once), two decimals; None without reviews."""
    means = [review_mean(s) for s in reviews if s]
    return round(statistics.fmean(means), 2) if means else None
