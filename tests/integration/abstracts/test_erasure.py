"""Erasing a person the call for papers knows by email (docs/privacy.md, *Abstracts*): an organiser erases an author
who never registered, with a confirmation step and an audit record; the delegate's erasure reaches abstracts by
``RegistrationErased.person_ref``. A published programme keeps the name and institution as published; the email,
the unpublished abstracts' author entries and the reviewer record go; every event abstracts published about the
person reads ``erased``. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from schemas import topics
from schemas.abstracts import AbstractSubmitted, AuthorErased
from schemas.audit import OrganiserActed
from schemas.base import decode, new_event
from schemas.personal import ERASED
from schemas.registration import RegistrationErased
from services.abstracts import subscriptions
from services.abstracts.adapters import db
from services.abstracts.adapters.programme_db import published
from services.common.keyring import person_ref
from services.common.outbox import outbox_table, write_staged
from tests.integration.abstracts.conftest import (
    ORGANISER,
    SECRET,
    Service,
    author,
    close_service,
    open_service,
    settings_for,
    submit,
)
from tests.integration.privacy_search import rows_naming

EMAIL = "ximena.quispe@uni.example"
XIMENA = {"given_name": "Ximena", "family_name": "Quispe-Huamán", "affiliation": "Instituto Andino", "country": "PE"}


@pytest.fixture
async def service(db_url: str) -> AsyncIterator[Service]:
    opened = await open_service(settings_for(db_url), kafka=False)
    yield opened
    await close_service(opened, kafka=False)


async def decide(service: Service, abstract_id: str, decision: str) -> None:
    body = {"decision": decision, "format": "paper"}
    answer = await service.client.post(f"/api/organiser/abstracts/{abstract_id}/decision", json=body, headers=ORGANISER)
    assert answer.status_code == 200, answer.text


async def her_abstracts(service: Service) -> dict[str, str]:
    """Ximena presents a published paper (a co-author beside her) and wrote a rejected one; she also reviews."""
    me = author(0, **XIMENA) | {"email": EMAIL, "presenting": True}
    shown = (await submit(service, authors=[me, author(1)], submitter_email=EMAIL))["abstract_id"]
    refused = (
        await submit(
            service,
            title="Another",
            authors=[author(2) | {"presenting": True}, me | {"presenting": False}],
            submitter_email="aiko2@example.org",
        )
    )["abstract_id"]
    await decide(service, shown, "accepted")
    await decide(service, refused, "rejected")
    body = {"name": "Ximena Quispe-Huamán", "email": EMAIL, "affiliation": "Instituto Andino", "networks": ["DU"]}
    added = await service.client.post("/api/organiser/reviewers", json=body, headers=ORGANISER)
    assert added.status_code == 201, added.text
    done = await service.client.post("/organiser/programme/generate", headers=ORGANISER)
    assert done.status_code in (200, 303), done.text
    session_id = (await service.client.get("/api/organiser/programme", headers=ORGANISER)).json()["sessions"][0]
    chair = {"chair": "Ximena Quispe-Huamán", "email": EMAIL, "language": "es"}  # she chairs a session too
    path = f"/api/organiser/programme/sessions/{session_id['session_id']}/chair"
    assert (await service.client.post(path, json=chair, headers=ORGANISER)).status_code == 200
    done = await service.client.post("/organiser/programme/publish", headers=ORGANISER)
    assert done.status_code in (200, 303), done.text
    return {"shown": shown, "refused": refused}


async def content_of(service: Service, abstract_id: str) -> dict[str, Any]:
    async with service.deps.sessionmaker() as session:
        row = (await session.execute(select(db.abstracts).where(db.abstracts.c.id == abstract_id))).mappings().one()
    return dict(row)


async def staged(service: Service) -> list[Any]:
    async with service.deps.sessionmaker() as session:
        return list((await session.execute(select(outbox_table).order_by(outbox_table.c.id))).all())


async def assert_erased_as_documented(service: Service, ids: dict[str, str], db_url: str) -> None:
    shown, refused = await content_of(service, ids["shown"]), await content_of(service, ids["refused"])
    me, co = shown["content"]["authors"]
    assert (me["given_name"], me["family_name"], me["affiliation"]) == ("Ximena", "Quispe-Huamán", "Instituto Andino")
    assert me["email"] == ERASED and shown["submitter_email"] == ERASED
    assert co["email"] == "aiko1@example.org"  # the co-author is untouched
    other, gone = refused["content"]["authors"]
    assert (gone["given_name"], gone["family_name"], gone["affiliation"], gone["email"]) == (ERASED,) * 4
    assert other["email"] == "aiko2@example.org"
    async with service.deps.sessionmaker() as session:
        payloads = list((await session.execute(select(published.c.payload))).scalars())
    presenters = [p for s in payloads for t in s["presentations"] for p in t["presenters"]]
    assert {"name": "Ximena Quispe-Huamán", "email": ERASED, "language": "en"} in presenters
    assert await rows_naming(db_url, [EMAIL]) == []  # her address is nowhere, not even in the outbox
    named = {hit.split(":")[0] for hit in await rows_naming(db_url, ["Quispe"])}
    as_published = {"abs_abstracts.content", "prog_sessions.talks", "prog_sessions.chair", "prog_published.payload"}
    assert named == as_published  # her name as printed; her address as a chair is gone with the rest
    rows = await staged(service)
    submitted = next(r for r in rows if b"AbstractSubmitted" in r.value and r.key == ids["shown"].encode())
    opened = decode(submitted.value, service.runtime.keyring.opener(final=True)).data
    assert isinstance(opened, AbstractSubmitted)
    assert opened.authors[0].given_name == ERASED and opened.authors[1].given_name == "Aiko"
    assert any(r.topic == topics.KEYS and r.value is None for r in rows)  # her key tombstoned
    erased = [decode(r.value).data for r in rows if r.value and b"AuthorErased" in r.value]
    assert [(e.person_ref, e.abstracts, e.reviewer, e.submitted) for e in erased if isinstance(e, AuthorErased)] == [
        (person_ref(SECRET, EMAIL), 2, True, (ids["shown"],))
    ]


async def test_an_organiser_erases_an_author_by_email_after_a_confirmation(service: Service, db_url: str) -> None:
    ids = await her_abstracts(service)
    form = {"email": EMAIL, "reason": "her written request of 2 Dec"}
    asked = await service.client.post("/organiser/erase-person", data=form, headers=ORGANISER)
    assert asked.status_code == 200 and 'id="preview"' in asked.text
    assert "2 abstract(s)" in asked.text and 'name="confirm" value="yes"' in asked.text
    assert (await content_of(service, ids["shown"]))["submitter_email"] == EMAIL  # nothing erased yet

    done = await service.client.post("/organiser/erase-person", data=form | {"confirm": "yes"}, headers=ORGANISER)
    assert done.status_code == 200 and "Erased: 2 abstract(s) changed, the reviewer record" in done.text
    await assert_erased_as_documented(service, ids, db_url)
    audits = [decode(r.value).data for r in await staged(service) if r.topic == topics.AUDIT]
    acted = [a for a in audits if isinstance(a, OrganiserActed) and a.action == "abstracts.person.erase"]
    assert len(acted) == 1 and acted[0].reason == "her written request of 2 Dec"
    assert acted[0].subject_id == person_ref(SECRET, EMAIL)


async def test_a_bad_address_is_refused_and_nothing_is_erased(service: Service) -> None:
    ids = await her_abstracts(service)
    refused = await service.client.post(
        "/organiser/erase-person", data={"email": "not an address", "reason": "x", "confirm": "yes"}, headers=ORGANISER
    )
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    api = await service.client.post(
        "/api/organiser/people/erase", json={"email": "nope", "reason": "x"}, headers=ORGANISER
    )
    assert api.status_code == 422
    assert (await content_of(service, ids["shown"]))["submitter_email"] == EMAIL


async def test_the_delegates_erasure_reaches_abstracts_by_the_pseudonym(service: Service, db_url: str) -> None:
    ids = await her_abstracts(service)
    data = RegistrationErased(
        congress_id="icsei-2027",
        registration_id="reg-1",
        delegate_id="del-1",
        registration_version=3,
        erased_at=datetime(2026, 12, 7, tzinfo=UTC),
        erased_by="delegate",
        person_ref=person_ref(SECRET, EMAIL),
    )
    built = service.deps.deps
    handle = subscriptions.handlers(built.units.on, built)[RegistrationErased]
    async with service.deps.sessionmaker() as session, session.begin():  # as the kernel consumer runs a handler
        await handle(new_event(data, "/congress/registration"), session)
        await write_staged(session)
    await assert_erased_as_documented(service, ids, db_url)
