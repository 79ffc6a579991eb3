"""A symposium in registration, pure: every paper's presenting authors are presenters and each paper needs one
of them registered; its chair and discussant earn their roles while it is accepted as a symposium."""

from __future__ import annotations

from schemas.abstracts import (
    AbstractDecided,
    AbstractFormat,
    AbstractWithdrawn,
    Decision,
    Symposium,
    SymposiumPaper,
    SymposiumRole,
)
from schemas.values import Role
from services.registration.commands.presenter_deadline import presentation_from
from services.registration.domain.presenters import is_covered
from services.registration.domain.roles import Cause, EarnedRole, earned_from_decision, hosting_lost
from tests.unit.registration.test_roles import author, decided

CHAIR = SymposiumRole(
    given_name="Chidi", family_name="Okeke", email="Chair@Example.org", affiliation="UNILAG", country="NG"
)
DISCUSSANT = CHAIR.model_copy(update={"given_name": "Dana", "email": "dana@example.org"})
P1, P2, P3 = (author(f"p{n}@example.org", presenting=True) for n in (1, 2, 3))
CO = author("co@example.org", presenting=False)
SYMPOSIUM = Symposium(
    chair=CHAIR,
    discussant=DISCUSSANT,
    papers=(
        SymposiumPaper(title="One", text="…", authors=(P1, CO)),
        SymposiumPaper(title="Two", text="…", authors=(P2, CO)),
        SymposiumPaper(title="Three", text="…", authors=(P3, P1.model_copy(update={"presenting": False}))),
    ),
)


def accepted_symposium(decision: Decision = Decision.ACCEPTED, **over: object) -> AbstractDecided:
    fields = {"format": AbstractFormat.SYMPOSIUM, "symposium": SYMPOSIUM} | over
    return decided(decision, P1, CO, P2, P3, **fields)


def test_an_accepted_symposium_earns_every_papers_presenters_its_chair_and_its_discussant() -> None:
    assert set(earned_from_decision(accepted_symposium())) == {
        EarnedRole("p1@example.org", Role.PRESENTER, "abs_1"),
        EarnedRole("p2@example.org", Role.PRESENTER, "abs_1"),
        EarnedRole("p3@example.org", Role.PRESENTER, "abs_1"),
        EarnedRole("chair@example.org", Role.CHAIR, "abs_1"),
        EarnedRole("dana@example.org", Role.DISCUSSANT, "abs_1"),
    }
    assert hosting_lost(accepted_symposium()) == ()


def test_hosting_roles_end_when_it_is_rejected_withdrawn_or_accepted_as_something_else() -> None:
    both = (Cause(Role.CHAIR, "abs_1"), Cause(Role.DISCUSSANT, "abs_1"))
    as_paper = accepted_symposium(format=AbstractFormat.PAPER)
    assert {e.role for e in earned_from_decision(as_paper)} == {Role.PRESENTER}
    assert hosting_lost(as_paper) == both
    assert hosting_lost(accepted_symposium(decision=Decision.REJECTED)) == both
    no_discussant = accepted_symposium(symposium=SYMPOSIUM.model_copy(update={"discussant": None}))
    assert hosting_lost(no_discussant) == (Cause(Role.DISCUSSANT, "abs_1"),)
    withdrawn = AbstractWithdrawn(
        congress_id="c",
        abstract_id="abs_1",
        reference="R",
        title="T",
        submitter_email="s@x.org",
        withdrawn_at=decided(Decision.ACCEPTED).decided_at,
    )
    assert hosting_lost(withdrawn) == both


def test_each_paper_of_a_symposium_needs_one_of_its_presenters_registered() -> None:
    presentation = presentation_from(accepted_symposium())
    assert {p.key: p.papers for p in presentation.presenters} == {
        "p1@example.org": (1,),
        "p2@example.org": (2,),
        "p3@example.org": (3,),
    }
    assert not is_covered(presentation, {"p1@example.org"})  # papers 2 and 3 have nobody
    assert not is_covered(presentation, {"p1@example.org", "p2@example.org"})
    assert is_covered(presentation, {"p1@example.org", "p2@example.org", "p3@example.org"})
    as_paper = presentation_from(accepted_symposium(format=AbstractFormat.PAPER))
    assert is_covered(as_paper, {"p2@example.org"})  # an abstract of its own: any presenter covers it
