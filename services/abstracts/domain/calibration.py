"""Scores calibrated for each reviewer's severity: an additive model with shrinkage (empirical Bayes).

Each review's mean score is modelled as ``mu + quality[abstract] + severity[reviewer] + noise``. Severity
is shrunk towards 0 by a normal prior whose variance is estimated from the data (so a reviewer with two
reviews moves their abstracts much less than one with twenty), abstract quality has a weak prior
(``ABSTRACT_PRIOR_VAR``) so one-review abstracts stay finite. The fit alternates a ridge least-squares solve
(numpy) with moment estimates of the noise and severity variances until they settle. The calibrated score
is ``mu + quality``: what the abstract would get from a reviewer of average severity, in the same units as
the raw mean; its uncertainty is the posterior standard deviation of that quality (the severities held at
their estimates). Reviewers *disagree* on an abstract when, after removing their severities, their scores
are ``DISAGREEMENT`` points or more apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ABSTRACT_PRIOR_VAR = 4.0
"""Prior variance of abstract quality (a standard deviation of two points): weak, keeps lone reviews finite."""
DISAGREEMENT = 2.0
ROUNDS = 20


@dataclass(frozen=True)
class Review:
    abstract_id: str
    reviewer_id: str
    score: float


@dataclass(frozen=True)
class Calibrated:
    raw: float
    score: float
    sd: float
    disagree: bool


@dataclass(frozen=True)
class Fit:
    abstracts: dict[str, Calibrated]
    severity: dict[str, float]
    """Reviewer → how far above (positive: lenient) or below (harsh) the average reviewer they score."""


def calibrate(reviews: Sequence[Review]) -> Fit:
    """The calibrated score of every reviewed abstract and the severity of every reviewer."""
    if not reviews:
        return Fit({}, {})
    abstracts = sorted({r.abstract_id for r in reviews})
    reviewers = sorted({r.reviewer_id for r in reviews})
    a_ix = {a: i for i, a in enumerate(abstracts)}
    r_ix = {r: len(abstracts) + j for j, r in enumerate(reviewers)}
    y = np.array([r.score for r in reviews], float)
    mu = float(y.mean())
    design = np.zeros((len(reviews), len(abstracts) + len(reviewers)))
    for row, review in enumerate(reviews):
        design[row, a_ix[review.abstract_id]] = 1.0
        design[row, r_ix[review.reviewer_id]] = 1.0
    noise, spread = 1.0, 0.25
    for _ in range(ROUNDS):
        penalty = np.concatenate(
            [np.full(len(abstracts), noise / ABSTRACT_PRIOR_VAR), np.full(len(reviewers), noise / spread)]
        )
        gram = design.T @ design + np.diag(penalty)
        beta = np.linalg.solve(gram, design.T @ (y - mu))
        residual = y - mu - design @ beta
        noise = max(float(residual @ residual) / max(1, len(y) - len(abstracts)), 1e-3)
        severity = beta[len(abstracts) :]
        posterior = np.diag(np.linalg.inv(gram))[len(abstracts) :] * noise
        spread = max(float(np.mean(severity**2 + posterior)), 1e-3)
    cov = np.diag(np.linalg.inv(gram)) * noise
    adjusted: dict[str, list[float]] = {}
    raw: dict[str, list[float]] = {}
    for review in reviews:
        sev = float(beta[r_ix[review.reviewer_id]])
        adjusted.setdefault(review.abstract_id, []).append(review.score - sev)
        raw.setdefault(review.abstract_id, []).append(review.score)
    out = {
        a: Calibrated(
            raw=round(float(np.mean(raw[a])), 2),
            score=round(mu + float(beta[i]), 2),
            sd=round(float(np.sqrt(cov[i])), 2),
            disagree=max(adjusted[a]) - min(adjusted[a]) >= DISAGREEMENT,
        )
        for a, i in a_ix.items()
    }
    return Fit(out, {r: round(float(beta[j]), 3) for r, j in r_ix.items()})
