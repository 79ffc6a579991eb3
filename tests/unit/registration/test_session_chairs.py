"""A session's chair named with an address earns the chair's role by the session, pure: a name alone earns
nothing, another chair in a later version ends the cause for the old one alone, and a chair of two sessions who
loses one keeps the role."""

from __future__ import annotations

from schemas.values import Role
from services.notify.domain.programme_samples import sample_session
from services.registration.domain.roles import (
    SOURCE_MAX,
    EarnedRole,
    chair_gone,
    chairing,
    earned_from_session,
    taken_back,
)

NOOR = {"chair": "Noor Haddad", "chair_email": " Noor@Example.org ", "chair_language": "fr"}


def test_a_chair_named_with_an_address_earns_the_role_by_the_session() -> None:
    session = sample_session().model_copy(update=NOOR)
    assert earned_from_session(session) == (
        EarnedRole("noor@example.org", Role.CHAIR, f"session/{session.session_id}"),
    )
    assert earned_from_session(session)[0].cause == chairing(session.session_id)
    assert earned_from_session(session.model_copy(update={"chair_email": None})) == ()  # a name only


def test_another_chair_ends_the_cause_for_the_old_one_alone() -> None:
    session = sample_session().model_copy(update=NOOR)
    assert chair_gone({"noor@example.org"}, earned_from_session(session)) == frozenset()
    other = session.model_copy(update={"chair_email": "sam@example.org"})
    assert chair_gone({"noor@example.org"}, earned_from_session(other)) == {"noor@example.org"}
    assert chair_gone({"noor@example.org"}, ()) == {"noor@example.org"}  # none named any longer


def test_a_chair_of_two_sessions_keeps_the_role_until_no_session_names_them() -> None:
    held, applied = [Role.DELEGATE, Role.CHAIR], [Role.CHAIR]
    assert taken_back(held, applied, still_earned=[Role.CHAIR], lost=[Role.CHAIR]) == frozenset()
    assert taken_back(held, applied, still_earned=[], lost=[Role.CHAIR]) == {Role.CHAIR}


def test_a_long_session_id_still_fits_the_cause() -> None:
    assert len(chairing("S" * 200).source) <= SOURCE_MAX
