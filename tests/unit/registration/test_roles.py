"""Which emails the call for papers makes presenters and reviewers, and the order roles are kept in: pure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from schemas.abstracts import AbstractDecided, AbstractFormat, Author, Decision, ReviewerAssigned
from schemas.values import Role
from services.registration.roles import (
    EarnedRole,
    earned_from_assignment,
    earned_from_decision,
    email_key,
    missing_roles,
    with_roles,
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
        EarnedRole("kwame@example.org", Role.REVIEWER, "abs_2"),
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
