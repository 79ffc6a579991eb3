"""Affinity from text and bids, and the service's assignment through the optimal engine."""

from __future__ import annotations

from services.abstracts.domain import assignment
from services.abstracts.domain.matching import committee_plan
from services.abstracts.domain.matching.affinity import Text, affinities

DATA = Text("a1", ("data use",), "Teachers use assessment data to improve schools.")
EQUITY = Text("a2", ("equity",), "Educational equity for rural learners in Chile.")
R_DATA = Text("r1", ("data use", "assessment"), "How teachers use data.")
R_EQUITY = Text("r2", ("equity", "rural"), "Rural schools and equity.")


def test_similar_texts_score_higher_and_say_which_terms_they_share() -> None:
    scores = affinities([DATA, EQUITY], [R_DATA, R_EQUITY], [("a1", "r1"), ("a1", "r2"), ("a2", "r2")])
    assert scores[("a1", "r1")].score > scores[("a1", "r2")].score
    assert {"data", "use"} <= set(scores[("a1", "r1")].shared)
    assert "equity" in scores[("a2", "r2")].shared
    assert scores[("a1", "r1")].why().endswith("bid: none")


def test_bids_move_the_score_and_a_conflict_bid_removes_the_pair() -> None:
    pairs = [("a1", "r1"), ("a1", "r2"), ("a2", "r1")]
    plain = affinities([DATA, EQUITY], [R_DATA, R_EQUITY], pairs)
    bids = {("a1", "r1"): "not_willing", ("a1", "r2"): "eager", ("a2", "r1"): "conflict"}
    bid = affinities([DATA, EQUITY], [R_DATA, R_EQUITY], pairs, bids)
    assert bid[("a1", "r1")].score == round(plain[("a1", "r1")].similarity - 0.5, 4)
    assert bid[("a1", "r2")].score == round(plain[("a1", "r2")].similarity + 0.3, 4)
    assert ("a2", "r1") not in bid
    assert bid[("a1", "r2")].why().endswith("bid: eager")


def test_empty_profiles_give_the_bid_alone() -> None:
    scores = affinities([Text("a")], [Text("r")], [("a", "r")], {("a", "r"): "willing"})
    assert scores[("a", "r")].score == 0.1 and scores[("a", "r")].shared == ()
    wordless = affinities([Text("a", ("x",), "1 2 ?")], [Text("r", (), "y")], [("a", "r")])  # no 2-letter word
    assert wordless[("a", "r")].score == 0.0


def need(abstract_id: str, **kwargs: object) -> assignment.Need:
    fields: dict[str, object] = {
        "reference": abstract_id.upper(),
        "network": "DU",
        "author_emails": frozenset({f"{abstract_id}@example.org"}),
        "author_affiliations": frozenset({"Elsewhere"}),
    } | kwargs
    return assignment.Need(abstract_id, **fields)  # type: ignore[arg-type]


def reviewer(reviewer_id: str) -> assignment.Candidate:
    return assignment.Candidate(reviewer_id, f"{reviewer_id}@example.org", f"Uni {reviewer_id}", frozenset({"DU"}))


def test_the_service_assigns_by_expertise_where_the_greedy_plan_did_not() -> None:
    texts = {
        "a1": DATA,
        "a2": EQUITY,
        "r1": Text("r1", R_EQUITY.keywords, R_EQUITY.body),
        "r2": Text("r2", R_DATA.keywords, R_DATA.body),
    }
    needs, reviewers = [need("a1"), need("a2")], [reviewer("r1"), reviewer("r2")]
    assert assignment.assign(needs, reviewers, 1, {}).pairs == [("a1", "r1"), ("a2", "r2")]  # blind to expertise
    plan = committee_plan.plan(needs, reviewers, 1, {}, texts)
    assert sorted(plan.pairs) == [("a1", "r2"), ("a2", "r1")]


def test_the_service_keeps_reviewers_on_and_spreads_equal_choices() -> None:
    needs = [need("a1", assigned=frozenset({"r1"})), need("a2"), need("a3")]
    plan = committee_plan.plan(needs, [reviewer("r1"), reviewer("r2"), reviewer("r3")], 2, {"r1": 1})
    assert ("a1", "r1") not in plan.pairs and len(plan.pairs) == 5
    loads = [sum(1 for _, r in plan.pairs if r == x) + (x == "r1") for x in ("r1", "r2", "r3")]
    assert sorted(loads) == [2, 2, 2]


def test_the_service_explains_an_abstract_it_cannot_fill() -> None:
    plan = committee_plan.plan([need("a1"), need("a2", network="EL")], [reviewer("r1")], 2, {})
    assert plan.pairs == [("a1", "r1")]
    reasons = {s.abstract_id: s.reason for s in plan.shortfalls}
    assert reasons["a1"].startswith("only 1 reviewer(s) available in network DU")
    assert reasons["a2"].startswith("no reviewer reviews for network EL")


def test_other_networks_fill_in_only_when_allowed_and_needed_and_are_flagged() -> None:
    el = assignment.Candidate("r-el", "r-el@example.org", "Uni EL", frozenset({"EL"}))
    texts = {"a1": DATA, "r-el": Text("r-el", R_DATA.keywords, R_DATA.body), "r1": R_EQUITY}
    needs = [need("a1", network="DU"), need("a2", network="EL")]
    strict = committee_plan.plan(needs, [reviewer("r1"), el], 1, {}, texts)
    assert strict.pairs == [("a1", "r1"), ("a2", "r-el")] and strict.fallbacks == []  # a1 keeps its network
    alone = committee_plan.plan([need("a1", network="DU")], [el], 1, {}, texts)
    assert alone.pairs == [] and alone.shortfalls[0].reason.startswith("no reviewer reviews for network DU")
    allowed = committee_plan.plan([need("a1", network="DU")], [el], 1, {}, texts, fallback=True)
    assert allowed.pairs == allowed.fallbacks == [("a1", "r-el")] and allowed.shortfalls == []


def test_no_reviewer_is_given_more_than_the_maximum_load_counting_what_they_hold() -> None:
    needs = [need("a1"), need("a2"), need("a3")]
    plan = committee_plan.plan(needs, [reviewer("r1"), reviewer("r2")], 1, {"r1": 1}, max_load=1)
    assert [r for _, r in plan.pairs] == ["r2"]  # r1 already holds one (a decided abstract, say)
    assert len(plan.shortfalls) == 2
    assert all("maximum loads" in s.reason for s in plan.shortfalls)
