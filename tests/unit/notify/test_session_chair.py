"""A session's chair named with an address hears where and when they chair, in their language, with the session
as a calendar entry: a later version is told as a change with the same UID and a higher SEQUENCE, a chair named by
name only hears nothing, and a cancellation reaches them with the session's entry cancelled."""

from __future__ import annotations

from icalendar import Calendar

from schemas.programme import SessionCancelled, SessionScheduled
from services.common.ics import calendar_document
from services.notify.domain.programme import CANCELLED, Known, chair_told, plan_programme_messages, session_seen
from services.notify.domain.programme_samples import sample_session
from services.notify.domain.session_chair import CHAIRED
from tests.unit.notify.test_programme import NO_LINK, WHEN, by_email, render

NOOR = {"chair": "Noor Haddad", "chair_email": "noor@example.org", "chair_language": "fr"}
NOOR_EMAIL = "noor@example.org"


def chaired(version: int = 1, room: str = "Room 301") -> SessionScheduled:
    return sample_session().model_copy(update={**NOOR, "programme_version": version, "room_name": room})


def test_the_chair_hears_where_and_when_they_chair_with_the_session_as_a_calendar_entry() -> None:
    session = chaired()
    plan = by_email(plan_programme_messages(session, "ev-1", NO_LINK, Known()))[NOOR_EMAIL]
    assert plan.template == CHAIRED
    (entry,) = plan.calendar
    assert entry.uid == f"session-{session.session_id}@{session.congress_id}" and entry.sequence == 1
    assert (entry.starts_at, entry.ends_at, entry.location) == (session.starts_at, session.ends_at, "Room 301")
    text = render(plan)
    assert "vous présidez la session Data use <in> practice & policy" in text.subject
    assert "Voici où et quand vous présidez une session." in text.text and WHEN["fr"] in text.text
    assert "ICSEI27-A-0041: Teachers and dashboards" in text.text  # the session's presentations, in order
    parsed = Calendar.from_ical(
        calendar_document(plan.calendar, name="x", timezone="Asia/Tokyo", stamp=session.starts_at)
    )
    (event,) = parsed.walk("VEVENT")
    assert str(event["UID"]) == entry.uid and str(event["LOCATION"]) == "Room 301"


def test_a_later_version_is_told_as_a_change_with_the_same_uid() -> None:
    first = chaired()
    told = frozenset((t.session_id, t.recipient_id) for t in chair_told(first))
    later = chaired(version=2, room="Main Hall")
    plan = by_email(plan_programme_messages(later, "ev-2", NO_LINK, Known(told=told)))[NOOR_EMAIL]
    assert plan.calendar[0].uid == f"session-{later.session_id}@{later.congress_id}" and plan.calendar[0].sequence == 2
    text = render(plan)
    assert "la session que vous présidez a changé" in text.subject and "Main Hall" in text.text


def test_a_chair_named_without_an_address_hears_nothing() -> None:
    plans = plan_programme_messages(chaired().model_copy(update={"chair_email": None}), "ev-1", NO_LINK, Known())
    assert all(p.template != CHAIRED for p in plans)


def test_a_cancellation_reaches_the_chair_with_the_sessions_entry_cancelled() -> None:
    session = chaired()
    cancelled = SessionCancelled(
        congress_id=session.congress_id,
        session_id=session.session_id,
        title=session.title,
        reason="Room needed",
        programme_version=2,
    )
    known = Known(presenters=tuple(chair_told(session)), session=session_seen(session))
    (plan,) = plan_programme_messages(cancelled, "ev-3", NO_LINK, known)
    assert plan.template == CANCELLED and plan.recipient.email == NOOR_EMAIL
    (entry,) = plan.calendar
    assert entry.cancelled and entry.uid == f"session-{session.session_id}@{session.congress_id}"
    assert "au sujet de votre présentation" not in render(plan).text  # they present nothing there
