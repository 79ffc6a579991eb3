"""The abstracts rules without I/O: word counts (CJK too), the AoE deadline, validation, assignment, scores."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from services.abstracts.domain import assignment, reviews, submission
from services.abstracts.domain.assignment import Candidate, Need
from services.abstracts.domain.submission import AuthorDraft, Draft

RULES = submission.SubmissionRules(
    networks=frozenset({"DU", "EL"}),
    word_limits={"paper": submission.WordLimit(5, 10), "poster": submission.WordLimit(1, 3)},
    countries=frozenset({"JP", "DE", "BR"}),
    languages=frozenset({"en", "ja"}),
    title_max_chars=20,
    max_keywords=2,
    max_authors=3,
)


def is_email(value: str) -> bool:
    return "@" in value and "." in value.split("@")[-1]


AUTHOR = AuthorDraft("Aiko", "田中", "aiko@example.org", "東京大学", "JP", presenting=True)
DRAFT = Draft(
    format="paper",
    network="DU",
    title="Data use",
    text="one two three four five six",
    keywords=("data",),
    language="en",
    authors=(AUTHOR,),
    submitter_email="aiko@example.org",
)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("Schools improve when teachers use data.", 6),
        ("well-known  results — again", 3),
        ("学校改善のためのデータ活用", 13),  # 13 ideographs and kana, no spaces
        ("東京でresearchを", 5),  # 東, 京, で, research, を: the Latin run between CJK counts once
        ("학교 개선을 위한 데이터", 4),  # Korean: words are separated by spaces
        ("Школы и данные", 3),
        ("𠀋𠀋", 2),  # supplementary-plane ideographs
    ],
)
def test_count_words(text: str, words: int) -> None:
    assert submission.count_words(text) == words


def test_deadline_is_anywhere_on_earth() -> None:
    deadline = date(2026, 12, 1)
    assert submission.deadline_end(deadline) == datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert submission.is_open(datetime(2026, 12, 2, 11, 59, 59, tzinfo=UTC), deadline)
    assert not submission.is_open(datetime(2026, 12, 2, 12, 0, tzinfo=UTC), deadline)


def test_a_valid_draft_has_no_errors() -> None:
    assert submission.validate(DRAFT, RULES, is_email) == {}


def test_every_field_is_checked_with_a_message() -> None:
    bad = replace(
        DRAFT,
        format="essay",
        network="XX",
        title="x" * 21,
        keywords=("a", "b", "c"),
        language="tlh",
        submitter_email="nobody",
        authors=(
            AuthorDraft("", "Müller", "m@example.org", "Uni", "DE"),
            AuthorDraft("Ana", "", "M@example.org", "", "ZZ"),
        ),
    )
    errors = submission.validate(bad, RULES, is_email)
    assert set(errors) == {
        "format",
        "network",
        "title",
        "keywords",
        "language",
        "submitter_email",
        "authors.0.given_name",
        "authors.1.family_name",
        "authors.1.affiliation",
        "authors.1.country",
        "authors.1.email",
        "authors",
    }
    assert "21 characters" in errors["title"]
    assert "author 1" in errors["authors.1.email"]
    assert "presenting" in errors["authors"]


def test_word_limits_per_format() -> None:
    assert "at least 5" in submission.validate(replace(DRAFT, text="one two"), RULES, is_email)["text"]
    assert "at most 3" in submission.validate(replace(DRAFT, format="poster"), RULES, is_email)["text"]
    assert submission.validate(replace(DRAFT, text="学校改善の研究"), RULES, is_email) == {}


def test_authors_count_and_keywords_parsing() -> None:
    many = replace(DRAFT, authors=(AUTHOR,) * 4)
    assert "At most 3" in submission.validate(many, RULES, is_email)["authors"]
    assert "at least one" in submission.validate(replace(DRAFT, authors=()), RULES, is_email)["authors"]
    assert submission.parse_keywords("data use; leadership、 教育 ,, ") == ("data use", "leadership", "教育")


def test_nfc_and_fold() -> None:
    assert submission.nfc("Mu\u0308ller ") == "Müller"
    assert submission.fold("Universität  Wien") == submission.fold("UNIVERSITAT wien") == "universitat wien"
    assert submission.reference("ICSEI27", 7) == "ICSEI27-A-0007"


def need(aid: str, network: str = "DU", **over: object) -> Need:
    base = Need(aid, f"R-{aid}", network, frozenset({f"{aid}@uni.org"}), frozenset({"Universität Wien"}))
    return replace(base, **over)  # type: ignore[arg-type]


def reviewer(
    rid: str, affiliation: str = "Elsewhere", networks: tuple[str, ...] = ("DU",), email: str = ""
) -> Candidate:
    return Candidate(rid, email or f"{rid}@rev.org", affiliation, frozenset(networks))


def test_assignment_balances_load_and_is_deterministic() -> None:
    reviewers = [reviewer(f"r{i}") for i in range(4)]
    needs = [need(f"a{i}") for i in range(6)]
    plan = assignment.assign(needs, reviewers, 2, {})
    assert plan.shortfalls == []
    load: dict[str, int] = {}
    for _, rid in plan.pairs:
        load[rid] = load.get(rid, 0) + 1
    assert sorted(load.values()) == [3, 3, 3, 3]
    assert all(len({r for a, r in plan.pairs if a == n.abstract_id}) == 2 for n in needs)
    assert assignment.assign(list(reversed(needs)), list(reversed(reviewers)), 2, {}).pairs == plan.pairs


def test_assignment_respects_existing_load_and_assignments() -> None:
    reviewers = [reviewer("r0"), reviewer("r1"), reviewer("r2")]
    plan = assignment.assign([need("a", assigned=frozenset({"r2"}))], reviewers, 2, {"r0": 5, "r1": 1, "r2": 0})
    assert plan.pairs == [("a", "r1")]
    assert assignment.assign([need("b", assigned=frozenset({"r0", "r1"}))], reviewers, 2, {}).pairs == []


def test_assignment_never_picks_authors_colleagues_or_other_networks() -> None:
    reviewers = [
        reviewer("author", email="A@UNI.ORG"),
        reviewer("colleague", affiliation="universitat  WIEN"),
        reviewer("other-network", networks=("EL",)),
        reviewer("excluded"),
        reviewer("ok"),
    ]
    plan = assignment.assign([need("a", excluded=frozenset({"excluded"}))], reviewers, 2, {})
    assert plan.pairs == [("a", "ok")]
    [short] = plan.shortfalls
    assert short.reference == "R-a"
    assert "only 1 reviewer(s)" in short.reason
    assert "2 excluded as an author or from an author's institution (or another conflict)" in short.reason
    assert "1 taken off it before" in short.reason


def test_assignment_reports_a_network_without_reviewers() -> None:
    plan = assignment.assign([need("a", network="EL")], [reviewer("r")], 2, {})
    assert plan.pairs == []
    assert "no reviewer reviews for network EL" in plan.shortfalls[0].reason


def test_scarce_abstracts_are_served_first() -> None:
    # r-shared can review both; b's only other choice is r-shared, so b must get it even though a sorts first.
    reviewers = [reviewer("r-shared", networks=("DU", "EL")), reviewer("r-du"), reviewer("r-du2")]
    plan = assignment.assign([need("a"), need("b", network="EL")], reviewers, 1, {})
    assert ("b", "r-shared") in plan.pairs
    assert plan.shortfalls == []


def test_scores_and_means() -> None:
    criteria = ("relevance", "rigour")
    assert reviews.score_errors({"relevance": 5, "rigour": 1}, criteria) == {}
    errors = reviews.score_errors({"relevance": 0, "extra": 3}, criteria)
    assert set(errors) == {"scores.relevance", "scores.rigour", "scores.extra"}
    assert reviews.mean_score([]) is None
    assert reviews.mean_score([{"a": 4, "b": 5}, {"a": 3, "b": 3}]) == 3.75
    assert reviews.mean_score([{"a": 1, "b": 2, "c": 2}]) == 1.67


def test_overlong_names_and_texts_are_refused() -> None:
    long_name = replace(DRAFT, authors=(replace(AUTHOR, family_name="x" * 201),))
    assert "at most 200" in submission.validate(long_name, RULES, is_email)["authors.0.family_name"]
    huge = replace(DRAFT, text="x" * 20_001)
    assert "20,000 characters" in submission.validate(huge, RULES, is_email)["text"]
