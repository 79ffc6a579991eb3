"""Presenters must register: when an accepted abstract is covered, and which notice about it is due.

Pure rules, no I/O. Every accepted presentation needs at least one presenting author with a
confirmed registration (status ``confirmed``: paid by card, or accepted on invoice; so not
cancelled), by the end of the presenter registration deadline day in the congress timezone.
People are matched by ``roles.email_key``. While an abstract is uncovered, one reminder is due
on each configured reminder day (that many days before the deadline day, from its start in the
congress timezone) reached after the abstract was accepted; a sweep that ran late sends only the
latest reminder reached, never a backlog. Once the deadline has passed, one ``unregistered``
notice is due for every abstract accepted before it and still uncovered. Each notice has a
cause (``reminder-21``, ``unregistered``) that is recorded once emitted, so none is sent twice.
An abstract reported ``unregistered`` that becomes covered (a presenter registered late) gets one
``registered`` notice; each of these two replaces the other's record, so every later change of
coverage is reported once too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.registration.domain.roles import email_key

UNREGISTERED = "unregistered"
"""The cause of the notice that the deadline passed with the abstract uncovered."""
REGISTERED = "registered"
"""The cause of the notice that an abstract reported ``unregistered`` is covered again."""


@dataclass(frozen=True)
class Presenter:
    """A presenting author of an accepted abstract, as registration keeps them."""

    given_name: str
    family_name: str
    email: str
    language: str = "en"

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def key(self) -> str:
        return email_key(self.email)


@dataclass(frozen=True)
class Presentation:
    """An accepted abstract and its presenting authors."""

    abstract_id: str
    reference: str
    title: str
    presenters: tuple[Presenter, ...]
    accepted_at: datetime
    network: str = ""
    """The network it was accepted in ('' for abstracts accepted before registration kept it)."""


@dataclass(frozen=True)
class Deadline:
    """The presenter registration deadline: a day in the congress timezone, and the reminder days before it."""

    day: date
    tz: ZoneInfo
    reminder_days: tuple[int, ...] = (21, 7)

    @property
    def ends_at(self) -> datetime:
        """The moment the deadline passes: midnight at the end of ``day``, congress time."""
        return start_of(self.day + timedelta(days=1), self.tz)

    def reminder_at(self, days: int) -> datetime:
        """When the reminder ``days`` before the deadline day is due: the start of that day, congress time."""
        return start_of(self.day - timedelta(days=days), self.tz)

    def days_left(self, now: datetime) -> int:
        """Whole days from today (congress time) to the deadline day; 0 on the deadline day itself."""
        return (self.day - now.astimezone(self.tz).date()).days


@dataclass(frozen=True)
class Notice:
    """A notice due about one abstract: a reminder (``days`` before the deadline) or ``unregistered``."""

    cause: str
    days: int | None = None


def start_of(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz)


def reminder_cause(days: int) -> str:
    return f"reminder-{days}"


def is_covered(presentation: Presentation, confirmed_keys: Iterable[str]) -> bool:
    """At least one presenting author holds a confirmed registration that is not cancelled."""
    keys = set(confirmed_keys)
    return any(p.key in keys for p in presentation.presenters)


def notice_due(
    presentation: Presentation, deadline: Deadline, now: datetime, *, covered: bool, sent: Iterable[str] = ()
) -> Notice | None:
    """The notice due now about ``presentation``, or None (covered, nothing reached, or already sent)."""
    done = set(sent)
    if covered:
        return Notice(REGISTERED) if UNREGISTERED in done else None
    if now >= deadline.ends_at:
        accepted_in_time = presentation.accepted_at < deadline.ends_at
        return Notice(UNREGISTERED) if accepted_in_time and UNREGISTERED not in done else None
    reached = [d for d in deadline.reminder_days if presentation.accepted_at < deadline.reminder_at(d) <= now]
    if not reached:
        return None
    latest = min(reached)  # the reminder nearest the deadline; those before it are not sent late
    return Notice(reminder_cause(latest), latest) if reminder_cause(latest) not in done else None


def replaced_by(cause: str) -> tuple[str, ...]:
    """The recorded causes that emitting ``cause`` replaces: ``unregistered`` and ``registered`` each other."""
    return {UNREGISTERED: (REGISTERED,), REGISTERED: (UNREGISTERED,)}.get(cause, ())


def presenters_of(authors: Sequence[tuple[Presenter, bool]]) -> tuple[Presenter, ...]:
    """(author, presenting) of every author -> the presenting ones with an address, each address once."""
    seen: dict[str, Presenter] = {}
    for author, presenting in authors:
        if presenting and author.key:
            seen.setdefault(author.key, author)
    return tuple(seen.values())
