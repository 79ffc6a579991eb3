"""Issue 14: every kind of conflict keeps a reviewer off an abstract in the optimal assignment — author,
co-author, same institution, declared (names or institutions), taken off before, same country when the edition
says so, a conflict bid — and a reviewer's own load cap and profile count."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.abstracts.domain.assignment import Candidate, Need, conflicted
from services.abstracts.domain.errors import Rejected
from services.abstracts.domain.matching import committee_plan
from services.abstracts.domain.matching.affinity import Text
from services.abstracts.domain.reviewer_profile import Profile, load_cap, validated
from services.abstracts.domain.submission import fold

NEED = Need(
    abstract_id="a1",
    reference="R-1",
    network="DU",
    author_emails=frozenset({"aiko@uni.jp"}),
    author_affiliations=frozenset({"Universität Wien"}),
    author_names=frozenset({fold("Aiko Tanaka")}),
)
FREE = Candidate("free", "free@rev.org", "Elsewhere", frozenset({"DU"}))


@pytest.mark.parametrize(
    ("reviewer", "need"),
    [
        (replace(FREE, email="AIKO@uni.jp"), NEED),  # an author
        (replace(FREE, coauthors=frozenset({"aiko@uni.jp"})), NEED),  # wrote another abstract with an author
        (replace(FREE, affiliation="UNIVERSITAT  wien"), NEED),  # same institution
        (replace(FREE, declared=Profile("x", conflicts=("aiko TANAKA",)).declared()), NEED),  # declared person
        (replace(FREE, declared=Profile("x", conflicts=("Universitat Wien",)).declared()), NEED),  # declared place
        (replace(FREE, country="AT"), replace(NEED, author_countries=frozenset({"AT"}))),  # same country (switch on)
    ],
)
def test_each_conflict_keeps_the_reviewer_off(reviewer: Candidate, need: Need) -> None:
    assert conflicted(reviewer, need)
    plan = committee_plan.plan([need], [reviewer, FREE], 1, {})
    assert plan.pairs == [("a1", "free")]


def test_no_conflict_without_a_reason_and_same_country_only_when_the_edition_says_so() -> None:
    assert not conflicted(FREE, NEED)
    assert not conflicted(replace(FREE, country="AT"), NEED)  # switch off: author_countries left empty


def test_taken_off_before_and_a_conflict_bid_are_never_assigned() -> None:
    need = replace(NEED, excluded=frozenset({"gone"}))
    gone = replace(FREE, reviewer_id="gone", email="gone@rev.org")
    bidder = replace(FREE, reviewer_id="bidder", email="bidder@rev.org")
    plan = committee_plan.plan([need], [gone, bidder, FREE], 2, {}, bids={("a1", "bidder"): "conflict"})
    assert sorted(r for _, r in plan.pairs) == ["free"]
    assert plan.shortfalls and plan.shortfalls[0].abstract_id == "a1"


def test_a_profile_draws_the_reviewer_who_knows_the_topic_and_a_cap_holds() -> None:
    needs = [replace(NEED, abstract_id=a, reference=f"R-{a}") for a in ("lead", "data")]
    texts = {
        "lead": Text("lead", ("leadership",), "principals leading school improvement"),
        "data": Text("data", ("data use",), "teachers using assessment data"),
    }
    a, b = replace(FREE, reviewer_id="a", email="a@r.org"), replace(FREE, reviewer_id="b", email="b@r.org")
    for knows_leadership in ("a", "b"):
        stated = {knows_leadership: Text(knows_leadership, ("leadership", "principals"))}
        other = "b" if knows_leadership == "a" else "a"
        stated[other] = Text(other, ("data use", "assessment"))
        plan = committee_plan.plan(needs, [a, b], 1, {}, {**texts, **stated})
        assert ("lead", knows_leadership) in plan.pairs and ("data", other) in plan.pairs
    capped = committee_plan.plan(needs, [a, b], 1, {}, caps={"a": 0, "b": 1})
    assert [r for _, r in capped.pairs] == ["b"] and len(capped.shortfalls) == 1


def test_load_cap_is_the_networks_default_within_the_editions_maximum() -> None:
    defaults = {"DU": 8, "EL": 12, "TE": None}
    assert load_cap(["DU", "EL"], defaults, None) == 12
    assert load_cap(["DU"], defaults, 5) == 5
    assert load_cap(["TE"], defaults, None) is None


def test_a_profile_is_validated_field_by_field() -> None:
    ok = validated(
        "r",
        keywords=["data use", " data use ", ""],
        own_abstracts=["My study.", ""],
        max_load="6",
        country="jp",
        conflicts="Aiko Tanaka; Universität Wien\n",
        cap=8,
        countries={"JP"},
    )
    assert ok == Profile("r", ("data use",), ("My study.",), 6, "JP", ("Aiko Tanaka", "Universität Wien"))
    with pytest.raises(Rejected) as bad:
        validated(
            "r",
            keywords=["x" * 101],
            own_abstracts=["a\u202eb"],
            max_load="9",
            country="XX",
            conflicts="",
            cap=8,
            countries={"JP"},
        )
    assert set(bad.value.errors) == {"keywords", "own_abstracts", "max_load", "country"}
    assert "At most 8" in bad.value.errors["max_load"]
