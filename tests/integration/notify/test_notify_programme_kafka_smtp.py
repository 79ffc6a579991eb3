"""notify and the programme context end to end: real Kafka in, a real SMTP server out, on SQLite and PostgreSQL.

One scenario in two publications. Version 1 schedules two sessions (Zoë presents in both,
Kwame twice in the first, Ana in the second). Version 2 changes the first session's room,
moves Zoë's paper and cancels the second session. It checks who receives what, once each,
in their language with times in the congress timezone; that the changed session is told
as a change; that the cancellation reaches exactly those told about the session; and that
publishing every event again (a redelivery of the same CloudEvents) sends nothing new.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from icalendar import Calendar

from schemas import topics
from schemas.base import CloudEvent, EventData, new_event
from schemas.notify import NotificationSent
from schemas.programme import (
    Placement,
    Presentation,
    PresentationMoved,
    Presenter,
    ProgrammePublished,
    SessionCancelled,
    SessionScheduled,
)
from services.notify.app import CONSUMER, build
from services.notify.config import NotifySettings
from services.notify.domain.programme_samples import sample_session
from tests.integration.notify.sink import RecordingSink
from tests.integration.notify.test_notify_abstracts_kafka_smtp import consumed_everything
from tests.kafka_helpers import eventually, publish, read_events

ANA = Presenter(name="Ana Ruiz", email="ana@example.org", language="es")
PROGRAMME_URL = "https://abstracts.example.org/programme"


def published(version: int, at: datetime) -> ProgrammePublished:
    return ProgrammePublished(
        congress_id="icsei-2027",
        programme_version=version,
        sessions=2,
        presentations=4,
        sessions_changed=2,
        presentations_moved=0,
        published_at=at,
        published_by="organiser@icsei.example.org",
    )


def version_1() -> tuple[SessionScheduled, SessionScheduled]:
    s1 = sample_session(language="de")  # Zoë (de) and Kwame (en) in "Data use <in> practice & policy", 10:30 JST
    zoe = s1.presentations[1].presenters[0]
    s2 = s1.model_copy(
        update={
            "session_id": "s-el-1",
            "title": "Leadership for learning",
            "day": date(2027, 1, 7),
            "starts_at": datetime(2027, 1, 7, 5, 0, tzinfo=UTC),  # 14:00 in Yokohama
            "ends_at": datetime(2027, 1, 7, 6, 30, tzinfo=UTC),
            "room_name": "Room 502",
            "chair": None,
            "presentations": (
                Presentation(abstract_id="a-51", reference="ICSEI27-A-0051", title="Leading", presenters=(ANA,)),
                Presentation(abstract_id="a-52", reference="ICSEI27-A-0052", title="Learning", presenters=(zoe,)),
            ),
        }
    )
    return s1, s2


def version_2(s1: SessionScheduled, s2: SessionScheduled) -> list[EventData]:
    """Session 1 moves to the Main Hall and takes Ana's paper from session 2, which is cancelled.

    The publication says so five ways; each presenter hears once: Zoë and Kwame that their session changed
    (not also that their paper moved), Ana that her paper moved (not that it is scheduled in session 1, nor
    that session 2 is cancelled), Zoë that session 2, where her other paper was, is cancelled."""
    ana_paper = s2.presentations[0]
    changed = s1.model_copy(
        update={
            "programme_version": 2,
            "room_name": "Main Hall",
            "presentations": (*s1.presentations, ana_paper.model_copy(update={"moved_from": s2.session_id})),
        }
    )
    place = {"day": s1.day, "starts_at": s1.starts_at, "ends_at": s1.ends_at, "room_code": s1.room_code}
    new = Placement(session_id=s1.session_id, room_name="Main Hall", **place)

    def moved(paper: Presentation, old: Placement) -> PresentationMoved:
        return PresentationMoved(
            congress_id="icsei-2027",
            session_id=s1.session_id,
            abstract_id=paper.abstract_id,
            reference=paper.reference,
            title=paper.title,
            presenters=paper.presenters,
            old=old,
            new=new,
            timezone=s1.timezone,
            programme_version=2,
        )

    s2_place = Placement(
        session_id=s2.session_id,
        day=s2.day,
        starts_at=s2.starts_at,
        ends_at=s2.ends_at,
        room_code=s2.room_code,
        room_name=s2.room_name,
    )
    cancelled = SessionCancelled(
        congress_id="icsei-2027",
        session_id=s2.session_id,
        title=s2.title,
        reason="Too few papers",
        programme_version=2,
        moved_out=(ana_paper.abstract_id,),
    )
    return [
        changed,
        *(
            moved(paper, Placement(session_id=s1.session_id, room_name=s1.room_name, **place))
            for paper in s1.presentations
        ),
        moved(ana_paper, s2_place),
        cancelled,
        published(2, datetime(2026, 12, 21, tzinfo=UTC)),
    ]


EXPECTED = Counter(
    {
        ("kwame@example.org", "presentation_scheduled"): 1,  # one message, both his papers
        ("ana@example.org", "presentation_scheduled"): 1,
        ("zoe@example.org", "session_changed"): 1,
        ("kwame@example.org", "session_changed"): 1,
        ("ana@example.org", "presentation_moved"): 1,
        ("zoe@example.org", "session_cancelled"): 1,
    }
)
"""Besides these, Zoë gets one "scheduled" message for both sessions or one each (as the batches fell)."""
ZOE_SCHEDULED = ("zoe@example.org", "presentation_scheduled")


def key(message: EmailMessage) -> tuple[str, str]:
    return message["To"].addresses[0].addr_spec, str(message["X-Congress-Template"])


def text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


async def settle(bootstrap: str, topic: str, sink: RecordingSink, expected: Counter[tuple[str, str]]) -> None:
    def arrived() -> bool:
        got = Counter(key(m) for m in sink.handler.snapshot())
        return all(got[k] >= n for k, n in expected.items())

    await eventually(arrived, timeout=90)
    group = topic.removesuffix(topics.PROGRAMME) + CONSUMER  # the prefix's own notify group
    await eventually(lambda: consumed_everything(bootstrap, topic, group), timeout=60)


async def test_presenters_hear_where_and_when_they_present_once(
    kafka_bootstrap: str, topic_prefix: str, db_url: str, tmp_path: Path
) -> None:
    topic = topic_prefix + topics.PROGRAMME
    s1, s2 = version_1()
    first: list[CloudEvent[Any]] = [
        new_event(d, "/tests") for d in (s1, s2, published(1, datetime(2026, 12, 20, tzinfo=UTC)))
    ]
    second = [new_event(d, "/tests") for d in version_2(s1, s2)]
    with RecordingSink() as sink:
        settings = NotifySettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            kafka_topic_prefix=topic_prefix,
            database_url=db_url,
            abstracts_public_url="https://abstracts.example.org/",
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            embedded_sink=False,
            mail_dir=str(tmp_path / "mail"),
        )
        _, app = build(settings)
        async with app.router.lifespan_context(app):
            await publish(kafka_bootstrap, topic, first)
            await settle(kafka_bootstrap, topic, sink, Counter({ZOE_SCHEDULED: 1, **dict.fromkeys(EXPECTED, 0)}))
            await publish(kafka_bootstrap, topic, second)
            await settle(kafka_bootstrap, topic, sink, EXPECTED)
            received = sink.handler.snapshot()
            await publish(kafka_bootstrap, topic, first + second)  # the same CloudEvents again
            await eventually(lambda: consumed_everything(kafka_bootstrap, topic, topic_prefix + CONSUMER), timeout=60)
            again = sink.handler.snapshot()
            notified = await read_events(
                kafka_bootstrap, topic_prefix + topics.NOTIFY, until=lambda evs: len(evs) >= len(received), timeout=30
            )
    assert len(again) == len(received), "a redelivered event sent mail again"
    assert_who_got_what(received)
    assert_calendars_follow_the_slots(received)
    sent = [e.data for e in notified if isinstance(e.data, NotificationSent)]
    assert sorted(s.message_id for s in sent) == sorted(str(m["Message-ID"]) for m in received)
    assert {s.abstract_id for s in sent} <= {"a-0041", "a-0042", "a-51", "a-52"} and None not in {
        s.abstract_id for s in sent
    }


def assert_who_got_what(received: list[EmailMessage]) -> None:
    got = Counter(key(m) for m in received)
    zoe_scheduled = got.pop(ZOE_SCHEDULED)
    assert got == EXPECTED
    assert len({str(m["Message-ID"]) for m in received}) == len(received)
    zoe_texts = [text(m) for m in received if key(m) == ZOE_SCHEDULED]
    assert zoe_scheduled == len(zoe_texts) in (1, 2)
    assert (
        sum(t.count("ICSEI27-A-0042") for t in zoe_texts) == 1
        and sum(t.count("ICSEI27-A-0052") for t in zoe_texts) == 1
    )
    joined = "".join(zoe_texts)
    assert "Mittwoch, 6. Januar 2027, 10:30–12:00 (Zeitzone Asia/Tokyo)" in joined  # German, Yokohama time
    assert "Donnerstag, 7. Januar 2027, 14:00–15:30" in joined
    by = {key(m): m for m in received}
    kwame = text(by["kwame@example.org", "presentation_scheduled"])
    assert "ICSEI27-A-0041" in kwame and "ICSEI27-A-0042" in kwame and "10:30\u202fAM–12:00\u202fPM" in kwame
    assert "your 2 presentations are scheduled" in str(by["kwame@example.org", "presentation_scheduled"]["Subject"])
    assert PROGRAMME_URL in kwame
    ana = by["ana@example.org", "presentation_scheduled"]
    assert "está programada" in str(ana["Subject"]) and "Learning" in text(ana)  # the other paper, by title
    changed = by["zoe@example.org", "session_changed"]
    assert "hat sich geändert" in str(changed["Subject"]) and "Main Hall" in text(changed)
    assert "Leading" in text(by["kwame@example.org", "session_changed"])  # Ana's paper, now in his session
    moved = text(by["ana@example.org", "presentation_moved"])
    assert moved.index("Room 502") < moved.index("Main Hall") and "ICSEI27-A-0051" in moved
    cancelled = by["zoe@example.org", "session_cancelled"]
    assert "Leadership for learning" in str(cancelled["Subject"]) and "Too few papers" in text(cancelled)
    assert "ICSEI27-A-0052" in text(cancelled) and "ICSEI27-A-0051" not in text(cancelled)
    for message in received:
        assert message["Subject"].startswith("ICSEI 2027") and message.get_body(("html",)) is not None
    assert by["zoe@example.org", "session_changed"]["To"].addresses[0].display_name == "Zoë Ørsted-Müller"


def calendar(message: EmailMessage) -> list[Any]:
    """The VEVENTs of the message's ``.ics`` attachment, parsed with the icalendar library; a file whose every
    entry is cancelled says METHOD:CANCEL (in the file and its Content-Type), any other METHOD:PUBLISH."""
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    document = Calendar.from_ical(part.get_payload(decode=True))
    events = list(document.walk("VEVENT"))
    method = "CANCEL" if all(str(e["STATUS"]) == "CANCELLED" for e in events) else "PUBLISH"
    assert part.get_param("method") == str(document["METHOD"]) == method
    return events


def assert_calendars_follow_the_slots(received: list[EmailMessage]) -> None:
    """Each programme mail carries its slots as an ``.ics``; the update after a move has the same UID, a higher
    SEQUENCE and the new room; the cancellation marks the slot cancelled."""
    by = {key(m): m for m in received}
    kwame = calendar(by["kwame@example.org", "presentation_scheduled"])
    assert sorted(str(e["UID"]) for e in kwame) == ["abstract-a-0041@icsei-2027", "abstract-a-0042@icsei-2027"]
    [scheduled] = calendar(by["ana@example.org", "presentation_scheduled"])
    [moved] = calendar(by["ana@example.org", "presentation_moved"])
    assert str(scheduled["UID"]) == str(moved["UID"]) == "abstract-a-51@icsei-2027"
    assert (int(scheduled["SEQUENCE"]), int(moved["SEQUENCE"])) == (1, 2)
    assert scheduled.decoded("DTSTART") == datetime(2027, 1, 7, 5, 0, tzinfo=UTC)
    assert moved.decoded("DTSTART") == datetime(2027, 1, 6, 1, 30, tzinfo=UTC)
    assert (str(scheduled["LOCATION"]), str(moved["LOCATION"])) == ("Room 502", "Main Hall")
    [gone] = calendar(by["zoe@example.org", "session_cancelled"])
    assert (str(gone["UID"]), str(gone["STATUS"])) == ("abstract-a-52@icsei-2027", "CANCELLED")
