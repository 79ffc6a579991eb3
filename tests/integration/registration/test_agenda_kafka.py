"""A personal agenda on real Kafka, on SQLite and PostgreSQL: the programme published on ``congress.programme``
reaches registration's replica; a signed-in delegate marks sessions with plain forms; each mark is an
``AgendaChanged`` on ``congress.registration``; "my agenda" flags the clash; the private ``.ics`` feed, read with
the icalendar library, shows the sessions and follows a re-publish (a moved session, a cancelled one); the feed's
token is never on a topic and stops working when revoked or regenerated."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from icalendar import Calendar

from schemas import topics
from schemas.programme import (
    Placement,
    Presentation,
    PresentationMoved,
    Presenter,
    ProgrammePublished,
    SessionCancelled,
    SessionKind,
    SessionScheduled,
)
from schemas.registration import AgendaChanged
from tests.forms import page_token
from tests.integration.registration.conftest import (
    Service,
    close_service,
    congress_file,
    delegate,
    open_service,
    register_and_pay,
    settings_for,
)
from tests.integration.registration.test_privacy import raw_events, sign_in
from tests.kafka_helpers import eventually, publish, read_events, read_records

CONGRESS = "icsei-2027"
SPEAKER = Presenter(name="Kwame Mensah", email="kwame@example.org")


def scheduled(sid: str, title: str, start: datetime, end: datetime, version: int = 1) -> SessionScheduled:
    return SessionScheduled(
        congress_id=CONGRESS,
        session_id=sid,
        title=title,
        kind=SessionKind.PAPER,
        network="DU",
        day=start.date(),
        starts_at=start,
        ends_at=end,
        timezone="Asia/Tokyo",
        room_code="R301",
        room_name="Room 301",
        presentations=(
            Presentation(abstract_id=f"a-{sid}", reference="R", title=f"Talk in {title}", presenters=(SPEAKER,)),
        ),
        programme_version=version,
    )


def published(version: int) -> ProgrammePublished:
    return ProgrammePublished(
        congress_id=CONGRESS,
        programme_version=version,
        sessions=3,
        presentations=3,
        sessions_changed=3,
        presentations_moved=0,
        published_at=datetime(2026, 12, 20, tzinfo=UTC),
        published_by="organiser@icsei.example.org",
    )


# 10:30–12:00 and 11:00–12:30 in Yokohama on 6 January overlap; the third is the next day.
DATA = scheduled(
    "s-du-1", "Data use in practice", datetime(2027, 1, 6, 1, 30, tzinfo=UTC), datetime(2027, 1, 6, 3, 0, tzinfo=UTC)
)
LEAD = scheduled(
    "s-el-1", "Leadership for learning", datetime(2027, 1, 6, 2, 0, tzinfo=UTC), datetime(2027, 1, 6, 3, 30, tzinfo=UTC)
)
EARLY = scheduled(
    "s-ec-1", "Early childhood", datetime(2027, 1, 7, 0, 0, tzinfo=UTC), datetime(2027, 1, 7, 1, 0, tzinfo=UTC)
)


def version_2() -> list[Any]:
    """DATA moves to the afternoon in the Main Hall; LEAD is cancelled; EARLY stays."""
    moved = DATA.model_copy(
        update={
            "starts_at": datetime(2027, 1, 6, 5, 0, tzinfo=UTC),
            "ends_at": datetime(2027, 1, 6, 6, 30, tzinfo=UTC),
            "room_name": "Main Hall",
            "programme_version": 2,
        }
    )
    place = {"session_id": DATA.session_id, "day": DATA.day, "room_code": "R301"}
    talk = DATA.presentations[0]
    return [
        moved,
        PresentationMoved(
            congress_id=CONGRESS,
            session_id=DATA.session_id,
            abstract_id=talk.abstract_id,
            reference=talk.reference,
            title=talk.title,
            presenters=talk.presenters,
            old=Placement(starts_at=DATA.starts_at, ends_at=DATA.ends_at, room_name="Room 301", **place),
            new=Placement(starts_at=moved.starts_at, ends_at=moved.ends_at, room_name="Main Hall", **place),
            timezone="Asia/Tokyo",
            programme_version=2,
        ),
        SessionCancelled(
            congress_id=CONGRESS,
            session_id=LEAD.session_id,
            title=LEAD.title,
            reason="Too few papers",
            programme_version=2,
        ),
        published(2),
    ]


async def post(service: Service, path: str, **form: str) -> httpx.Response:
    token = await page_token(service.client, "/me/agenda")
    return await service.client.post(path, data=form | {"csrf_token": token})


async def feed_events(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    answer = await client.get(url)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/calendar")
    return {str(e["UID"]): e for e in Calendar.from_ical(answer.content).walk("VEVENT")}


async def test_a_delegate_marks_sessions_and_the_feed_follows_the_programme(
    db_url: str, stripe_mock_url: str, kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    settings = settings_for(
        db_url, stripe_mock_url, congress_file(tmp_path), kafka=kafka_bootstrap, prefix=topic_prefix
    )
    service = await open_service(settings, kafka=True)
    programme_topic = topic_prefix + topics.PROGRAMME
    try:
        await publish(kafka_bootstrap, programme_topic, [DATA, LEAD, EARLY, published(1)])
        created = await register_and_pay(service, delegate(0))
        sign_in(service, created["payer_id"])

        async def listed() -> bool:
            page = await service.client.get("/me/programme")
            return page.status_code == 200 and all(s.title in page.text for s in (DATA, LEAD, EARLY))

        await eventually(listed, timeout=60)
        for sid in (DATA.session_id, LEAD.session_id, EARLY.session_id):
            marked = await post(service, "/me/agenda/mark", session=sid, back="programme")
            assert marked.status_code == 303 and marked.headers["location"] == f"/me/programme#s-{sid}"
        again = await post(service, "/me/agenda/mark", session=DATA.session_id)  # marked already: no event
        assert again.status_code == 303
        assert (await post(service, "/me/agenda/unmark", session=EARLY.session_id)).status_code == 303
        unknown = await post(service, "/me/agenda/mark", session="s-nowhere")
        assert unknown.status_code == 409 and "not in the published programme" in unknown.text

        changes = await read_events(
            kafka_bootstrap,
            topic_prefix + topics.REGISTRATION,
            until=lambda evs: sum(isinstance(e.data, AgendaChanged) for e in evs) >= 4,
        )
        agenda = [e.data for e in changes if isinstance(e.data, AgendaChanged)]
        assert [(a.session_id, a.attending) for a in agenda] == [
            (DATA.session_id, True),
            (LEAD.session_id, True),
            (EARLY.session_id, True),
            (EARLY.session_id, False),
        ]
        assert {a.registration_id for a in agenda} == {created["payer_id"]} and len(
            {a.delegate_id for a in agenda}
        ) == 1

        page = (await service.client.get("/me/agenda")).text
        assert "Wednesday 6 January 2027" in page and "10:30–12:00" in page and "11:00–12:30" in page
        assert "Clashes with: Leadership for learning" in page and "Clashes with: Data use in practice" in page
        assert EARLY.title not in page

        made = await post(service, "/me/agenda/feed")
        [url] = re.findall(r'value="(http://testserver/agenda/[A-Za-z0-9_-]{40,}\.ics)"', made.text)
        events = await feed_events(service.client, url)
        assert set(events) == {f"session-{DATA.session_id}@{CONGRESS}", f"session-{LEAD.session_id}@{CONGRESS}"}
        data_event = events[f"session-{DATA.session_id}@{CONGRESS}"]
        assert data_event.decoded("DTSTART") == DATA.starts_at and int(data_event["SEQUENCE"]) == 1
        assert str(data_event["SUMMARY"]) == DATA.title and str(data_event["LOCATION"]) == "Room 301"

        await publish(kafka_bootstrap, programme_topic, version_2())

        async def followed() -> bool:
            now = await feed_events(service.client, url)
            ev = now[f"session-{DATA.session_id}@{CONGRESS}"]
            return (
                int(ev["SEQUENCE"]) == 2 and str(now[f"session-{LEAD.session_id}@{CONGRESS}"]["STATUS"]) == "CANCELLED"
            )

        await eventually(followed, timeout=60)
        events = await feed_events(service.client, url)
        moved = events[f"session-{DATA.session_id}@{CONGRESS}"]
        assert (
            moved.decoded("DTSTART") == datetime(2027, 1, 6, 5, 0, tzinfo=UTC) and str(moved["LOCATION"]) == "Main Hall"
        )
        page = (await service.client.get("/me/agenda")).text
        assert "Cancelled" in page and "Clashes with" not in page and "14:00–15:30" in page
        assert LEAD.title not in (await service.client.get("/me/programme")).text  # the programme drops it

        token = url.rsplit("/", 1)[1].removesuffix(".ics")
        raw = await raw_events(service)
        records = await read_records(kafka_bootstrap, topic_prefix + topics.REGISTRATION, until=lambda rs: len(rs) >= 4)
        assert token.encode() not in raw and all(token.encode() not in (r.value or b"") for r in records)

        newer = await post(service, "/me/agenda/feed")  # regenerated: the old address stops working
        [url2] = re.findall(r'value="(http://testserver/agenda/[A-Za-z0-9_-]{40,}\.ics)"', newer.text)
        assert (await service.client.get(url)).status_code == 404
        assert len(await feed_events(service.client, url2)) == 2
        assert (await post(service, "/me/agenda/feed/revoke")).status_code == 303
        assert (await service.client.get(url2)).status_code == 404
        assert (await service.client.get("/agenda/" + "x" * 500 + ".ics")).status_code == 404
    finally:
        await close_service(service, kafka=True)
