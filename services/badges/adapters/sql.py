"""The badges store on SQLAlchemy (``BadgeStore``) and its units of work on the kernel's ``UnitOfWork``.

Every write goes through a unit of work: ``SqlUnits.begin()`` opens the kernel's ``transaction`` (staged
events written in one statement just before the commit), ``SqlUnits.within(session)`` joins the kernel
consumer's batch transaction (the consumer writes the staged events before it commits).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas.base import EventData
from services.badges.adapters import db, unprintable
from services.badges.domain import (
    BadgeOnRecord,
    CheckIn,
    DelegateRecord,
    Payment,
    StationRecord,
    Status,
    VisaRequest,
    VisaRequestRecord,
    VisaStatus,
)
from services.badges.ports import StoredPdf
from services.common.db import scrub_after_erasure
from services.common.outbox import Outbox
from services.common.text import clean_for_display
from services.common.unit_of_work import UnitOfWork, transaction

EXPIRED = "(expired)"
"""What a visa request's passport fields read once retention has removed them."""


class SqlBadgeStore:
    """``BadgeStore`` on one session (the unit of work's)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def delegate(self, delegate_id: str) -> DelegateRecord | None:
        return await db.get_delegate(self.session, delegate_id)

    async def save_delegate(self, record: DelegateRecord, *, registration_id: str, known: bool, now: datetime) -> None:
        await db.save_delegate(self.session, record, registration_id=registration_id, known=known, now=now)

    async def set_status(self, delegate_id: str, *, status: Status, version: int) -> bool:
        return await db.set_status(self.session, delegate_id, status=str(status), version=version)

    async def mark_paid(self, delegate_id: str) -> None:
        await db.mark_paid(self.session, delegate_id)

    async def search(self, query: str) -> list[DelegateRecord]:
        return await db.search(self.session, query, limit=None)

    async def erase(self, delegate_ids: Sequence[str]) -> list[str]:
        return await db.erase(self.session, delegate_ids)

    async def badge(self, delegate_id: str) -> BadgeOnRecord | None:
        return await db.badge_of(self.session, delegate_id)

    async def record_badge(
        self, delegate_id: str, *, version: int, pdf: StoredPdf, now: datetime, replaces: bool
    ) -> None:
        await db.record_badge(
            self.session,
            delegate_id=delegate_id,
            version=version,
            sha256=pdf.sha256,
            location=pdf.location,
            now=now,
            replaces=replaces,
        )

    async def revoke_badge(self, delegate_id: str) -> bool:
        return await db.revoke_badge(self.session, delegate_id)

    async def count_print(self, delegate_id: str) -> int:
        return await db.count_printed(self.session, delegate_id)

    async def checkin(self, delegate_id: str) -> CheckIn | None:
        row = (await self.session.execute(select(db.checkins).where(db.checkins.c.delegate_id == delegate_id))).first()
        return CheckIn(row.delegate_id, row.station_id, row.checked_in_at) if row else None

    async def checkins(self) -> list[CheckIn]:
        rows = (await self.session.execute(select(db.checkins))).all()
        return [CheckIn(r.delegate_id, r.station_id, r.checked_in_at) for r in rows]

    async def record_checkin(self, checkin: CheckIn) -> None:
        await self.session.execute(
            insert(db.checkins).values(
                delegate_id=checkin.delegate_id, station_id=checkin.station_id, checked_in_at=checkin.checked_in_at
            )
        )

    async def payment_known(self, reference: str) -> bool:
        found = await self.session.execute(select(db.payments.c.reference).where(db.payments.c.reference == reference))
        return found.first() is not None

    async def add_payment(self, payment: Payment) -> None:
        await self.session.execute(insert(db.payments).values(**payment.__dict__))

    async def payments_without_receipt(self, delegate_id: str) -> list[Payment]:
        rows = (
            await self.session.execute(
                select(db.payments).where(
                    db.payments.c.delegate_id == delegate_id, db.payments.c.receipt_issued.is_(False)
                )
            )
        ).all()
        return [Payment(**row._asdict()) for row in rows]

    async def mark_receipt_issued(self, reference: str) -> None:
        await self.session.execute(
            update(db.payments).where(db.payments.c.reference == reference).values(receipt_issued=True)
        )

    async def next_number(self, kind: str, prefix: str) -> str:
        return await db.next_number(self.session, kind, prefix)

    async def has_document(self, kind: str, cause: str) -> bool:
        t = db.documents
        found = await self.session.execute(select(t.c.id).where(t.c.kind == kind, t.c.cause == cause))
        return found.first() is not None

    async def record_document(
        self, *, kind: str, number: str, delegate_id: str, cause: str, pdf: StoredPdf, issued_at: datetime
    ) -> None:
        await self.session.execute(
            insert(db.documents).values(
                kind=kind,
                number=number,
                delegate_id=delegate_id,
                cause=cause,
                sha256=pdf.sha256,
                location=pdf.location,
                issued_at=issued_at,
            )
        )

    async def add_visa_request(self, delegate_id: str, form: VisaRequest, *, now: datetime) -> int:
        result = await self.session.execute(
            insert(db.visa_requests).values(
                delegate_id=delegate_id,
                passport_name=clean_for_display(form.passport_name),
                nationality=clean_for_display(form.nationality),
                passport_number=clean_for_display(form.passport_number),
                arrival=form.arrival,
                departure=form.departure,
                status=str(VisaStatus.REQUESTED),
                requested_at=now,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[attr-defined]

    async def visa_request(self, request_id: int) -> VisaRequestRecord | None:
        t = db.visa_requests
        row = (await self.session.execute(select(t).where(t.c.id == request_id))).first()
        return _visa(row) if row else None

    async def visa_requests(self) -> list[VisaRequestRecord]:
        t = db.visa_requests
        return [_visa(row) for row in (await self.session.execute(select(t).order_by(t.c.id))).all()]

    async def documents_of(self, delegate_id: str) -> list[dict[str, str]]:
        d = db.documents
        stmt = select(d.c.kind, d.c.number, d.c.issued_at).where(d.c.delegate_id == delegate_id).order_by(d.c.id)
        rows = (await self.session.execute(stmt)).all()
        return [{"kind": r.kind, "number": r.number, "issued_at": r.issued_at.isoformat()} for r in rows]

    async def expire_passports(self) -> tuple[int, list[str]]:
        t, d = db.visa_requests, db.documents
        blanked = await self.session.execute(
            update(t)
            .where(t.c.passport_number != EXPIRED)
            .values(passport_name=EXPIRED, passport_number=EXPIRED, nationality=EXPIRED)
        )
        letters = select(d.c.sha256).where(d.c.kind == "visa_letter")
        return int(getattr(blanked, "rowcount", 0) or 0), list((await self.session.execute(letters)).scalars())

    async def expire_invoices(self) -> tuple[int, list[str]]:
        d = db.documents
        kept = (d.c.kind == "invoice") & (d.c.sha256 != "")
        files = list((await self.session.execute(select(d.c.sha256).where(kept))).scalars())
        removed = await self.session.execute(update(d).where(kept).values(sha256="", location=""))
        still = set((await self.session.execute(select(d.c.sha256).where(d.c.sha256.in_(files)))).scalars())
        return int(getattr(removed, "rowcount", 0) or 0), sorted(set(files) - still)

    async def mark_visa_issued(self, request_id: int, *, organiser: str, number: str) -> None:
        await self.session.execute(
            update(db.visa_requests)
            .where(db.visa_requests.c.id == request_id)
            .values(status=str(VisaStatus.ISSUED), decided_by=organiser, document_number=number)
        )

    async def add_station(self, station: StationRecord) -> None:
        await self.session.execute(insert(db.stations).values(**station.__dict__))

    async def revoke_station(self, station_id: str, now: datetime) -> None:
        t = db.stations
        await self.session.execute(
            update(t).where(t.c.station_id == station_id, t.c.revoked_at.is_(None)).values(revoked_at=now)
        )

    async def station(self, station_id: str) -> StationRecord | None:
        t = db.stations
        row = (await self.session.execute(select(t).where(t.c.station_id == station_id))).first()
        return StationRecord(**row._asdict()) if row else None

    async def replaced_badges(self) -> list[Any]:
        return list(await unprintable.replaced_badges(self.session))

    async def stations(self) -> list[StationRecord]:
        t = db.stations
        return [
            StationRecord(**row._asdict()) for row in (await self.session.execute(select(t).order_by(t.c.issued_at)))
        ]


def _visa(row: Any) -> VisaRequestRecord:
    return VisaRequestRecord(**{**row._asdict(), "status": VisaStatus(row.status)})


class SqlUnit:
    """``BadgeUnit``: the store on the kernel unit of work's session, and its staging."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.store = SqlBadgeStore(uow.session)

    def stage(self, data: EventData) -> None:
        self.uow.stage(data)

    async def shred(self, subjects: Sequence[str]) -> list[str]:
        return await self.uow.shred(subjects)

    def after_commit(self, action: Callable[[], None]) -> None:
        event.listen(self.uow.session.sync_session, "after_commit", lambda _session: action(), once=True)


