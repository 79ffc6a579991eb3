"""The audit kernel: a catalogue holds a service's actions, ``record`` stages one record of a declared
action on the unit of work it is given, and refuses anything else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.audit import ActorKind, OrganiserActed, SubjectKind
from schemas.base import EventData
from services.common import audit
from services.common.audit import Action, Catalogue

AT = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
CATALOGUE = Catalogue("registration", Action("registration.refund", SubjectKind.REGISTRATION, "Refunded."))


class Staged:
    def __init__(self) -> None:
        self.events: list[EventData] = []

    def stage(self, data: EventData) -> object:
        self.events.append(data)
        return data


def test_record_stages_one_record_of_a_declared_action() -> None:
    unit = Staged()
    made = audit.record(
        unit,
        CATALOGUE,
        "registration.refund",
        audit.organiser(" acc-chair "),
        "reg_1",
        at=AT,
        delegate_id="del_1",
        reason="  ",
        details={"amount_minor": 1000},
    )
    assert unit.events == [made] and isinstance(made, OrganiserActed)
    assert (made.actor_kind, made.actor, made.service) == (
        ActorKind.ORGANISER,
        "acc-chair",
        "registration",
    )
    assert (made.subject_kind, made.subject_id, made.delegate_id, made.reason) == (
        SubjectKind.REGISTRATION,
        "reg_1",
        "del_1",
        None,  # a blank reason is no reason
    )
    assert made.key() == "reg_1" and made.details == {"amount_minor": 1000}
    other = audit.record(unit, CATALOGUE, "registration.refund", audit.system("registration.stripe-tasks"), "r", at=AT)
    assert other.audit_id != made.audit_id and other.actor_kind is ActorKind.SYSTEM


def test_undeclared_actions_and_bad_catalogues_are_refused() -> None:
    with pytest.raises(KeyError, match="not an audit action of registration"):
        audit.record(Staged(), CATALOGUE, "registration.nope", audit.organiser("acc-o"), "r", at=AT)
    refund = Action("registration.refund", SubjectKind.REGISTRATION, "x")
    with pytest.raises(ValueError, match="declared twice"):
        Catalogue("registration", refund, refund)
    with pytest.raises(ValueError, match="start with the service's name"):
        Catalogue("badges", refund)
    with pytest.raises(ValueError, match="has a name"):
        audit.organiser(" ")
    assert audit.station("st-1") == audit.Actor(ActorKind.STATION, "st-1")
