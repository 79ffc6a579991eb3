"""Issue 14, pure: what may be staged, what the bulk actions pick, and a release — the abstract as it becomes,
its event, and one letter per person listing their abstracts (a correction marked)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from schemas.abstracts import AbstractDecided, AbstractFormat, AbstractMoved, Outcome
from services.abstracts.domain import release, staging
from services.abstracts.domain.abstract import Status
from services.abstracts.domain.errors import NotAllowed
from services.abstracts.domain.staging import Choice, Ranked, Staged
from tests.unit.abstracts.test_abstract import NOW, submitted

CTX = release.Context("icsei-2027", "rel_1", "chair@icsei.example.org", NOW)
NETWORKS = {"DU": "Data Use", "EL": "Educational Leadership"}


def staged(choice: Choice, fmt: AbstractFormat | None = None, to: str | None = None, aid: str = "abs_1") -> Staged:
    return Staged(aid, choice, fmt, to, "convener@icsei.example.org", NOW)


def test_what_may_be_staged() -> None:
    open_one = submitted()
    staging.check(open_one, staged(Choice.ACCEPT, AbstractFormat.POSTER), NETWORKS)
    staging.check(open_one, staged(Choice.MOVE, to="EL"), NETWORKS)
    for bad in (staged(Choice.MOVE, to="DU"), staged(Choice.MOVE, to="XX"), staged(Choice.MOVE)):
        with pytest.raises(NotAllowed):
            staging.check(open_one, bad, NETWORKS)
    accepted, _ = release.apply(open_one, staged(Choice.ACCEPT), None, [], CTX)
    with pytest.raises(NotAllowed, match="nothing would change"):
        staging.check(accepted.after, staged(Choice.ACCEPT), NETWORKS)
    staging.check(accepted.after, staged(Choice.ACCEPT, AbstractFormat.POSTER), NETWORKS)  # a change: allowed
    with pytest.raises(NotAllowed, match="only an undecided"):
        staging.check(accepted.after, staged(Choice.MOVE, to="EL"), NETWORKS)
    with pytest.raises(NotAllowed, match="withdrawn"):
        staging.check(replace(open_one, status=Status.WITHDRAWN), staged(Choice.REJECT), NETWORKS)


def test_top_and_above_pick_undecided_reviewed_abstracts_best_first() -> None:
    rows = [
        Ranked("a", "R-1", 3.0, True),
        Ranked("b", "R-2", 4.5, True),
        Ranked("c", "R-3", None, True),  # not reviewed yet
        Ranked("d", "R-4", 4.9, False),  # decided already
        Ranked("e", "R-5", 3.0, True),
    ]
    assert staging.top(rows, 2) == ["b", "a"]  # ties by reference
    assert staging.above(rows, 3.0) == ["b"]
    assert staging.above(rows, 2.9) == ["b", "a", "e"]
    assert staging.top(rows, 0) == []


def test_a_release_decides_moves_and_writes_one_letter_per_person() -> None:
    first = submitted()
    second = replace(submitted(), id="abs_2", reference="ICSEI27-A-0002", title="Second")
    other = replace(
        submitted(),
        id="abs_3",
        reference="ICSEI27-A-0003",
        authors=(first.authors[1],),
        submitter_email="office@example.org",  # submitted by someone who is not an author
    )
    one, decided = release.apply(first, staged(Choice.ACCEPT, AbstractFormat.POSTER), 4.2, ["Good.", ""], CTX)
    two, rejected = release.apply(second, staged(Choice.REJECT, aid="abs_2"), 2.0, [], CTX)
    three, moved = release.apply(other, staged(Choice.MOVE, to="EL", aid="abs_3"), None, ["x"], CTX)
    assert isinstance(decided, AbstractDecided) and decided.release_id == "rel_1" and not decided.correction
    assert (one.after.status, one.after.decided_format, decided.comments_to_authors) == (
        Status.ACCEPTED,
        AbstractFormat.POSTER,
        ("Good.",),
    )
    assert isinstance(rejected, AbstractDecided) and two.after.status is Status.REJECTED
    assert isinstance(moved, AbstractMoved) and three.after.network == "EL" and three.after.is_open
    letters = {letter.email: letter for letter in release.letters([one, two, three], CTX)}
    assert sorted(letters) == ["aiko@example.org", "ben@example.org", "office@example.org"]
    assert [i.abstract_id for i in letters["aiko@example.org"].abstracts] == ["abs_1", "abs_2"]
    ben = letters["ben@example.org"].abstracts
    assert [(i.abstract_id, i.outcome, i.presenting) for i in ben] == [
        ("abs_1", Outcome.ACCEPTED, True),
        ("abs_2", Outcome.REJECTED, True),
        ("abs_3", Outcome.MOVED, True),
    ]
    assert ben[2].moved_to == "EL" and ben[2].comments_to_authors == ()  # a move sends no comments yet
    assert [i.abstract_id for i in letters["office@example.org"].abstracts] == ["abs_3"]
    assert not any(letter.correction for letter in letters.values())


def test_a_change_after_a_release_is_a_correction_and_the_same_decision_is_refused() -> None:
    accepted, _ = release.apply(submitted(), staged(Choice.ACCEPT), 4.0, [], CTX)
    again, event = release.apply(accepted.after, staged(Choice.REJECT), 4.0, [], CTX)
    assert isinstance(event, AbstractDecided) and event.correction and again.after.status is Status.REJECTED
    (letter, *_) = release.letters([again], CTX)
    assert letter.correction and letter.abstracts[0].correction
    with pytest.raises(NotAllowed):
        release.apply(again.after, staged(Choice.REJECT), 4.0, [], CTX)
