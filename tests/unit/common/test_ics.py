"""The iCalendar builder, read back with the ``icalendar`` library as a calendar program would."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from services.common.ics import CalendarEntry, Method, calendar_document

STAMP = datetime(2026, 12, 20, 9, 0, tzinfo=UTC)


def entry(**over: object) -> CalendarEntry:
    values: dict[str, object] = {
        "uid": "abstract-a-42@icsei-2027",
        "sequence": 2,
        "summary": "Data use, in; practice\nand policy — データ活用",
        "starts_at": datetime(2027, 1, 6, 10, 30, tzinfo=ZoneInfo("Asia/Tokyo")),
        "ends_at": datetime(2027, 1, 6, 3, 0, tzinfo=UTC),
        "location": "Room 301, Pacifico",
        "modified": datetime(2026, 12, 19, 8, 0),  # naive: UTC by the stores' rule
        "description": "Teachers and dashboards",
    }
    return CalendarEntry(**(values | over))  # type: ignore[arg-type]


def parsed(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def test_an_entry_reads_back_with_its_uid_sequence_times_in_utc_and_escaped_text() -> None:
    body = calendar_document([entry()], name="ICSEI 2027", timezone="Asia/Tokyo", stamp=STAMP)
    cal = parsed(body)
    assert str(cal["METHOD"]) == "PUBLISH" and str(cal["X-WR-TIMEZONE"]) == "Asia/Tokyo"
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == "abstract-a-42@icsei-2027"
    assert int(event["SEQUENCE"]) == 2
    assert event.decoded("DTSTART") == datetime(2027, 1, 6, 1, 30, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2027, 1, 6, 3, 0, tzinfo=UTC)
    assert event.decoded("LAST-MODIFIED") == datetime(2026, 12, 19, 8, 0, tzinfo=UTC)
    assert event.decoded("DTSTAMP") == STAMP
    assert str(event["SUMMARY"]) == "Data use, in; practice\nand policy — データ活用"
    assert str(event["LOCATION"]) == "Room 301, Pacifico"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert b"DTSTART:20270106T013000Z" in body  # UTC form, no VTIMEZONE needed
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # folded as RFC 5545 says


def test_a_cancelled_entry_says_so_and_a_cancel_document_has_that_method() -> None:
    body = calendar_document([entry(cancelled=True)], name="x", timezone="UTC", stamp=STAMP, method=Method.CANCEL)
    cal = parsed(body)
    assert str(cal["METHOD"]) == "CANCEL"
    [event] = cal.walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"


def test_no_entries_is_an_empty_but_valid_calendar() -> None:
    cal = parsed(calendar_document([], name="x", timezone="UTC", stamp=STAMP))
    assert cal.walk("VEVENT") == [] and str(cal["VERSION"]) == "2.0"
