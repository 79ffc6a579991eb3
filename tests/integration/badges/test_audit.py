"""Issue 13, the audit trail at badges: visa approvals, station tokens and desk reprints stage one
``OrganiserActed`` each, with the change (certificates: ``tests/unit/badges/test_handlers.py``)."""

from __future__ import annotations

from sqlalchemy import select

from schemas.audit import ActorKind, OrganiserActed, SubjectKind
from schemas.base import decode
from services.badges.commands.visa import visa_request_token
from services.common.accounts import seeded_account_id
from services.common.outbox import outbox_table
from tests.integration.badges import factories as f
from tests.integration.badges.test_station_pages import DATES, SECRET, Badges, badges

__all__ = ["badges"]  # the fixture
EMAIL = "organiser@icsei.example.org"
ACCOUNT = seeded_account_id(SECRET, EMAIL)  # the edition file's organiser, by id (decision 75)


async def records(service: Badges) -> list[OrganiserActed]:
    async with service.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(outbox_table.c.value).order_by(outbox_table.c.id))).scalars().all()
    return [e.data for e in (decode(v) for v in rows if v is not None) if isinstance(e.data, OrganiserActed)]


async def test_visa_approval_station_tokens_and_reprints_are_recorded(badges: Badges) -> None:
    person = f.delegate("Amira", "Haddad")
    await badges.replicate(person)
    client = badges.client
    form = {"passport_name": "Amira Haddad", "nationality": "Jordanian", "passport_number": "N1"} | DATES
    asked = await client.post(f"/api/visa/{visa_request_token(SECRET, person.delegate_id)}", json=form)
    assert asked.status_code == 201 and await records(badges) == []  # the delegate's request is not audited
    request_id = asked.json()["request_id"]
    approved = await client.post(f"/organiser/visa/{request_id}/approve")
    assert approved.status_code == 200, approved.text
    again = await client.post(f"/organiser/visa/{request_id}/approve")  # issues nothing new, records nothing
    assert again.json() == approved.json()

    issued = await client.post("/organiser/stations", data={"label": "Desk A"}, headers={"origin": "http://station"})
    assert issued.status_code == 200, issued.text
    station_id = next(r.subject_id for r in await records(badges) if r.action == "badges.station.issue")
    revoked = await client.post(f"/organiser/stations/{station_id}/revoke", headers={"origin": "http://station"})
    assert revoked.status_code == 200
    for _ in range(2):  # a print, then a reprint, by the organiser signed in at the desk
        printed = await client.post(f"/station/print/{person.delegate_id}", headers={"origin": "http://station"})
        assert printed.status_code == 200, printed.text

    found = await records(badges)
    assert [(r.action, r.subject_kind, r.subject_id) for r in found] == [
        ("badges.visa.approve", SubjectKind.DELEGATE, person.delegate_id),
        ("badges.station.issue", SubjectKind.STATION, station_id),
        ("badges.station.revoke", SubjectKind.STATION, station_id),
        ("badges.reprint", SubjectKind.DELEGATE, person.delegate_id),
    ]
    assert {(r.actor_kind, r.actor, r.service) for r in found} == {(ActorKind.ORGANISER, ACCOUNT, "badges")}
    visa, reprint = found[0], found[-1]
    assert visa.delegate_id == person.delegate_id and str(visa.details["document"]).endswith("-VISA-00001")
    assert reprint.details == {"print_count": 2} and "Haddad" not in " ".join(r.model_dump_json() for r in found)
    async with badges.runtime.engine.connect() as conn:  # the desk's prints name the organiser by id too
        values = (await conn.execute(select(outbox_table.c.value))).scalars().all()
    assert values and not [v for v in values if v and EMAIL.encode() in v]
