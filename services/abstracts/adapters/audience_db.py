"""What the abstracts service knows of delegates' interest, for sizing rooms: no personal field, ids only.

``abs_agenda_marks`` holds the latest state of each (delegate, session) from registration's
``AgendaChanged`` (a later ``changed_at`` wins, so a replayed or late older event changes nothing);
``abs_audience_delegates`` holds whether each delegate's registration is confirmed (``RegistrationConfirmed``
/ ``RegistrationCancelled``, the higher ``registration_version`` wins). ``RegistrationErased`` drops both.
Marks of a delegate whose registration was cancelled do not count.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, Column, DateTime, Integer, String, Table, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.abstracts.adapters.db import metadata
from services.abstracts.domain.audience import Interest

agenda_marks = Table(
    "abs_agenda_marks",
    metadata,
    Column("delegate_id", String(64), primary_key=True),
    Column("session_id", String(64), primary_key=True),
    Column("attending", Boolean, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

audience_delegates = Table(
    "abs_audience_delegates",
    metadata,
    Column("delegate_id", String(64), primary_key=True),
    Column("confirmed", Boolean, nullable=False),
    Column("registration_version", Integer, nullable=False),
)


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


class SqlAudience:
    """The ``Audience`` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record_mark(self, delegate_id: str, session_id: str, attending: bool, changed_at: datetime) -> bool:
        """Keep the newer state of this delegate's mark; False when the stored one is newer."""
        key = (agenda_marks.c.delegate_id == delegate_id) & (agenda_marks.c.session_id == session_id)
        stored = (await self.session.execute(select(agenda_marks.c.changed_at).where(key))).scalar_one_or_none()
        values = {"attending": attending, "changed_at": _utc(changed_at)}
        if stored is None:
            await self.session.execute(
                insert(agenda_marks).values(delegate_id=delegate_id, session_id=session_id, **values)
            )
        elif _utc(stored) <= _utc(changed_at):
            await self.session.execute(update(agenda_marks).where(key).values(**values))
        else:
            return False
        return True

    async def record_registration(self, delegate_id: str, confirmed: bool, version: int) -> bool:
        """Keep the newer registration state of this delegate; False when the stored one is newer."""
        key = audience_delegates.c.delegate_id == delegate_id
        query = select(audience_delegates.c.registration_version).where(key)
        stored = (await self.session.execute(query)).scalar_one_or_none()
        if stored is None:
            values = {"delegate_id": delegate_id, "confirmed": confirmed, "registration_version": version}
            await self.session.execute(insert(audience_delegates).values(values))
        elif stored <= version:
            await self.session.execute(
                update(audience_delegates).where(key).values(confirmed=confirmed, registration_version=version)
            )
        else:
            return False
        return True

    async def forget(self, delegate_id: str) -> None:
        await self.session.execute(delete(agenda_marks).where(agenda_marks.c.delegate_id == delegate_id))
        await self.session.execute(delete(audience_delegates).where(audience_delegates.c.delegate_id == delegate_id))

    async def interest(self) -> Interest:
        """Confirmed delegates, delegates with a session marked, and marks per session (``markable`` empty:
        the caller knows the published sessions)."""
        confirmed = select(func.count()).select_from(audience_delegates).where(audience_delegates.c.confirmed)
        cancelled = select(audience_delegates.c.delegate_id).where(~audience_delegates.c.confirmed)
        live = agenda_marks.c.attending & agenda_marks.c.delegate_id.not_in(cancelled)
        markers = select(func.count(func.distinct(agenda_marks.c.delegate_id))).where(live)
        per_session = select(agenda_marks.c.session_id, func.count()).where(live).group_by(agenda_marks.c.session_id)
        rows = (await self.session.execute(per_session)).all()
        return Interest(
            confirmed=(await self.session.execute(confirmed)).scalar_one(),
            markers=(await self.session.execute(markers)).scalar_one(),
            marks={str(sid): int(n) for sid, n in rows},
        )
