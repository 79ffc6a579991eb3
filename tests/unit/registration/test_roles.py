"""Which emails the call for papers makes presenters and reviewers, and the order roles are kept in: pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from schemas.abstracts import (
    AbstractDecided,
    AbstractFormat,
    AbstractWithdrawn,
    Author,
    Decision,
    ReviewerAssigned,
    ReviewerUnassigned,
)
from schemas.values import Role
from services.registration.commands.register import at_registration
from services.registration.domain.roles import (
    SOURCE_MAX,
    Cause,
    EarnedRole,
    earned_from_assignment,
    earned_from_decision,
    email_key,
    lost_by_decision,
    lost_by_unassignment,
    lost_by_withdrawal,
    missing_roles,
    reviewing,
    taken_back,
    with_roles,
    without_roles,
)


def author(email: str, *, presenting: bool) -> Author:
    return Author(
        given_name="Nomvula",
        family_name="Dlamini",
        email=email,
        affiliation="University of Pretoria",
        country="ZA",
        presenting=presenting,
    )


def decided(decision: Decision, *authors: Author, **over: Any) -> AbstractDecided:
    fields: dict[str, Any] = {
        "congress_id": "icsei-2027",
        "abstract_id": "abs_1",
        "reference": "ICSEI27-A-0001",
        "title": "Data use in rural schools",
        "decision": decision,
        "format": AbstractFormat.PAPER,
        "network": "data-use",
        "authors": authors,
        "submitter_email": "submitter@example.org",
        "decided_at": datetime(2026, 9, 1, tzinfo=UTC),
        "decided_by": "organiser@icsei.example.org",
    }
    return AbstractDecided(**(fields | over))


def assigned(email: str) -> ReviewerAssigned:
    return ReviewerAssigned(
        congress_id="icsei-2027",
        abstract_id="abs_2",
        reviewer_id="rev_1",
        reviewer_name="Kwame Mensah",
        reviewer_email=email,
        reference="ICSEI27-A-0002",
        title="Leadership for learning",
        network="leadership",
        due_on=date(2026, 8, 1),
        portal_link="http://testserver/review/x",
    )


def test_an_accepted_abstract_makes_each_presenting_author_a_presenter_by_trimmed_lower_case_email() -> None:
    event = decided(
        Decision.ACCEPTED,
        author("  Nomvula.Dlamini@UP.ac.za ", presenting=True),
        author("silent@example.org", presenting=False),
        author("second@Example.org", presenting=True),
    )
    assert earned_from_decision(event) == (
        EarnedRole("nomvula.dlamini@up.ac.za", Role.PRESENTER, "abs_1"),
        EarnedRole("second@example.org", Role.PRESENTER, "abs_1"),
    )


def test_a_presenter_listed_twice_earns_the_role_once() -> None:
    event = decided(
        Decision.ACCEPTED, author("a@example.org", presenting=True), author("A@example.org", presenting=True)
    )
    assert earned_from_decision(event) == (EarnedRole("a@example.org", Role.PRESENTER, "abs_1"),)


def test_a_rejected_abstract_gives_no_role() -> None:
    assert earned_from_decision(decided(Decision.REJECTED, author("a@example.org", presenting=True))) == ()


def test_an_assignment_makes_the_reviewer_a_reviewer() -> None:
    assert earned_from_assignment(assigned(" Kwame@Example.ORG")) == (
        EarnedRole("kwame@example.org", Role.REVIEWER, "abs_2", "rev_1"),
    )


def test_email_key_trims_and_lower_cases() -> None:
    assert email_key("\tMixed.Case@Example.Org \n") == "mixed.case@example.org"


def test_roles_keep_delegate_first_and_the_rest_in_enum_order_without_repeats() -> None:
    assert with_roles((Role.DELEGATE,), (Role.REVIEWER, Role.PRESENTER)) == (
        Role.DELEGATE,
        Role.PRESENTER,
        Role.REVIEWER,
    )
    assert with_roles(["delegate", "press"], [Role.PRESENTER, Role.PRESENTER]) == (
        Role.DELEGATE,
        Role.PRESENTER,
        Role.PRESS,
    )


def test_only_roles_not_held_are_missing() -> None:
    assert missing_roles(["delegate", "presenter"], {Role.PRESENTER}) == frozenset()
    assert missing_roles(["delegate"], {Role.PRESENTER, Role.REVIEWER}) == {Role.PRESENTER, Role.REVIEWER}


def test_each_earned_role_names_its_cause_the_abstract_or_the_reviewers_assignment() -> None:
    accepted = decided(Decision.ACCEPTED, author("a@example.org", presenting=True))
    assert [e.cause for e in earned_from_decision(accepted)] == [Cause(Role.PRESENTER, "abs_1")]
    assert [e.cause for e in earned_from_assignment(assigned("k@example.org"))] == [Cause(Role.REVIEWER, "abs_2/rev_1")]


def test_a_withdrawal_or_a_rejection_ends_the_presenters_cause_an_acceptance_ends_none() -> None:
    withdrawn = AbstractWithdrawn(
        congress_id="icsei-2027",
        abstract_id="abs_1",
        reference="ICSEI27-A-0001",
        title="Data use in rural schools",
        submitter_email="submitter@example.org",
        withdrawn_at=datetime(2026, 10, 1, tzinfo=UTC),
    )
    assert lost_by_withdrawal(withdrawn) == Cause(Role.PRESENTER, "abs_1")
    assert lost_by_decision(decided(Decision.REJECTED)) == Cause(Role.PRESENTER, "abs_1")
    assert lost_by_decision(decided(Decision.ACCEPTED)) is None


def test_an_unassignment_ends_exactly_the_cause_its_assignment_earned() -> None:
    unassigned = ReviewerUnassigned(congress_id="icsei-2027", abstract_id="abs_2", reviewer_id="rev_1", reason="x")
    (earned,) = earned_from_assignment(assigned("k@example.org"))
    assert lost_by_unassignment(unassigned) == earned.cause
    assert lost_by_unassignment(unassigned.model_copy(update={"reviewer_id": "rev_2"})) != earned.cause


def test_a_cause_too_long_for_its_column_is_stored_as_a_stable_hash() -> None:
    long = reviewing("abs_" + "a" * 40, "rev_" + "b" * 40)
    assert len(long.source) <= SOURCE_MAX and long.source.startswith("sha256:")
    assert long == reviewing("abs_" + "a" * 40, "rev_" + "b" * 40)
    assert long != reviewing("abs_" + "a" * 40, "rev_" + "c" * 40)


def test_without_roles_keeps_order_and_delegate_always() -> None:
    assert without_roles(["delegate", "presenter", "reviewer"], [Role.PRESENTER]) == (Role.DELEGATE, Role.REVIEWER)
    assert without_roles(["presenter", "press"], ["presenter", "delegate"]) == (Role.DELEGATE, Role.PRESS)
    assert without_roles([Role.DELEGATE], [Role.REVIEWER]) == (Role.DELEGATE,)


def test_a_role_is_taken_back_only_if_the_call_for_papers_gave_it_and_nothing_else_earns_it() -> None:
    held = ["delegate", "presenter", "reviewer"]
    assert taken_back(held, {Role.PRESENTER}, set(), [Role.PRESENTER]) == {Role.PRESENTER}
    # Set by an organiser by hand (or by the category): never applied, never taken.
    assert taken_back(held, set(), set(), [Role.PRESENTER]) == frozenset()
    # Another accepted abstract still makes them a presenter.
    assert taken_back(held, {Role.PRESENTER}, {Role.PRESENTER}, [Role.PRESENTER]) == frozenset()
    # Only the role whose cause went; a role not held is not "taken".
    assert taken_back(held, {Role.PRESENTER, Role.REVIEWER}, set(), [Role.REVIEWER]) == {Role.REVIEWER}
    assert taken_back(["delegate"], {Role.PRESENTER}, set(), [Role.PRESENTER]) == frozenset()
    assert taken_back(held, {Role.DELEGATE}, set(), [Role.DELEGATE]) == frozenset()


def test_a_new_registration_notes_only_the_earned_roles_its_form_did_not_give() -> None:
    @dataclass(frozen=True)
    class Form:
        email: str
        roles: tuple[Role, ...]

    now = datetime(2026, 10, 1, tzinfo=UTC)
    earned = {"a@example.org": {Role.PRESENTER, Role.REVIEWER}, "c@example.org": {Role.PRESENTER}}

    @dataclass(frozen=True)
    class Made:  # a new registration (only its id matters here)
        id: str

    rows = [Made("reg_a"), Made("reg_b"), Made("reg_c")]
    forms = [
        Form(" A@Example.org", (Role.DELEGATE,)),
        Form("b@example.org", (Role.DELEGATE,)),
        Form("c@example.org", (Role.DELEGATE, Role.PRESENTER)),  # given by its category: not the call's
    ]
    assert at_registration(rows, forms, earned, now) == [
        {"registration_id": "reg_a", "role": "presenter", "applied_at": now},
        {"registration_id": "reg_a", "role": "reviewer", "applied_at": now},
    ]
