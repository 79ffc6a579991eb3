"""Symposia without I/O: the rules of a symposium's chair, discussant and papers, the authors it stands for,
one session with its papers in order, and an organiser's change kept in the draft."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest

from schemas.abstracts import AbstractFormat, Decision
from services.abstracts.domain import grouping, publication, scheduling, symposium, updating
from services.abstracts.domain.abstract import Abstract, Status
from services.abstracts.domain.errors import NotAllowed
from services.abstracts.domain.submission import AuthorDraft, Draft, PaperDraft, PersonDraft, SymposiumDraft
from services.common.congress import Congress
from tests.unit.abstracts.test_domain import RULES, is_email

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CHAIR = PersonDraft("Chidi", "Okeke", "chair@example.org", "UNILAG", "BR")
DISCUSSANT = PersonDraft("Dana", "Weiss", "dana@example.org", "Universität Wien", "DE")
WORDS = "one two three four five six"  # within RULES' paper limit (5-10 words)


def paper(n: int, *, presenting: bool = True, email: str = "") -> PaperDraft:
    presenter = AuthorDraft(f"P{n}", "Presenter", email or f"p{n}@example.org", "東京大学", "JP", presenting)
    coauthor = AuthorDraft("Co", "Author", "co@example.org", "東京大学", "JP")
    return PaperDraft(f"Paper {n}", WORDS, (presenter, coauthor))


def sym_draft(count: int = 3, **over: object) -> Draft:
    fields: dict[str, object] = {
        "chair": CHAIR,
        "discussant": DISCUSSANT,
        "papers": tuple(paper(n) for n in range(1, count + 1)),
    }
    return Draft(
        format="symposium",
        network="DU",
        title="Data use together",
        text=WORDS,
        keywords=("data",),
        language="en",
        authors=(),
        submitter_email="chair@example.org",
        symposium=SymposiumDraft(**(fields | over)),  # type: ignore[arg-type]
    )


RULES_WITH_SYMPOSIUM = replace(RULES, word_limits={**RULES.word_limits, "symposium": RULES.word_limits["paper"]})


def errors_of(draft: Draft) -> dict[str, str]:
    return symposium.validate(draft, RULES_WITH_SYMPOSIUM, is_email)


def test_a_symposium_with_a_chair_a_discussant_and_three_papers_is_valid() -> None:
    assert errors_of(sym_draft(3)) == {}
    assert errors_of(sym_draft(4, discussant=None)) == {}


@pytest.mark.parametrize("papers", [0, 2, 5])
def test_a_symposium_needs_three_or_four_papers(papers: int) -> None:
    errors = errors_of(sym_draft(papers))
    assert errors["symposium.papers"] == f"A symposium needs 3 or 4 papers; you gave {papers} papers."


def test_each_field_of_a_symposium_is_named_in_its_error() -> None:
    bare = PaperDraft("", "one", (AuthorDraft("Ana", "Sousa", "ana@example", "", "XX"),))
    draft = sym_draft(
        chair=replace(CHAIR, given_name="", country=""),
        discussant=replace(DISCUSSANT, email="CHAIR@example.org"),
        papers=(paper(1), paper(2, presenting=False), bare),
    )
    errors = errors_of(draft)
    assert errors["symposium.chair.given_name"] == "Please fill in the chair's given name."
    assert errors["symposium.chair.country"] == "Choose the country of the chair's institution."
    assert errors["symposium.discussant.email"] == "The discussant cannot also be the chair."
    assert errors["symposium.papers.1.authors"] == "Tick 'presenting' for at least one author."
    assert errors["symposium.papers.2.title"] == "Please give this paper a title."
    assert errors["symposium.papers.2.text"] == "A paper abstract needs at least 5 words; this one has 1."
    assert errors["symposium.papers.2.authors.0.email"] == "Enter an email address like name@example.org."
    assert errors["symposium.papers.2.authors.0.affiliation"] == "Please fill in the author's institution."
    assert errors["symposium.papers.2.authors.0.country"] == "Choose the country of the author's institution."
    assert "authors" not in errors  # a symposium's own author list is its papers'


def test_a_symposium_without_its_papers_and_papers_without_a_symposium_are_refused() -> None:
    assert errors_of(replace(sym_draft(), symposium=None))["symposium"] == (
        "A symposium needs a chair and 3 or 4 papers."
    )
    as_paper = replace(sym_draft(), format="paper", authors=(paper(1).authors[0],))
    assert "Only a symposium has a chair and papers" in errors_of(as_paper)["symposium"]


def test_a_bidi_override_in_a_paper_title_is_refused() -> None:
    draft = sym_draft(papers=(paper(1), paper(2), replace(paper(3), title="Paper \u202e3")))
    assert "symposium.papers.2.title" in errors_of(draft)


SHARED = sym_draft(papers=(paper(1), paper(2), paper(3, email="p1@example.org")))  # P1 presents papers 1 and 3


def submitted_symposium() -> Abstract:
    abstract, event = Abstract.submit("abs_s", "ICSEI27-A-0007", SHARED, NOW, "icsei-2027")
    assert event.symposium is not None and event.symposium == abstract.symposium
    return abstract


def test_a_symposiums_authors_are_its_papers_each_email_once_presenting_if_they_present_any() -> None:
    abstract = submitted_symposium()
    assert [(a.email, a.presenting) for a in abstract.authors] == [
        ("p1@example.org", True),
        ("co@example.org", False),
        ("p2@example.org", True),
    ]
    assert abstract.symposium is not None
    assert [p.title for p in abstract.symposium.papers] == ["Paper 1", "Paper 2", "Paper 3"]
    assert abstract.symposium.chair.email == "chair@example.org"
    assert abstract.draft().symposium == SHARED.symposium  # the edit form gets back what was typed


def test_the_decision_carries_the_symposium_so_registration_sees_every_paper() -> None:
    abstract = submitted_symposium()
    _, decided = abstract.decide(Decision.ACCEPTED, None, "org", NOW, 4.0, (), "icsei-2027")
    assert decided.symposium == abstract.symposium
    assert decided.format is AbstractFormat.SYMPOSIUM


def test_an_organiser_may_change_an_accepted_symposiums_papers() -> None:
    submitted = submitted_symposium()
    assert submitted.symposium is not None
    first = submitted.symposium.papers[0]
    four = submitted.symposium.model_copy(update={"papers": (*submitted.symposium.papers, first)})
    changed, event = submitted.amend_symposium(four, NOW, "c")  # before the decision: anything
    assert changed.content_version == 2 and event.symposium is not None and len(event.symposium.papers) == 4
    assert [a.email for a in changed.authors] == [a.email for a in submitted.authors]

    accepted, _ = submitted.decide(Decision.ACCEPTED, None, "org", NOW, None, (), "c")
    retitled = accepted.symposium.model_copy(  # type: ignore[union-attr]
        update={"papers": (first.model_copy(update={"title": "Renamed"}), *submitted.symposium.papers[1:])}
    )
    changed, event = accepted.amend_symposium(retitled, NOW, "c")
    assert changed.status is Status.ACCEPTED and changed.content_version == 2
    assert event.symposium is not None and event.symposium.papers[0].title == "Renamed"
    assert event.accepted_format is AbstractFormat.SYMPOSIUM  # registration follows the people of an accepted one
    other_chair = retitled.model_copy(update={"chair": retitled.chair.model_copy(update={"email": "x@example.org"})})
    changed, event = accepted.amend_symposium(other_chair, NOW, "c")  # the people too, once accepted
    assert event.symposium is not None and event.symposium.chair.email == "x@example.org"
    _, undecided = submitted.amend_symposium(other_chair, NOW, "c")
    assert undecided.accepted_format is None  # an undecided one's revision earns nobody a role yet
    withdrawn, _ = accepted.withdraw("", NOW, "c")
    with pytest.raises(NotAllowed):
        withdrawn.amend_symposium(four, NOW, "c")


def talk_of(abstract: Abstract) -> scheduling.Talk:
    from services.abstracts.commands.planning import talk_of as planning_talk

    return planning_talk(replace(abstract, status=Status.ACCEPTED, decided_format=AbstractFormat.SYMPOSIUM))


def test_a_symposium_is_one_session_with_its_papers_in_order_its_chair_and_discussant() -> None:
    talk = talk_of(submitted_symposium())
    assert [p.title for p in talk.papers] == ["Paper 1", "Paper 2", "Paper 3"]
    assert talk.emails >= {"chair@example.org", "dana@example.org", "p1@example.org", "p2@example.org"}
    other = scheduling.Talk("abs_p", "ICSEI27-A-0001", "A paper", "DU", "paper", presenters=talk.papers[0].presenters)
    sessions = grouping.group([talk, other], {"DU": "Data Use"}, 4, 20)
    (sy,) = [s for s in sessions if s.kind == "symposium"]
    assert (sy.id, sy.title, sy.talks) == ("SY-ICSEI27-A-0007", "Data use together", (talk,))

    grid = scheduling.Grid(
        rooms=(scheduling.Room("MAIN", "Main Hall", 500, frozenset({"symposium"})),),
        slots=(scheduling.Slot(date(2027, 1, 6), 0, time(9), time(10, 30)),),
    )
    congress = Congress.model_construct(id="icsei-2027", timezone="Asia/Tokyo")
    event = publication.scheduled(grid, congress, sy, scheduling.Place(date(2027, 1, 6), 0, "MAIN"), 1)
    assert [(p.paper, p.title, p.abstract_id) for p in event.presentations] == [
        (1, "Paper 1", "abs_s"),
        (2, "Paper 2", "abs_s"),
        (3, "Paper 3", "abs_s"),
    ]
    assert [[x.email for x in p.presenters] for p in event.presentations] == [
        ["p1@example.org"],
        ["p2@example.org"],
        ["p1@example.org"],
    ]
    assert (event.chair, event.discussant) == ("Chidi Okeke", "Dana Weiss")
    named = publication.scheduled(grid, congress, sy, scheduling.Place(date(2027, 1, 6), 0, "MAIN"), 1, "Someone")
    assert named.chair == "Someone"  # an organiser's choice of chair wins


def test_the_chair_and_discussant_count_as_busy_when_placing() -> None:
    talk = talk_of(submitted_symposium())
    chaired = scheduling.Talk(
        "abs_p", "R-2", "Chair's paper", "DU", "paper", presenters=(scheduling.Presenter("Chidi", "CHAIR@example.org"),)
    )
    sessions = {
        "SY": scheduling.Session("SY", "symposium", "DU", "S", (talk,)),
        "P": scheduling.Session("P", "paper", "DU", "P", (chaired,)),
    }
    grid = scheduling.Grid(
        rooms=(
            scheduling.Room("A", "A", 50, frozenset({"symposium", "paper"})),
            scheduling.Room("B", "B", 50, frozenset({"symposium", "paper"})),
        ),
        slots=(scheduling.Slot(date(2027, 1, 6), 0, time(9), time(10)),),
    )
    places = {"P": scheduling.Place(date(2027, 1, 6), 0, "A")}
    problems = scheduling.place_problems(
        sessions["SY"], scheduling.Place(date(2027, 1, 6), 0, "B"), sessions, places, grid
    )
    assert problems == ["chair@example.org presents in P at the same time."]


def test_an_update_brings_an_organisers_change_of_papers_into_the_draft_session() -> None:
    talk = talk_of(submitted_symposium())
    session = scheduling.Session("SY-1", "symposium", "DU", talk.title, (talk,))
    changed = replace(talk, title="Renamed", papers=talk.papers[:2] + talk.papers[:1])
    (kept,) = updating.refreshed([session], [changed])
    assert (kept.id, kept.title, kept.talks) == ("SY-1", "Renamed", (changed,))
    paper_session = scheduling.Session("DU-P1", "paper", "DU", "Papers", (replace(talk, kind="paper"),))
    assert updating.refreshed([paper_session], [changed]) == [paper_session]
