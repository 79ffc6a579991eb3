"""A session's chair named with an address hears where and when they chair, in their language, with the session
as a calendar entry: a later version is told as a change with the same UID and a higher SEQUENCE, a chair named by
name only hears nothing, and a cancellation reaches them with the session's entry cancelled. A later version that
names another chair, or none, tells the chair it replaces that they no longer chair it, with that entry cancelled."""

from __future__ import annotations

from icalendar import Calendar

from schemas.programme import SessionCancelled, SessionScheduled
from services.common.ics import calendar_document
from services.notify.domain.programme import (
    CANCELLED,
    Known,
    chair_told,
    merged,
    plan_programme_messages,
    session_seen,
    told_of,
)
from services.notify.domain.programme_samples import sample_session
from services.notify.domain.session_chair import CHAIRED, UNCHAIRED
from tests.unit.notify.test_programme import NO_LINK, WHEN, by_email, render
from tests.unit.notify.test_programme_calendar import built, calendar_of

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


SAM = {"chair": "Sam Lee", "chair_email": "sam@example.org", "chair_language": "en"}


def kept_after(session: SessionScheduled) -> Known:
    """What notify keeps once it told of ``session``: its presenters and chair, and the session as scheduled."""
    return Known(presenters=tuple(merged([*told_of(session), *chair_told(session)])), session=session_seen(session))


def test_a_replaced_chair_hears_they_no_longer_chair_with_the_sessions_entry_cancelled() -> None:
    first = chaired()
    later = chaired(version=2, room="Main Hall").model_copy(update=SAM)
    plans = plan_programme_messages(later, "ev-2", NO_LINK, kept_after(first))
    gone = [p for p in plans if p.template == UNCHAIRED]
    assert [p.recipient.email for p in gone] == [NOOR_EMAIL]  # once, to the chair notify kept
    assert by_email([p for p in plans if p.template == CHAIRED])["sam@example.org"]  # the new chair hears as usual
    (entry,) = gone[0].calendar
    assert entry.cancelled and entry.uid == f"session-{first.session_id}@{first.congress_id}"
    assert entry.sequence == 2 and entry.location == "Room 301"  # where they were told it was
    text = render(gone[0])  # in their language (French), the session as they were told of it
    assert "vous ne présidez plus la session Data use <in> practice & policy" in text.subject
    assert "vous ne présidez plus la session « Data use <in> practice & policy »" in text.text
    assert WHEN["fr"] in text.text and "Room 301" in text.text and "Main Hall" not in text.text


def test_a_chair_removed_without_a_successor_hears_it_too_and_a_kept_chair_does_not() -> None:
    first = chaired()
    cleared = chaired(version=2).model_copy(update={"chair": None, "chair_email": None})
    (plan,) = [
        p
        for p in plan_programme_messages(cleared, "ev-2", NO_LINK, kept_after(first))
        if p.recipient.email == NOOR_EMAIL
    ]
    assert plan.template == UNCHAIRED
    same = plan_programme_messages(chaired(version=2), "ev-2", NO_LINK, kept_after(first))
    assert all(p.template != UNCHAIRED for p in same)
    older = plan_programme_messages(first.model_copy(update=SAM), "ev-0", NO_LINK, kept_after(chaired(version=2)))
    assert all(p.template != UNCHAIRED for p in older)  # an older version than the one kept changes nothing


def test_the_no_longer_chair_mail_carries_a_calendar_cancel() -> None:
    later = chaired(version=2).model_copy(update=SAM)
    (plan,) = [
        p for p in plan_programme_messages(later, "ev-2", NO_LINK, kept_after(chaired())) if p.template == UNCHAIRED
    ]
    [event] = calendar_of(built(plan), "CANCEL").walk("VEVENT")
    assert str(event["UID"]) == f"session-{later.session_id}@{later.congress_id}"
    assert (int(event["SEQUENCE"]), str(event["STATUS"])) == (2, "CANCELLED")


def test_a_chair_who_also_presents_is_kept_once_and_a_cancellation_cancels_both_their_entries() -> None:
    kwame = sample_session().presentations[0].presenters[0]
    session = sample_session().model_copy(
        update={"chair": kwame.name, "chair_email": kwame.email, "chair_language": kwame.language}
    )
    (kept,) = [t for t in kept_after(session).presenters if t.email == kwame.email]
    assert kept.chairs and [p[0] for p in kept.presentations] == ["a-0041", "a-0042"]
    cancelled = SessionCancelled(
        congress_id=session.congress_id,
        session_id=session.session_id,
        title=session.title,
        reason="x",
        programme_version=2,
    )
    plan = by_email(plan_programme_messages(cancelled, "ev-3", NO_LINK, kept_after(session)))[kwame.email]
    uids = sorted(e.uid for e in plan.calendar)
    assert uids == [
        "abstract-a-0041@icsei-2027",
        "abstract-a-0042@icsei-2027",
        f"session-{session.session_id}@icsei-2027",
    ]
