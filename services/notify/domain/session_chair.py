"""A session's chair, named by the organisers with an address, hears where and when they chair, with an ``.ics``.

Pure: no I/O. ``SessionScheduled.chair``/``chair_email`` (sealed with the chair's own key) name them; each version of
the session that names them tells them (``session_chaired``; the "changed" wording when notify told them of an
earlier version, ``Known.told``). The calendar entry's UID is the session's (``session-<id>@<congress>``, the
one the delegates' agenda feed gives the session), its SEQUENCE the programme version, so the update replaces
the first message's entry. They are kept with the session's presenters (no presentations of their own), so a
cancellation reaches them too, with the session's entry cancelled.
"""

from __future__ import annotations

from datetime import datetime

from schemas.programme import SessionCancelled, SessionScheduled
from services.common.ics import CalendarEntry
from services.notify.domain.abstracts import author_id
from services.notify.domain.rules import Recipient

CHAIRED = "session_chaired"


def chair_recipient(data: SessionScheduled) -> Recipient | None:
    """The session's chair as a recipient (None: the chair is a name only, or there is none)."""
    email = (data.chair_email or "").strip()
    if not email:
        return None
    return Recipient(recipient_id=author_id(email), email=email, name=data.chair or "", language=data.chair_language)


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
    data: SessionCancelled, starts_at: datetime, ends_at: datetime, room: str, at: datetime | None
) -> CalendarEntry:
    """The session's entry, cancelled (for its chair: the same UID as the entry they were sent)."""
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
