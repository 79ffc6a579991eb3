"""The console's audit page against a real Kafka: records published on ``congress.audit`` by the services
show newest first, filtered by person, action, delegate and abstract, paged, and as a CSV. Records name an
organiser by account id (decision 75): the page shows the account from the directory, the person filter finds
it by the address typed; records made before, by address, still show and filter as they are."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from schemas import topics
from schemas.audit import ActorKind, OrganiserActed, SubjectKind
from services.common.accounts import seeded_account_id
from tests.integration.console.test_console_kafka import SECRET, started
from tests.kafka_helpers import eventually, publish

T0 = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
CHAIR, DESK = "chair@icsei.example.org", "desk@icsei.example.org"  # recorded by address, before ids
SEEDED = "organiser@icsei.example.org"  # the example edition file's organiser, recorded by account id


def record(n: int, actor: str, action: str, subject: SubjectKind, subject_id: str, **over: Any) -> OrganiserActed:
    return OrganiserActed(
        audit_id=f"audit-{n:02d}",
        at=T0 + timedelta(minutes=n),
        service=action.split(".")[0],
        actor_kind=ActorKind.ORGANISER,
        actor=actor,
        action=action,
        subject_kind=subject,
        subject_id=subject_id,
        **over,
    )


RECORDS = [
    record(1, CHAIR, "registration.mark-paid", SubjectKind.REGISTRATION, "reg_a", delegate_id="del_a"),
    record(2, DESK, "badges.reprint", SubjectKind.DELEGATE, "del_a", delegate_id="del_a", details={"print_count": 2}),
    record(3, CHAIR, "abstracts.decide", SubjectKind.ABSTRACT, "abs_1", details={"decision": "accepted"}),
    record(4, CHAIR, "registration.cancel", SubjectKind.REGISTRATION, "reg_b", delegate_id="del_b", reason="=1+1"),
    record(5, DESK, "registration.refund", SubjectKind.REGISTRATION, "reg_a", delegate_id="del_a"),
    record(6, seeded_account_id(SECRET, SEEDED), "registration.export", SubjectKind.EDITION, "icsei-2027"),
]


async def test_the_audit_page_lists_filters_pages_and_downloads(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    for item in RECORDS:
        await publish(kafka_bootstrap, topic_prefix + topics.AUDIT, [item], key=item.key().encode())
    runtime, client = await started(kafka_bootstrap, topic_prefix, tmp_path / "journal.sqlite3")
    try:
        assert (await client.get("/api/audit", headers={"Authorization": ""})).status_code == 401

        async def all_read() -> dict[str, Any] | None:
            body: dict[str, Any] = (await client.get("/api/audit")).json()
            return body if body["total"] == len(RECORDS) else None

        everything = await eventually(all_read, timeout=60)
        assert [r["audit_id"] for r in everything["items"]] == [f"audit-0{n}" for n in (6, 5, 4, 3, 2, 1)]
        newest, oldest = everything["items"][0], everything["items"][-1]
        assert (newest["actor"], newest["who"]) == (seeded_account_id(SECRET, SEEDED), f"Demo Organiser <{SEEDED}>")
        assert (oldest["actor"], oldest["who"]) == (CHAIR, CHAIR)

        async def ids(**params: Any) -> list[str]:
            return [r["audit_id"] for r in (await client.get("/api/audit", params=params)).json()["items"]]

        assert await ids(actor="desk@") == ["audit-05", "audit-02"]
        assert await ids(actor="ORGANISER@icsei") == ["audit-06"]  # the address typed, the account's id found
        assert await ids(action="registration") == ["audit-06", "audit-05", "audit-04", "audit-01"]
        assert await ids(delegate="del_a") == ["audit-05", "audit-02", "audit-01"]
        assert await ids(abstract="abs_1") == ["audit-03"]
        first = (await client.get("/api/audit", params={"size": 2})).json()
        assert first["total"] == 6 and [r["audit_id"] for r in first["items"]] == ["audit-06", "audit-05"]
        second = (await client.get(first["next"])).json()
        assert [r["audit_id"] for r in second["items"]] == ["audit-04", "audit-03"] and second["previous"]

        page = await client.get("/audit", params={"delegate": "del_a", "size": 2})
        assert page.status_code == 200 and "Showing 1–2 of 3" in page.text
        assert page.text.count("<tr data-audit=") == 2 and 'href="/audit.csv?delegate=del_a"' in page.text
        assert 'rel="next" href="/audit?delegate=del_a&amp;page=2&amp;size=2"' in page.text

        download = await client.get("/audit.csv", params={"actor": CHAIR})
        assert download.headers["content-disposition"].endswith('-audit.csv"')
        rows = list(csv.DictReader(io.StringIO(download.text)))
        assert [r["audit_id"] for r in rows] == ["audit-04", "audit-03", "audit-01"]
        assert rows[0]["reason"] == "'=1+1" and rows[1]["details"] == "decision=accepted"
    finally:
        await client.aclose()
        await runtime.stop()

    # restarted: the journal gives the whole trail back, each record once
    runtime, client = await started(kafka_bootstrap, topic_prefix, tmp_path / "journal.sqlite3")
    try:
        again = await eventually(all_read, timeout=60)
        assert [r["audit_id"] for r in again["items"]] == [r["audit_id"] for r in everything["items"]]
    finally:
        await client.aclose()
        await runtime.stop()
