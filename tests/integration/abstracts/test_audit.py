"""Issue 13, the audit trail in abstracts: every organiser action stages one ``OrganiserActed`` (actor,
action, subject, reason) with the change it records; a refused action records nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from schemas.audit import ActorKind, OrganiserActed, SubjectKind
from schemas.base import decode
from services.common.accounts import seeded_account_id
from services.common.outbox import outbox_table
from tests.integration.abstracts.conftest import ORGANISER, SECRET, Service, add_reviewer, submit
from tests.integration.abstracts.programme_data import accept_abstracts
from tests.integration.abstracts.test_programme_update import move_el_by_hand

EMAIL = "organiser@icsei.example.org"
ACCOUNT = seeded_account_id(SECRET, EMAIL)  # the edition file's organiser, by id (decision 75)
PROGRAMME = "/api/organiser/programme"


async def records(service: Service) -> list[OrganiserActed]:
    async with service.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(outbox_table.c.value).order_by(outbox_table.c.id))).scalars().all()
    return [e.data for e in (decode(v) for v in rows if v is not None) if isinstance(e.data, OrganiserActed)]


async def acted(service: Service, method: str, path: str, body: dict[str, Any] | None = None) -> list[OrganiserActed]:
    """Do one organiser request (it must succeed); the audit records it staged."""
    before = len(await records(service))
    answer = await service.client.request(method, path, json=body, headers=ORGANISER)
    assert answer.is_success, answer.text
    return (await records(service))[before:]


def one(found: list[OrganiserActed], action: str, kind: SubjectKind, subject: str) -> OrganiserActed:
    assert [(r.action, r.subject_kind, r.subject_id) for r in found] == [(action, kind, subject)]
    record = found[0]
    assert (record.actor_kind, record.actor, record.service) == (ActorKind.ORGANISER, ACCOUNT, "abstracts")
    return record


async def test_reviewer_assignment_and_decision_actions_are_recorded(offline: Service) -> None:
    before = len(await records(offline))
    reviewer = await add_reviewer(offline, "Amani", "University of Nairobi", ["DU"])
    added = one((await records(offline))[before:], "abstracts.reviewer.add", SubjectKind.REVIEWER, reviewer)
    assert added.details == {"networks": "DU", "language": "en"} and "Amani" not in added.model_dump_json()
    abstract_id = (await submit(offline))["abstract_id"]

    assigned = await acted(offline, "POST", "/api/organiser/assign")
    assert [(r.action, r.subject_id, r.details["reviewer_id"]) for r in assigned] == [
        ("abstracts.assign", abstract_id, reviewer)
    ]
    unassign = {"reviewer_id": reviewer, "reason": "co-author"}
    taken_off = await acted(offline, "POST", f"/api/organiser/abstracts/{abstract_id}/unassign", unassign)
    assert one(taken_off, "abstracts.unassign", SubjectKind.ABSTRACT, abstract_id).reason == "co-author"
    revoked = await acted(offline, "POST", f"/api/organiser/reviewers/{reviewer}/revoke")
    one(revoked, "abstracts.reviewer.revoke-link", SubjectKind.REVIEWER, reviewer)

    decision = {"decision": "accepted", "format": "poster"}
    decided = await acted(offline, "POST", f"/api/organiser/abstracts/{abstract_id}/decision", decision)
    record = one(decided, "abstracts.decide", SubjectKind.ABSTRACT, abstract_id)
    assert record.details["decision"] == "accepted" and record.details["format"] == "poster"

    count = len(await records(offline))
    again = await offline.client.post(
        f"/api/organiser/abstracts/{abstract_id}/decision", json=decision, headers=ORGANISER
    )
    assert again.status_code == 409 and len(await records(offline)) == count  # refused: nothing recorded


async def test_programme_actions_are_recorded(offline: Service) -> None:
    made = await accept_abstracts(offline)
    congress = offline.deps.congress.id
    generated = one(
        await acted(offline, "POST", f"{PROGRAMME}/generate"),
        "abstracts.programme.generate",
        SubjectKind.PROGRAMME,
        congress,
    )
    assert generated.details == {"placed": 6, "unplaced": 0}
    one(
        await acted(offline, "POST", f"{PROGRAMME}/update"),
        "abstracts.programme.update",
        SubjectKind.PROGRAMME,
        congress,
    )

    before = len(await records(offline))
    moved_to = await move_el_by_hand(offline)
    moved = one((await records(offline))[before:], "abstracts.programme.move-session", SubjectKind.PROGRAMME, "EL-P1")
    assert f"{moved.details['day']}|{moved.details['slot']}|{moved.details['room']}" == moved_to

    p5 = made["p5"]["abstract_id"]
    into = {"to_session": "DU-P2"}
    talk = await acted(offline, "POST", f"{PROGRAMME}/presentations/{p5}/move", into)
    assert one(talk, "abstracts.programme.move-presentation", SubjectKind.ABSTRACT, p5).details["to_session"] == "DU-P2"
    chair = await acted(offline, "POST", f"{PROGRAMME}/sessions/DU-P2/chair", {"chair": "Jürgen Müller"})
    record = one(chair, "abstracts.programme.chair", SubjectKind.PROGRAMME, "DU-P2")
    assert record.details == {"named": True, "person": False} and "Müller" not in record.model_dump_json()
    published = one(
        await acted(offline, "POST", f"{PROGRAMME}/publish"),
        "abstracts.programme.publish",
        SubjectKind.PROGRAMME,
        congress,
    )
    assert published.details["version"] == 1 and published.details["sessions"] == 6


async def test_staged_decisions_their_release_and_a_further_reviewer_are_recorded(offline: Service) -> None:
    first, second = (
        (await submit(offline, title="First"))["abstract_id"],
        (await submit(offline, title="Second"))["abstract_id"],
    )
    staged = await acted(
        offline,
        "POST",
        "/api/organiser/decisions/stage",
        {"choice": "accept", "format": "poster", "abstract_ids": [first, second]},
    )
    assert [(r.action, r.subject_id) for r in staged] == [
        ("abstracts.decision.stage", first),
        ("abstracts.decision.stage", second),
    ]
    assert staged[0].details == {"choice": "accept", "format": "poster", "to_network": None}
    one(
        await acted(offline, "DELETE", f"/api/organiser/decisions/{second}"),
        "abstracts.decision.unstage",
        SubjectKind.ABSTRACT,
        second,
    )
    released = one(
        await acted(offline, "POST", "/api/organiser/decisions/release", {"network": ""}),
        "abstracts.decision.release",
        SubjectKind.ABSTRACT,
        first,
    )
    assert released.details["outcome"] == "accepted" and str(released.details["release"]).startswith("rel")

    for name in ("Amani", "Bo", "Chen"):
        await add_reviewer(offline, name, f"University {name}", ["DU"])
    before = len(await records(offline))
    assert (await offline.client.post("/api/organiser/assign", headers=ORGANISER)).is_success
    assigned = (await records(offline))[before:]
    assert {r.action for r in assigned} == {"abstracts.assign"} and {r.subject_id for r in assigned} == {second}
    asked = await acted(offline, "POST", f"/api/organiser/abstracts/{second}/ask-another")
    record = one(asked, "abstracts.ask-another", SubjectKind.ABSTRACT, second)
    assert record.details["reviewer_id"] not in {r.details["reviewer_id"] for r in assigned}
