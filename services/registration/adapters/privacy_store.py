"""Consents and special-category data on SQL: two tables apart from ``reg_registrations``.

``reg_consents``: one row per registration — the privacy notice version and language it was shown and the
optional consents. ``reg_special_needs``: dietary and accessibility needs, a row only where the delegate
gave explicit consent; nothing here is ever copied into an event, and retention deletes the whole table's
rows after ``privacy.retention.special_needs_days``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, DateTime, String, Table, Text, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.adapters.db import metadata, registrations
from services.registration.domain.privacy import Access, Consents, Diet, SpecialNeeds
from services.registration.domain.registration import ERASED, LIVE, Status
from services.registration.ports.privacy import NeedsOf, Participant

consents = Table(
    "reg_consents",
    metadata,
    Column("registration_id", String(40), primary_key=True),
    Column("notice_version", String(40), nullable=False),
    Column("notice_language", String(20), nullable=False),
    Column("listed", Boolean, nullable=False, default=False),
    Column("photos", Boolean, nullable=False, default=False),
    Column("sponsors", Boolean, nullable=False, default=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

special_needs = Table(
    "reg_special_needs",
    metadata,
    Column("registration_id", String(40), primary_key=True),
    Column("diets", JSON, nullable=False),
    Column("diet_other", Text, nullable=False, default=""),
    Column("access", JSON, nullable=False),
    Column("access_other", Text, nullable=False, default=""),
    Column("consented_at", DateTime(timezone=True), nullable=False),
)


def consent_row(registration_id: str, given: Consents, now: datetime) -> dict[str, Any]:
    return {
        "registration_id": registration_id,
        "notice_version": given.notice_version,
        "notice_language": given.notice_language,
        "listed": given.listed,
        "photos": given.photos,
        "sponsors": given.sponsors,
        "recorded_at": now,
        "updated_at": now,
    }


def needs_row(registration_id: str, needs: SpecialNeeds, now: datetime) -> dict[str, Any]:
    return {
        "registration_id": registration_id,
        "diets": [d.value for d in needs.diets],
        "diet_other": needs.diet_other,
        "access": [a.value for a in needs.access],
        "access_other": needs.access_other,
        "consented_at": now,
    }


def _needs_of(row: Any) -> SpecialNeeds:
    return SpecialNeeds(
        tuple(Diet(d) for d in row.diets), row.diet_other, tuple(Access(a) for a in row.access), row.access_other
    )


class SqlPrivacy:
    """``ports.PrivacyRecords`` on the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def consents(self, registration_id: str) -> Consents | None:
        row = (
            await self.session.execute(select(consents).where(consents.c.registration_id == registration_id))
        ).first()
        if row is None:
            return None
        return Consents(row.notice_version, row.notice_language, row.listed, row.photos, row.sponsors)

    async def set_consents(self, registration_id: str, given: Consents, now: datetime) -> None:
        values = consent_row(registration_id, given, now)
        changed = await self.session.execute(
            update(consents)
            .where(consents.c.registration_id == registration_id)
            .values({k: v for k, v in values.items() if k not in ("registration_id", "recorded_at")})
        )
        if not getattr(changed, "rowcount", 0):
            await self.session.execute(insert(consents).values(values))

    async def needs(self, registration_id: str) -> SpecialNeeds | None:
        stmt = select(special_needs).where(special_needs.c.registration_id == registration_id)
        row = (await self.session.execute(stmt)).first()
        return None if row is None else _needs_of(row)

    async def set_needs(self, registration_id: str, needs: SpecialNeeds | None, now: datetime) -> None:
        await self.session.execute(delete(special_needs).where(special_needs.c.registration_id == registration_id))
        if needs is not None:
            await self.session.execute(insert(special_needs).values(needs_row(registration_id, needs, now)))

    async def live_needs(self) -> Sequence[NeedsOf]:
        reg = registrations.c
        stmt = (
            select(special_needs, reg.number, reg.badge_name, reg.add_ons)
            .join(registrations, reg.id == special_needs.c.registration_id)
            .where(reg.status.in_([s.value for s in LIVE]))
            .order_by(reg.number)
        )
        return [
            NeedsOf(row.registration_id, row.number, row.badge_name, tuple(row.add_ons), _needs_of(row))
            for row in (await self.session.execute(stmt)).all()
        ]

    async def participants(self) -> Sequence[Participant]:
        reg = registrations.c
        stmt = (
            select(reg.badge_name, reg.affiliation, reg.country, reg.language)
            .join(consents, consents.c.registration_id == reg.id)
            .where(consents.c.listed.is_(True), reg.status == Status.CONFIRMED.value, reg.given_name != ERASED)
            .order_by(func.lower(reg.family_name), reg.number)
        )
        return [Participant(*row) for row in (await self.session.execute(stmt)).tuples()]

    async def remove_all_needs(self) -> int:
        result = await self.session.execute(delete(special_needs))
        return int(getattr(result, "rowcount", 0) or 0)

    async def remove_invoice_details(self) -> int:
        reg = registrations.c
        rows = (await self.session.execute(select(reg.id, reg.invoice))).all()
        held = [r.id for r in rows if r.invoice]  # JSON null and SQL NULL alike are no details
        if held:
            await self.session.execute(update(registrations).where(reg.id.in_(held)).values(invoice=None))
        return len(held)

    async def unerased_ids(self) -> Sequence[str]:
        reg = registrations.c
        stmt = select(reg.id).where(reg.given_name != ERASED).order_by(reg.number)
        return list((await self.session.execute(stmt)).scalars())

    async def forget(self, registration_id: str) -> None:
        await self.session.execute(delete(special_needs).where(special_needs.c.registration_id == registration_id))
        await self.session.execute(delete(consents).where(consents.c.registration_id == registration_id))


def insert_rows(conn: Any, consent_rows: Sequence[dict[str, Any]], need_rows: Sequence[dict[str, Any]]) -> None:
    """Insert new registrations' consents and needs on the group writer's synchronous connection."""
    if consent_rows:
        conn.execute(insert(consents), list(consent_rows))
    if need_rows:
        conn.execute(insert(special_needs), list(need_rows))
