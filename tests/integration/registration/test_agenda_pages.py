"""The agenda pages' edges on SQLite and PostgreSQL (no Kafka: the outbox is read): concurrent presses of one
button make one mark and one event; bad or unsigned requests get a clear page, never a 5xx."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from schemas import decode
from schemas.programme import SessionCancelled
from schemas.registration import AgendaChanged
from services.common.outbox import outbox_table
from services.registration.commands import agenda
from tests.forms import page_token
from tests.integration.registration.conftest import Service, delegate, register_and_pay
from tests.integration.registration.test_agenda_kafka import DATA, LEAD
from tests.integration.registration.test_privacy import sign_in

AT = datetime(2026, 12, 20, tzinfo=UTC)


async def published(service: Service) -> None:
    """The replica as the programme consumer leaves it: DATA scheduled, LEAD scheduled then cancelled."""
    cancelled = LEAD.model_copy(update={"programme_version": 2})
    async with service.deps.units.begin() as tx:
        for session in (DATA, LEAD):
            assert await agenda.on_scheduled(tx, session, AT)
        assert not await agenda.on_scheduled(tx, DATA, AT)  # a redelivery changes nothing
        gone = SessionCancelled(
            congress_id=LEAD.congress_id, session_id=LEAD.session_id, title=LEAD.title, reason="x", programme_version=2
        )
        assert await agenda.on_cancelled(tx, gone, AT)
        assert not await agenda.on_scheduled(tx, cancelled, AT)  # same version as the cancellation: no revival


async def agenda_events(service: Service) -> list[AgendaChanged]:
    async with service.runtime.engine.connect() as conn:
        values = (await conn.execute(select(outbox_table.c.value))).scalars().all()
    events = [decode(v).data for v in values if v is not None]
    return [e for e in events if isinstance(e, AgendaChanged)]


async def test_concurrent_presses_make_one_mark_and_one_event(offline: Service) -> None:
    await published(offline)
    created = await register_and_pay(offline, delegate(0))
    sign_in(offline, created["payer_id"])
    token = await page_token(offline.client, "/me/programme")
    form = {"session": DATA.session_id, "csrf_token": token}
    answers = await asyncio.gather(*(offline.client.post("/me/agenda/mark", data=form) for _ in range(6)))
    assert [a.status_code for a in answers] == [303] * 6
    assert [(e.session_id, e.attending) for e in await agenda_events(offline)] == [(DATA.session_id, True)]
    answers = await asyncio.gather(*(offline.client.post("/me/agenda/unmark", data=form) for _ in range(4)))
    assert [a.status_code for a in answers] == [303] * 4
    assert [e.attending for e in await agenda_events(offline)] == [True, False]


async def test_bad_requests_get_a_page_that_says_why(offline: Service) -> None:
    await published(offline)
    created = await register_and_pay(offline, delegate(1))
    unsigned = await offline.client.get("/me/agenda")
    assert unsigned.status_code == 401 and "sign in" in unsigned.text.lower()
    sign_in(offline, created["payer_id"])
    token = await page_token(offline.client, "/me/programme")
    empty = await offline.client.post("/me/agenda/mark", data={"csrf_token": token})
    assert empty.status_code == 422 and "choose a session" in empty.text
    cancelled = await offline.client.post("/me/agenda/mark", data={"session": LEAD.session_id, "csrf_token": token})
    assert cancelled.status_code == 409 and "cancelled" in cancelled.text
    forged = await offline.client.post("/me/agenda/mark", data={"session": DATA.session_id})
    assert forged.status_code == 403  # no CSRF token
    assert await agenda_events(offline) == []
    programme = await offline.client.get("/me/programme")
    assert DATA.title in programme.text and LEAD.title not in programme.text


async def test_the_agenda_pages_speak_the_delegates_language(offline: Service) -> None:
    await published(offline)
    created = await register_and_pay(offline, delegate(2))
    sign_in(offline, created["payer_id"])
    french = {"accept-language": "fr-FR,fr;q=0.9"}
    token = await page_token(offline.client, "/me/programme")
    marked = await offline.client.post("/me/agenda/mark", data={"session": DATA.session_id, "csrf_token": token})
    assert marked.status_code == 303
    programme = await offline.client.get("/me/programme", headers=french)
    assert "Retirer de mon agenda" in programme.text and "1 marquée" in programme.text
    mine = await offline.client.get("/me/agenda", headers=french)
    assert "<h1>Mon agenda</h1>" in mine.text
    assert "<h2>mercredi 6 janvier 2027</h2>" in mine.text  # the day in the page's language, congress timezone
    assert "Les heures sont dans le fuseau horaire du congrès" in mine.text
    erase = await offline.client.get("/me/erase", headers={"accept-language": "de"})
    assert "Noch nicht möglich: " in erase.text and "Zurück zu meiner Anmeldung" in erase.text
