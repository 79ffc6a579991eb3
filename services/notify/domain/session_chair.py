"""A session's chair, named by the organisers with an address, hears where and when they chair, with an ``.ics``.

Pure: no I/O. ``SessionScheduled.chair``/``chair_email`` (sealed with the chair's own key) name them; each version of
the session that names them tells them (``session_chaired``; the "changed" wording when notify told them of an
earlier version, ``Known.told``). The calendar entry's UID is the session's (``session-<id>@<congress>``, the
one the delegates' agenda feed gives the session), its SEQUENCE the programme version, so the update replaces
the first message's entry. They are kept with the session's presenters (marked ``chairs``), so a
cancellation reaches them too, with the session's entry cancelled. A later version that names another chair, or
none, tells the chair notify kept that they no longer chair it (``session_unchaired``, in their language), with
that entry cancelled so their calendar drops it; the new chair hears as above.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from schemas.programme import SessionCancelled, SessionScheduled
from services.common.ics import CalendarEntry
from services.notify.domain.abstracts import author_id
from services.notify.domain.rules import Recipient

if TYPE_CHECKING:
    from services.notify.domain.programme import SessionSeen, Told

CHAIRED = "session_chaired"
UNCHAIRED = "session_unchaired"


def chair_recipient(data: SessionScheduled) -> Recipient | None:
    """The session's chair as a recipient (None: the chair is a name only, or there is none)."""
    email = (data.chair_email or "").strip()
    if not email:
        return None
    return Recipient(recipient_id=author_id(email), email=email, name=data.chair or "", language=data.chair_language)


def former_chair(
    data: SessionScheduled, kept: Iterable[Told], seen: SessionSeen | None
) -> tuple[Recipient, SessionSeen] | None:
    """The chair notify kept for the session that this version no longer names (another chair, or none), with
    the session as they were told of it; None when the chair stays, none was kept, or the event is older than
    the version kept (it changes nothing)."""
    if seen is None or seen.version > data.programme_version:
        return None
    now = chair_recipient(data)
    for told in kept:
        if told.chairs and (now is None or told.recipient_id != now.recipient_id):
            return Recipient(told.recipient_id, told.email, told.name, told.language), seen
    return None


def session_uid(session_id: str, congress_id: str) -> str:
    return f"session-{session_id}@{congress_id}"


def session_entry(data: SessionScheduled, url: str | None, at: datetime | None) -> CalendarEntry:
    """The whole session as the chair's calendar entry."""
    return CalendarEntry(
        uid=session_uid(data.session_id, data.congress_id),
        sequence=data.programme_version,
        summary=data.title,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        location=data.room_name,
        modified=at,
        description=" · ".join(p.title for p in data.presentations),
        url=url,
    )


def cancelled_entry(
    data: SessionCancelled | SessionScheduled, starts_at: datetime, ends_at: datetime, room: str, at: datetime | None
) -> CalendarEntry:
    """The session's entry, cancelled (for its chair, or the chair it no longer has: the same UID as the entry
    they were sent, at the time and room they were told of)."""
    return CalendarEntry(
        uid=session_uid(data.session_id, data.congress_id),
        sequence=data.programme_version,
        summary=data.title,
        starts_at=starts_at,
        ends_at=ends_at,
        location=room,
        modified=at,
        cancelled=True,
    )
