"""The replica's rules: newer states apply, a badge follows its face, the desk's view of a delegate."""

from __future__ import annotations

from dataclasses import replace

import pytest

from schemas.values import Role
from services.badges import domain
from services.badges.domain import BadgeOnRecord, DelegateRecord, RegistrationState, Status
from tests.integration.badges import factories as f


def state(
    version: int, status: Status | None = Status.CONFIRMED, paid: bool | None = None, **changes: object
) -> RegistrationState:
    d = f.delegate("Amara", "Okafor", delegate_id="d-1").model_copy(update=changes)
    return RegistrationState(f.CONGRESS, "r-1", version, status, paid, d)


def badge(version: int, *, revoked: bool = False) -> BadgeOnRecord:
    return BadgeOnRecord("d-1", version, "0" * 64, "mem://", revoked, 0)


def test_a_newer_or_equal_state_applies_an_older_one_does_not() -> None:
    first = domain.replicate(None, state(2, paid=True))
    assert first is not None and first.status is Status.CONFIRMED and first.paid
    assert domain.replicate(first, state(1)) is None
    again = domain.replicate(first, state(2))  # the same version: paid is kept when the event does not say
    assert again is not None and again.paid


def test_an_update_keeps_the_status_the_replica_knows() -> None:
    pending = domain.replicate(None, state(1, Status.PENDING))
    assert pending is not None
    updated = domain.replicate(pending, state(2, None))
    assert updated is not None and updated.status is Status.PENDING
    new = domain.replicate(None, state(1, None))
    assert new is not None and new.status is Status.CONFIRMED


def test_expired_ends_like_cancelled_and_unknown_statuses_are_refused() -> None:
    assert Status.EXPIRED.ended and Status.CANCELLED.ended and not Status.CONFIRMED.ended
    with pytest.raises(ValueError, match="waitlisted"):
        Status("waitlisted")


def test_a_badge_is_issued_for_a_new_face_and_kept_for_the_same_face() -> None:
    first = domain.replicate(None, state(1))
    assert first is not None
    assert domain.needs_badge(first, None, None)
    paid = replace(first, version=2, paid=True)
    assert not domain.needs_badge(paid, first, badge(1))  # same face: the badge, its QR and PDF stay
    presenter = domain.replicate(first, state(3, roles=(Role.DELEGATE, Role.PRESENTER)))
    assert presenter is not None and domain.needs_badge(presenter, paid, badge(1))
    assert not domain.needs_badge(first, None, badge(1))  # the same version again
    assert domain.needs_badge(first, first, badge(1, revoked=True))
    pending = replace(first, status=Status.PENDING)
    assert not domain.needs_badge(pending, None, None)


def test_the_desk_sees_a_revoked_badge_as_a_cancelled_registration() -> None:
    record: DelegateRecord | None = domain.replicate(None, state(1))
    assert record is not None
    assert domain.desk_state(record, badge(1), checked_in=False) == domain.DelegateState("confirmed", 1, False)
    assert domain.desk_state(record, badge(1, revoked=True), checked_in=True).status == "cancelled"
    assert domain.desk_state(replace(record, status=Status.EXPIRED), None, False).status == "cancelled"


def test_what_a_badge_shows_comes_from_the_record() -> None:
    record = domain.replicate(None, state(4))
    assert record is not None
    content = record.badge("token")
    assert (content.registration_version, content.qr_token, content.roles) == (4, "token", ("delegate",))
    assert (content.given_name, content.family_name) == ("Amara", "Okafor")