@dataclass
class SqlUnits:
    """``Units`` on the service's sessionmaker and outbox."""

    sessions: async_sessionmaker[AsyncSession]
    outbox: Outbox

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[SqlUnit]:
        async with transaction(self.sessions, self.outbox) as uow:
            yield SqlUnit(uow)

    async def scrub(self) -> None:
        await scrub_after_erasure(self.sessions)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SqlBadgeStore]:
        async with self.sessions() as session:
            yield SqlBadgeStore(session)

    async def load_chunk(self, transaction: object, delegate_ids: Sequence[str]) -> None:
        from services.badges.adapters import chunk  # here: the chunk's store builds on this module's

        if isinstance(transaction, AsyncSession):
            await chunk.prefetch(transaction, delegate_ids)

    def within(self, transaction: object) -> SqlUnit:
        if not isinstance(transaction, AsyncSession):
            raise TypeError(f"a badges unit joins an AsyncSession, not {type(transaction).__name__}")
        unit = SqlUnit(UnitOfWork(transaction, self.outbox))
        from services.badges.adapters import chunk  # here: the chunk's store builds on this module's

        rows = chunk.rows_of(transaction)
        if rows is not None:  # the consumer loaded its chunk's rows: the confirmation path reads and stages them
            unit.store = chunk.ChunkStore(transaction, rows)
        return unit
