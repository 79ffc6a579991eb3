"""A presenter's programme slots as calendar entries, attached to their programme emails as one ``.ics`` file.

Pure: no I/O (``services.common.ics`` only holds the entry; the mail adapter writes the file).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from schemas.programme import PresentationMoved, SessionCancelled
from services.common.ics import CalendarEntry

if TYPE_CHECKING:
    from services.notify.domain.programme import SessionSeen, Slot


@dataclass(frozen=True)
class SlotCalendar:
    """A presenter's slots as calendar entries. The UID is the abstract's (``abstract-<id>@<congress>``), so it
    stays the same when a re-publish moves the presentation to another time, room or session; the SEQUENCE is
    the programme version, so the update replaces what the first message's file put in the calendar."""

    congress_id: str
    url: str | None
    at: datetime | None

    def uid(self, abstract_id: str) -> str:
        return f"abstract-{abstract_id}@{self.congress_id}"

    def of_slot(self, slot: Slot) -> CalendarEntry:
        s, x = slot.session, slot.presentation
        return CalendarEntry(
            uid=self.uid(x.abstract_id),
            sequence=s.programme_version,
            summary=x.title,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            location=s.room_name,
            modified=self.at,
            description=f"{x.reference} · {s.title}",
            url=self.url,
        )

    def of_move(self, data: PresentationMoved) -> CalendarEntry:
        return CalendarEntry(
            uid=self.uid(data.abstract_id),
            sequence=data.programme_version,
            summary=data.title,
            starts_at=data.new.starts_at,
            ends_at=data.new.ends_at,
            location=data.new.room_name,
            modified=self.at,
            description=data.reference,
            url=self.url,
        )

    def of_cancelled(
        self, data: SessionCancelled, mine: tuple[tuple[str, str, str], ...], seen: SessionSeen | None
    ) -> tuple[CalendarEntry, ...]:
        """The cancelled session's slots of this presenter, marked cancelled (none when notify never kept the
        session's times)."""
        if seen is None:
            return ()
        return tuple(
            CalendarEntry(
                uid=self.uid(abstract_id),
                sequence=data.programme_version,
                summary=title,
                starts_at=seen.starts_at,
                ends_at=seen.ends_at,
                location=seen.room_name,
                modified=self.at,
                description=f"{reference} · {seen.title}",
                url=self.url,
                cancelled=True,
            )
            for abstract_id, reference, title in mine
        )
