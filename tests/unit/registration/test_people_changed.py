"""An organiser changes an accepted symposium's people, pure: what it earns now, and who loses which cause, per
email (a presenter of another paper keeps presenting; a role another abstract earns stays)."""

from __future__ import annotations

from schemas.abstracts import AbstractFormat, AbstractRevised, Symposium, SymposiumPaper
from schemas.values import Role
from services.abstracts.domain.symposium import merged
from services.registration.commands.presenter_deadline import presentation_from, revised_presentation
from services.registration.domain.roles import (
    Cause,
    EarnedRole,
    earned_from_decision,
    earned_from_revision,
    people_gone,
    taken_back,
)
from tests.unit.registration.test_symposium_roles import CHAIR, CO, P1, P2, P3, SYMPOSIUM, accepted_symposium

NEW_CHAIR = CHAIR.model_copy(update={"given_name": "Noor", "email": "noor@example.org"})
P4 = P1.model_copy(update={"email": "p4@example.org"})


def revised(symposium: Symposium, accepted: AbstractFormat | None = AbstractFormat.SYMPOSIUM) -> AbstractRevised:
    return AbstractRevised(
        congress_id="icsei-2027",
        abstract_id="abs_1",
        reference="ICSEI27-A-0001",
        content_version=2,
        format=AbstractFormat.SYMPOSIUM,
        network="data-use",
        title="Data use together",
        text="…",
        authors=merged(symposium),  # as abstracts merges them: presenting if presenting any paper
        submitter_email="submitter@example.org",
        symposium=symposium,
        revised_at=accepted_symposium().decided_at,
        accepted_format=accepted,
    )


def holders_after_decision() -> dict[Cause, set[str]]:
    held: dict[Cause, set[str]] = {}
    for e in earned_from_decision(accepted_symposium()):
        held.setdefault(e.cause, set()).add(e.email_key)
    return held


def test_a_revision_of_an_undecided_abstract_earns_nothing_yet() -> None:
    assert earned_from_revision(revised(SYMPOSIUM, accepted=None)) is None


def test_a_new_chair_and_a_paper_handed_to_someone_else_move_those_causes_alone() -> None:
    """Paper 2 handed from p2 to p4, the chair from Chidi to Noor: p2 and Chidi lose this abstract's cause; p1
    (papers 1 and 3), p3 and the discussant are not touched."""
    two = SymposiumPaper(title="Two", text="…", authors=(P4, CO))
    changed = SYMPOSIUM.model_copy(
        update={"chair": NEW_CHAIR, "papers": (SYMPOSIUM.papers[0], two, SYMPOSIUM.papers[2])}
    )
    earned = earned_from_revision(revised(changed))
    assert earned is not None
    assert EarnedRole("noor@example.org", Role.CHAIR, "abs_1") in earned
    assert EarnedRole("p4@example.org", Role.PRESENTER, "abs_1") in earned
    assert people_gone("abs_1", holders_after_decision(), earned) == {
        Cause(Role.PRESENTER, "abs_1"): frozenset({"p2@example.org"}),
        Cause(Role.CHAIR, "abs_1"): frozenset({"chair@example.org"}),
    }


def test_a_presenter_dropped_from_one_paper_who_still_presents_another_keeps_the_cause() -> None:
    """p1 presented paper 1; paper 1 now presented by p4 while p1 presents paper 3: nobody loses anything."""
    one = SymposiumPaper(title="One", text="…", authors=(P4, P1.model_copy(update={"presenting": False})))
    three = SymposiumPaper(title="Three", text="…", authors=(P3, P1))
    changed = SYMPOSIUM.model_copy(update={"papers": (one, SYMPOSIUM.papers[1], three)})
    earned = earned_from_revision(revised(changed))
    assert earned is not None and people_gone("abs_1", holders_after_decision(), earned) == {}


def test_the_discussant_dropped_and_a_symposium_now_accepted_as_a_paper_end_the_hosting_causes() -> None:
    no_discussant = earned_from_revision(revised(SYMPOSIUM.model_copy(update={"discussant": None})))
    assert no_discussant is not None
    assert people_gone("abs_1", holders_after_decision(), no_discussant) == {
        Cause(Role.DISCUSSANT, "abs_1"): frozenset({"dana@example.org"})
    }
    as_paper = earned_from_revision(revised(SYMPOSIUM, accepted=AbstractFormat.PAPER))
    assert as_paper is not None and {e.role for e in as_paper} == {Role.PRESENTER}


def test_a_chair_of_two_sessions_who_loses_one_keeps_the_chair_role() -> None:
    """The cause of this symposium goes for them, but another still earns CHAIR: nothing is taken off."""
    assert taken_back([Role.DELEGATE, Role.CHAIR], [Role.CHAIR], still_earned=[Role.CHAIR], lost=[Role.CHAIR]) == (
        frozenset()
    )
    assert taken_back([Role.DELEGATE, Role.CHAIR], [Role.CHAIR], still_earned=[], lost=[Role.CHAIR]) == {Role.CHAIR}


def test_the_presenters_who_must_register_follow_the_change_and_keep_the_acceptance_time() -> None:
    kept = presentation_from(accepted_symposium())
    two = SymposiumPaper(title="Two", text="…", authors=(P4, CO))
    changed = SYMPOSIUM.model_copy(update={"papers": (SYMPOSIUM.papers[0], two, SYMPOSIUM.papers[2])})
    now = revised_presentation(kept, revised(changed))
    assert {p.key: p.papers for p in now.presenters} == {
        "p1@example.org": (1,),
        "p4@example.org": (2,),
        "p3@example.org": (3,),
    }
    assert now.accepted_at == kept.accepted_at and now.title == "Data use together"
    assert P2.email not in {p.email for p in now.presenters}
