"""The console's audit log: newest first by time, each record once, the four filters, and a CSV no
spreadsheet runs; an organiser shown and found through the account directory (decision 75)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.audit import ActorKind, OrganiserActed, SubjectKind
from schemas.privacy import DataClass, RetentionApplied
from services.common.accounts import AccountDirectory
from services.console.adapters.records import to_entry
from services.console.audit_log import AuditFilter, AuditLog
from services.console.audit_web import csv_chunks, shown, wanted
from services.console.domain import Projection
from tests.accounts import directory_with
from tests.unit.console.events import records

T0 = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)


def acted(n: int, action: str, subject: SubjectKind, subject_id: str, **over: Any) -> dict[str, Any]:
    base = {
        "audit_id": f"a-{n:03d}",
        "at": T0 + timedelta(seconds=n, microseconds=500_000 if n % 2 else 0),
        "service": action.split(".")[0],
        "actor_kind": ActorKind.ORGANISER,
        "actor": "Chair@icsei.example.org",
        "action": action,
        "subject_kind": subject,
        "subject_id": subject_id,
    }
    return OrganiserActed.model_validate(base | over).model_dump(mode="json")


def trail() -> AuditLog:
    log = AuditLog()
    records = [
        acted(1, "registration.mark-paid", SubjectKind.REGISTRATION, "reg_1", delegate_id="del_1"),
        acted(2, "abstracts.decide", SubjectKind.ABSTRACT, "abs_1", actor="prog@icsei.example.org"),
        acted(
            3,
            "registration.card-hold.release",
            SubjectKind.REGISTRATION,
            "reg_2",
            delegate_id="del_2",
            actor_kind=ActorKind.SYSTEM,
            actor="registration.payment-holds",
        ),
        acted(
            4,
            "registration.refund",
            SubjectKind.REGISTRATION,
            "reg_1",
            delegate_id="del_1",
            details={"amount_minor": 1000, "currency": "EUR"},
        ),
    ]
    for record in reversed(records):  # arrival order is not time order (partitions)
        assert log.add(record)
    return log


def test_newest_first_by_the_moment_and_each_record_once() -> None:
    log = trail()
    assert [r.audit_id for r in log.select(AuditFilter())] == ["a-004", "a-003", "a-002", "a-001"]
    again = acted(4, "registration.refund", SubjectKind.REGISTRATION, "reg_1")
    assert not log.add(again) and len(log) == 4  # redelivered: kept once
    assert not log.add({"audit_id": "x"}) and not log.add(acted(9, "a.b", SubjectKind.EDITION, "e") | {"at": "never"})
    assert log.select(AuditFilter())[0].details == "amount_minor=1000 currency=EUR"
    log.add(
        acted(5, "registration.erase", SubjectKind.REGISTRATION, "reg_3", details={"cancelled_first": True, "x": None})
    )
    assert log.select(AuditFilter())[0].details == "cancelled_first=true x="


def test_filters_by_person_action_delegate_and_abstract() -> None:
    log = trail()

    def ids(**wanted: str) -> list[str]:
        return [r.audit_id for r in log.select(AuditFilter(**wanted))]

    assert ids(actor="CHAIR@") == ["a-004", "a-001"]
    assert ids(actor="payment-holds") == ["a-003"]
    assert ids(action="registration") == ids(action="registration.") == ["a-004", "a-003", "a-001"]
    assert ids(action="registration.refund") == ["a-004"] and ids(action="registration.ref") == []
    assert ids(delegate="del_1") == ids(delegate="reg_1") == ["a-004", "a-001"]
    assert ids(abstract="abs_1") == ["a-002"] and ids(abstract="reg_1") == []
    assert ids(actor="chair", delegate="del_1", action="registration.mark-paid") == ["a-001"]


def test_the_csv_carries_every_record_and_runs_no_formula() -> None:
    log = AuditLog()
    log.add(acted(1, "registration.cancel", SubjectKind.REGISTRATION, "reg_1", reason='=HYPERLINK("http://x")'))
    for n in range(2, 1203):
        log.add(acted(n, "registration.export", SubjectKind.EDITION, "icsei-2027"))
    rows = list(csv.reader(io.StringIO("".join(csv_chunks(log.select(AuditFilter()), directory())))))
    assert rows[0][:6] == ["at", "service", "actor_kind", "actor", "who", "action"] and len(rows) == 1 + 1202
    assert rows[-1][rows[0].index("reason")] == '\'=HYPERLINK("http://x")'


def test_the_projection_keeps_every_record_and_files_it_under_its_delegate() -> None:
    projection = Projection(tz=UTC, ring_size=2)
    for n, (action, subject, delegate) in enumerate(
        [
            ("registration.refund", "reg_1", "del_1"),
            ("abstracts.decide", "abs_1", None),
            ("badges.reprint", "del_1", "del_1"),
        ]
    ):
        kind = SubjectKind.ABSTRACT if subject.startswith("abs") else SubjectKind.REGISTRATION
        data = OrganiserActed.model_validate(acted(n, action, kind, subject, delegate_id=delegate))
        for record in records([data]):
            projection.apply(to_entry(record, topic_prefix=""))
    assert len(projection.audit) == 3 and len(projection.recent) == 2  # the ring forgets, the audit log does not
    assert [e.data["action"] for e in projection.delegate("del_1")] == ["registration.refund", "badges.reprint"]
    assert projection.delegate("reg_1") == [] and projection.delegate("abs_1") == []


def test_retention_records_are_counted_by_class_of_data_and_not_listed_as_actions() -> None:
    projection = Projection(tz=UTC)
    swept = [
        RetentionApplied(
            edition_id="icsei-2027",
            service=service,
            data_class=data,
            removed=removed,
            expired_from=T0.date(),
            swept_at=T0,
        )
        for service, data, removed in (
            ("registration", DataClass.SPECIAL_NEEDS, 3),
            ("badges", DataClass.PASSPORT, 2),
            ("registration", DataClass.SPECIAL_NEEDS, 1),
        )
    ]
    for record in records(list(swept)):
        projection.apply(to_entry(record, topic_prefix=""))
    figures = projection.figures()
    assert figures["retention_removed"] == {"passport": 2, "special_needs": 4}
    assert figures["events_by_type"]["congress.audit.RetentionApplied.v1"] == 3
    assert len(projection.audit) == 0  # not an organiser's action


def directory() -> AccountDirectory:
    """The console's account directory over the example edition file, with one invited account, Zelda's."""
    return directory_with("acc-zelda", "zelda@x.org", "Zelda Quist", ["finance"])


def by_ids() -> AuditLog:
    """Records by account id (Zelda's, an unknown one) beside one recorded by address before decision 75."""
    log = AuditLog()
    log.add(acted(1, "registration.mark-paid", SubjectKind.REGISTRATION, "reg_1", actor="acc-zelda"))
    log.add(acted(2, "abstracts.decide", SubjectKind.ABSTRACT, "abs_1", actor="Zelda@x.org"))  # the old form
    log.add(acted(3, "registration.refund", SubjectKind.REGISTRATION, "reg_1", actor="acc-olga"))
    return log


def test_the_page_names_an_account_as_it_is_now_an_erased_one_as_erased_and_an_old_address_as_it_is() -> None:
    accounts, log = directory(), by_ids()
    who = {r.audit_id: shown(r, accounts)["who"] for r in log.select(AuditFilter())}
    assert who == {"a-001": "Zelda Quist <zelda@x.org>", "a-002": "Zelda@x.org", "a-003": "erased account"}
    assert list(shown(log.select(AuditFilter())[0], accounts))[3:5] == ["actor", "who"]

    accounts.forget("acc-zelda")  # notify erased her account: the trail keeps an id that names no one
    assert shown(log.select(AuditFilter())[-1], accounts)["who"] == "erased account"
    text = "".join(csv_chunks(log.select(AuditFilter()), accounts))
    assert "zelda@x.org" not in text and text.count("erased account") == 2 and "Zelda@x.org" in text  # the old one


def test_the_person_filter_finds_an_account_by_the_address_or_name_typed_and_old_records_by_address() -> None:
    accounts, log = directory(), by_ids()

    def ids(actor: str) -> list[str]:
        chosen = {"actor": actor, "action": "", "delegate": "", "abstract": ""}
        return [r.audit_id for r in log.select(wanted(chosen, accounts))]

    assert ids("zelda@x") == ["a-002", "a-001"]  # her account's id, and her address recorded before ids
    assert ids("Quist") == ["a-001"] and ids("acc-zelda") == ["a-001"]  # by name; the whole id
    assert ids("acc") == [] and ids("olga") == []  # part of an id matches nothing, nor an unknown account's id
    accounts.forget("acc-zelda")
    assert ids("zelda@x") == ["a-002"]  # the erased account is found no more
