"""Calibrated scores: a harsh reviewer's abstracts are no longer pushed down; shrinkage; disagreement."""

from __future__ import annotations

from services.abstracts.domain.calibration import Review, calibrate


def harsh_panel() -> list[Review]:
    """Ten reviewers score like each other; ``harsh`` gives two points less than anyone on the same abstract."""
    reviews = []
    for i in range(12):  # the harsh reviewer's record, each abstract also seen by two others
        quality, jitter = 3.0 + (i % 3) * 0.5, (-0.5, 0.0, 0.5, 0.25)[i % 4]  # reviews are noisy
        reviews += [Review(f"o{i}", "harsh", quality - 2 + jitter), Review(f"o{i}", f"n{i % 5}", quality)]
        reviews.append(Review(f"o{i}", f"m{i % 5}", quality - jitter))
    reviews += [Review("good", "harsh", 2.5), Review("good", "n1", 4.5)]  # excellent, but drew the harsh one
    reviews += [Review("fair", "n2", 3.9), Review("fair", "m3", 4.1)]  # merely good, two average reviewers
    return reviews


def test_a_harsh_reviewers_abstract_is_no_longer_pushed_down() -> None:
    fit = calibrate(harsh_panel())
    good, fair = fit.abstracts["good"], fit.abstracts["fair"]
    assert good.raw < fair.raw  # raw means rank the excellent abstract below the merely good one
    assert good.score > fair.score  # calibrated, it is back on top
    assert good.score > 4.0
    assert fit.severity["harsh"] < -1.2 and abs(fit.severity["n1"]) < 0.5


def test_a_reviewer_with_one_review_is_shrunk_towards_the_average() -> None:
    reviews = [*harsh_panel(), Review("lone", "newcomer", 2.0), Review("lone", "n3", 4.0)]
    fit = calibrate(reviews)
    # one review two points below n3's says little: unshrunk, the newcomer would be as harsh as ``harsh``
    assert fit.severity["newcomer"] < 0
    assert abs(fit.severity["newcomer"]) < 0.75 * abs(fit.severity["harsh"])
    assert fit.abstracts["lone"].sd > fit.abstracts["o0"].sd  # fewer, less certain reviews


def test_wide_disagreement_after_severity_is_flagged() -> None:
    reviews = [*harsh_panel(), Review("split", "n1", 5.0), Review("split", "n4", 1.0)]
    fit = calibrate(reviews)
    assert fit.abstracts["split"].disagree
    assert not fit.abstracts["good"].disagree  # 2.5 vs 4.5 is the harsh reviewer's habit, not disagreement


def test_no_reviews_no_scores() -> None:
    assert calibrate([]).abstracts == {}
