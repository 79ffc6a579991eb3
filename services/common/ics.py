"""iCalendar (RFC 5545) documents for programme slots: a delegate's agenda feed and a presenter's mail attachment.

One builder for both, on the ``icalendar`` library (never string concatenation, so a title with a comma, a
semicolon or a line break in any script is escaped and folded as the RFC says). Times are written in UTC
(``…Z``), which every calendar program shows in its own zone without a VTIMEZONE to trust; the congress's
zone travels as ``X-WR-TIMEZONE`` for programs that want it.

An entry's ``uid`` is what makes an update an update: the same UID with a higher ``sequence`` replaces the
event in the recipient's calendar, so callers derive the UID from what the slot *is* (an abstract, a session)
and the sequence from the programme version that placed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from icalendar import Calendar, Event

PRODUCT = "-//congress//programme//EN"


class Method(StrEnum):
    """The iTIP method of a document (RFC 5546): a feed or an announcement publishes; a cancellation cancels."""

    PUBLISH = "PUBLISH"
    CANCEL = "CANCEL"


@dataclass(frozen=True)
class CalendarEntry:
    """One event of a calendar document: a session, or one presentation's slot in it."""

    uid: str
    """Stable for what the slot is, across every version of the programme (e.g. ``abstract-a-42@icsei-2027``)."""
    sequence: int
    """The programme version that placed it: higher replaces lower in a calendar."""
    summary: str
    starts_at: datetime
    ends_at: datetime
    location: str
    modified: datetime | None = None
    """When this version of the slot was published (``LAST-MODIFIED``; left out when unknown)."""
    description: str = ""
    cancelled: bool = False
    url: str | None = None


def calendar_document(
    entries: Iterable[CalendarEntry],
    *,
    name: str,
    timezone: str,
    stamp: datetime,
    method: Method = Method.PUBLISH,
) -> bytes:
    """The ``text/calendar`` body holding ``entries`` (an empty calendar when there are none)."""
    cal = Calendar()
    cal.add("prodid", PRODUCT)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method.value)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", timezone)
    for entry in entries:
        cal.add_component(_event(entry, stamp))
    body: bytes = cal.to_ical()
    return body


def _event(entry: CalendarEntry, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", entry.uid)
    event.add("sequence", entry.sequence)
    event.add("dtstamp", _utc(stamp))
    if entry.modified is not None:
        event.add("last-modified", _utc(entry.modified))
    event.add("dtstart", _utc(entry.starts_at))
    event.add("dtend", _utc(entry.ends_at))
    event.add("summary", entry.summary)
    event.add("location", entry.location)
    if entry.description:
        event.add("description", entry.description)
    if entry.url:
        event.add("url", entry.url)
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def _utc(moment: datetime) -> datetime:
    """Aware and in UTC (a naive time read back from SQLite is UTC by the store's rule)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
