"""A presenter's programme emails carry their slot as an ``.ics`` file: a stable UID per abstract, the programme
version as SEQUENCE, so the update after a move replaces the first file's event in a calendar."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage

from icalendar import Calendar

from schemas.programme import Placement, PresentationMoved
from services.common.congress import load_congress
from services.notify.adapters.mail import CALENDAR_FILENAME, MailBuilder
from services.notify.adapters.render import Renderer
from services.notify.domain.programme import (
    CANCELLED,
    MOVED,
    SCHEDULED,
    Known,
    ProgrammeSettings,
    plan_programme_messages,
    session_seen,
    told_of,
)
from services.notify.domain.programme_samples import sample_session
from services.notify.domain.rules import MessagePlan

AT = datetime(2026, 12, 20, 9, 0, tzinfo=UTC)
LINK = ProgrammeSettings(programme_url="https://abstracts.example.org/programme")
ZOE = "zoe@example.org"


class NoDocuments:
    def read(self, location: str, max_bytes: int) -> bytes | None:
        raise AssertionError("programme mails attach no stored document")


def built(plan: MessagePlan) -> EmailMessage:
    builder = MailBuilder(
        renderer=Renderer(load_congress()),
        documents=NoDocuments(),
        sender=Address("ICSEI 2027", "noreply", "icsei.example.org"),
        clock=lambda: AT,
    )
    envelope, _ = builder.build(plan, "<m@icsei.example.org>")
    parsed = message_from_bytes(envelope.message, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def calendar_of(message: EmailMessage, method: str = "PUBLISH") -> Calendar:
    """The attached ``.ics``, whose METHOD (in the file and its Content-Type) is ``method``."""
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == CALENDAR_FILENAME and part.get_param("method") == method
    document = Calendar.from_ical(part.get_payload(decode=True))
    assert str(document["METHOD"]) == method
    return document


def zoe_plan(plans: list[MessagePlan], template: str) -> MessagePlan:
    return next(p for p in plans if p.recipient.email == ZOE and p.template == template)


def test_the_scheduled_mail_attaches_the_presenters_slot_as_ics() -> None:
    session = sample_session()
    plan = zoe_plan(plan_programme_messages(session, "ev-1", LINK, at=AT), SCHEDULED)
    message = built(plan)
    [event] = calendar_of(message).walk("VEVENT")
    assert str(event["UID"]) == "abstract-a-0042@icsei-2027"
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == session.starts_at and event.decoded("DTEND") == session.ends_at
    assert str(event["LOCATION"]) == "Room 301"
    assert str(event["SUMMARY"]) == "Data use <in> schools & what teachers make of it"
    assert event.decoded("LAST-MODIFIED") == AT
    assert CALENDAR_FILENAME in message.get_body(("plain",)).get_content()  # the text says it is attached


def test_the_update_after_a_move_has_the_same_uid_and_a_higher_sequence() -> None:
    session = sample_session()
    paper = session.presentations[1]
    old = Placement(
        session_id=session.session_id,
        day=session.day,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        room_code=session.room_code,
        room_name=session.room_name,
    )
    new = old.model_copy(
        update={"session_id": "s-el-2", "starts_at": datetime(2027, 1, 7, 5, 0, tzinfo=UTC), "room_name": "Main Hall"}
    )
    new = new.model_copy(update={"ends_at": datetime(2027, 1, 7, 6, 30, tzinfo=UTC)})
    moved = PresentationMoved(
        congress_id=session.congress_id,
        session_id="s-el-2",
        abstract_id=paper.abstract_id,
        reference=paper.reference,
        title=paper.title,
        presenters=paper.presenters,
        old=old,
        new=new,
        timezone=session.timezone,
        programme_version=2,
    )
    first = calendar_of(built(zoe_plan(plan_programme_messages(session, "ev-1", LINK, at=AT), SCHEDULED)))
    update = calendar_of(built(zoe_plan(plan_programme_messages(moved, "ev-2", LINK, at=AT), MOVED)))
    [before], [after] = first.walk("VEVENT"), update.walk("VEVENT")
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART") == datetime(2027, 1, 7, 5, 0, tzinfo=UTC)
    assert str(after["LOCATION"]) == "Main Hall"


def test_a_cancellation_mail_marks_the_slot_cancelled_under_the_same_uid() -> None:
    from schemas.programme import SessionCancelled

    session = sample_session()
    cancelled = SessionCancelled(
        congress_id=session.congress_id,
        session_id=session.session_id,
        title=session.title,
        reason="Too few papers",
        programme_version=2,
    )
    known = Known(presenters=tuple(told_of(session)), session=session_seen(session))
    plan = zoe_plan(plan_programme_messages(cancelled, "ev-3", LINK, known, at=AT), CANCELLED)
    [event] = calendar_of(built(plan), "CANCEL").walk("VEVENT")  # every entry cancelled: the file cancels
    assert str(event["UID"]) == "abstract-a-0042@icsei-2027"
    assert (int(event["SEQUENCE"]), str(event["STATUS"])) == (2, "CANCELLED")
