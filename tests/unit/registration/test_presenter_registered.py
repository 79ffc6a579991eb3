"""A presenter who registers after the deadline: one ``registered`` notice per change of coverage."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from schemas import decode, encode, new_event
from schemas.registration import PresenterRegistered
from services.registration.domain.presenters import (
    REGISTERED,
    UNREGISTERED,
    Deadline,
    Notice,
    Presentation,
    Presenter,
    notice_due,
    reminder_cause,
    replaced_by,
)

TOKYO = ZoneInfo("Asia/Tokyo")
DEADLINE = Deadline(day=date(2026, 12, 23), tz=TOKYO, reminder_days=(21, 7))
TALK = Presentation(
    "a-1",
    "ICSEI27-A-0001",
    "Lesson study",
    (Presenter("Aiko", "田中", "aiko@example.org", "ja"),),
    datetime(2026, 11, 1, tzinfo=UTC),
)
AFTER = datetime(2026, 12, 27, tzinfo=TOKYO)
BEFORE = datetime(2026, 12, 10, tzinfo=TOKYO)


def due(now: datetime, *, covered: bool, sent: tuple[str, ...]) -> Notice | None:
    return notice_due(TALK, DEADLINE, now, covered=covered, sent=sent)


def test_an_abstract_reported_unregistered_and_now_covered_is_reported_registered_once() -> None:
    assert due(AFTER, covered=True, sent=(reminder_cause(7), UNREGISTERED)) == Notice(REGISTERED)
    assert due(AFTER, covered=True, sent=(reminder_cause(7), REGISTERED)) is None  # recorded: not again


def test_a_covered_abstract_never_reported_unregistered_gets_nothing() -> None:
    assert due(AFTER, covered=True, sent=()) is None
    assert due(BEFORE, covered=True, sent=(reminder_cause(21),)) is None


def test_uncovered_again_after_registered_is_reported_unregistered_again() -> None:
    assert due(AFTER, covered=False, sent=(REGISTERED,)) == Notice(UNREGISTERED)


def test_each_of_the_two_notices_replaces_the_record_of_the_other() -> None:
    assert replaced_by(REGISTERED) == (UNREGISTERED,)
    assert replaced_by(UNREGISTERED) == (REGISTERED,)
    assert replaced_by(reminder_cause(7)) == ()


def test_the_event_round_trips_keyed_by_abstract() -> None:
    data = PresenterRegistered(
        congress_id="icsei-2027", abstract_id="a-1", reference="ICSEI27-A-0001", registered_at=AFTER
    )
    event = new_event(data, "/registration")
    again = decode(encode(event))
    assert again.subject == "a-1" and again.data == data
