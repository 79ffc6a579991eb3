"""A registration's history page names an organiser by their account as the directory knows it now (decision 75):
name and address for a live account, "erased account" once it is erased, an address recorded before ids as it is;
a job, a delegate or a station as recorded."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.audit import ActorKind, OrganiserActed, SubjectKind
from services.common.accounts import seeded_account_id
from services.registration.web.history import history_rows
from tests.accounts import directory_with

AT = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)


def acted(n: int, actor: str, kind: ActorKind = ActorKind.ORGANISER) -> OrganiserActed:
    return OrganiserActed(
        audit_id=f"a-{n}",
        at=AT,
        service="registration",
        actor_kind=kind,
        actor=actor,
        action="registration.cancel",
        subject_kind=SubjectKind.REGISTRATION,
        subject_id="reg_1",
        delegate_id="del_1",
    )


def test_the_history_names_each_actor_as_it_is_now() -> None:
    accounts = directory_with("acc-zelda", "zelda@x.org", "Zelda Quist", ["finance"])
    records = [
        acted(1, "acc-zelda"),
        acted(2, "zelda@x.org"),  # recorded by address before decision 75
        acted(3, seeded_account_id("s", "organiser@icsei.example.org")),  # the edition file's, not yet published
        acted(4, "registration.payment-holds", ActorKind.SYSTEM),
    ]

    def who() -> list[str]:
        return [row["actor"] for row in history_rows(records, UTC, accounts)]

    assert who() == [
        "Zelda Quist <zelda@x.org>",
        "zelda@x.org",
        "Demo Organiser <organiser@icsei.example.org>",
        "registration.payment-holds",
    ]
    accounts.forget("acc-zelda")  # notify erased her account
    assert who()[0] == "erased account" and "zelda@x.org" not in str(history_rows(records[:1], UTC, accounts))
