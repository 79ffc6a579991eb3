"""The badges service's own tables: the station's delegate replica, badges, check-ins, documents, stations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from schemas.values import Delegate
from services.badges import domain
from services.common.text import clean_for_display

metadata = MetaData()

delegates = Table(
    "badge_delegates",
    metadata,
    Column("delegate_id", String(64), primary_key=True),
    Column("congress_id", String(64), nullable=False),
    Column("registration_id", String(64), nullable=False),
    Column("registration_number", String(64), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("paid", Boolean, nullable=False, default=False),
    Column("given_name", Text, nullable=False),
    Column("family_name", Text, nullable=False),
    Column("badge_name", Text, nullable=False),
    Column("affiliation", Text, nullable=False),
    Column("country", String(2), nullable=False),
    Column("email", String(320), nullable=False, index=True),
    Column("language", String(35), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("add_ons", JSON, nullable=False),
    Column("search_keys", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

badges = Table(
    "badges",
    metadata,
    Column("delegate_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("location", Text, nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("print_count", Integer, nullable=False, default=0),
)

checkins = Table(
    "checkins",
    metadata,
    Column("delegate_id", String(64), primary_key=True),
    Column("station_id", String(64), nullable=False),
    Column("checked_in_at", DateTime(timezone=True), nullable=False),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("number", String(64), nullable=False),
    Column("delegate_id", String(64), nullable=False, index=True),
    Column("cause", String(128), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("location", Text, nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("kind", "number"),
    UniqueConstraint("kind", "cause"),
)

payments = Table(
    "badge_payments",
    metadata,
    Column("reference", String(128), primary_key=True),
    Column("delegate_id", String(64), nullable=False, index=True),
    Column("congress_id", String(64), nullable=False),
    Column("amount_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("method", String(16), nullable=False),
    Column("paid_at", DateTime(timezone=True), nullable=False),
    Column("receipt_issued", Boolean, nullable=False, default=False),
)

stations = Table(
    "stations",
    metadata,
    Column("station_id", String(64), primary_key=True),
    Column("label", String(200), nullable=False),
    Column("issued_by", String(320), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

visa_requests = Table(
    "visa_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delegate_id", String(64), nullable=False, index=True),
    Column("passport_name", Text, nullable=False),
    Column("nationality", String(100), nullable=False),
    Column("passport_number", String(64), nullable=False),
    Column("arrival", Date, nullable=False),
    Column("departure", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(320), nullable=True),
    Column("document_number", String(64), nullable=True),
)


@dataclass(frozen=True)
class DelegateRow:
    delegate_id: str
    congress_id: str
    registration_number: str
    version: int
    status: str
    paid: bool
    given_name: str
    family_name: str
    badge_name: str
    affiliation: str
    country: str
    email: str
    language: str
    roles: tuple[str, ...]
    add_ons: tuple[tuple[str, str], ...]

    @classmethod
    def from_row(cls, row: Any) -> DelegateRow:
        return cls(
            row.delegate_id,
            row.congress_id,
            row.registration_number,
            row.version,
            row.status,
            row.paid,
            row.given_name,
            row.family_name,
            row.badge_name,
            row.affiliation,
            row.country,
            row.email,
            row.language,
            tuple(row.roles),
            tuple((a[0], a[1]) for a in row.add_ons),
        )


async def name_characters(session: AsyncSession) -> str:
    """Every character of the names in the replica (the render workers cut their CJK fonts to them)."""
    rows = await session.execute(select(delegates.c.given_name, delegates.c.family_name, delegates.c.affiliation))
    return "".join(sorted({c for row in rows for text in row for c in text}))


async def get_delegate(session: AsyncSession, delegate_id: str) -> DelegateRow | None:
    row = (await session.execute(select(delegates).where(delegates.c.delegate_id == delegate_id))).first()
    return DelegateRow.from_row(row) if row else None


async def upsert_delegate(
    session: AsyncSession,
    *,
    congress_id: str,
    registration_id: str,
    version: int,
    status: str,
    paid: bool | None,
    delegate: Delegate,
    now: datetime,
) -> tuple[bool, DelegateRow | None]:
    """Apply a delegate state if it is newer than the replica's (or equal, to learn ``paid``).

    Returns whether it was applied, and the replica's row before (None: the delegate is new here).
    """
    found = (await session.execute(select(delegates).where(delegates.c.delegate_id == delegate.delegate_id))).first()
    current = DelegateRow.from_row(found) if found is not None else None
    if current is not None and version < current.version:
        return False, current
    values = {
        "congress_id": congress_id,
        "registration_id": registration_id,
        "registration_number": delegate.registration_number,
        "version": version,
        "status": status,
        "paid": bool(paid) if paid is not None else bool(current and current.paid),
        "given_name": delegate.given_name,
        "family_name": delegate.family_name,
        "badge_name": delegate.badge_name,
        "affiliation": delegate.affiliation,
        "country": delegate.country,
        "email": delegate.email,
        "language": delegate.language,
        "roles": [str(r) for r in delegate.roles],
        "add_ons": [[a.label, a.kind, a.code] for a in delegate.add_ons],
        "search_keys": domain.search_keys(
            delegate.given_name,
            delegate.family_name,
            delegate.badge_name,
            delegate.email,
            delegate.registration_number,
        ),
        "updated_at": now,
    }
    if current is None:
        await session.execute(insert(delegates).values(delegate_id=delegate.delegate_id, **values))
    else:
        await session.execute(update(delegates).where(delegates.c.delegate_id == delegate.delegate_id).values(**values))
    return True, current


async def set_status(session: AsyncSession, delegate_id: str, *, status: str, version: int) -> bool:
    result = await session.execute(
        update(delegates)
        .where(delegates.c.delegate_id == delegate_id, delegates.c.version <= version)
        .values(status=status, version=version)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_paid(session: AsyncSession, delegate_id: str) -> None:
    await session.execute(update(delegates).where(delegates.c.delegate_id == delegate_id).values(paid=True))


async def badge_of(session: AsyncSession, delegate_id: str) -> Any:
    return (await session.execute(select(badges).where(badges.c.delegate_id == delegate_id))).first()


async def record_badge(
    session: AsyncSession,
    *,
    delegate_id: str,
    version: int,
    sha256: str,
    location: str,
    now: datetime,
) -> None:
    values = {
        "version": version,
        "sha256": sha256,
        "location": location,
        "issued_at": now,
        "revoked": False,
    }
    if await badge_of(session, delegate_id) is None:
        await session.execute(insert(badges).values(delegate_id=delegate_id, print_count=0, **values))
    else:
        await session.execute(update(badges).where(badges.c.delegate_id == delegate_id).values(**values))


async def revoke_badge(session: AsyncSession, delegate_id: str) -> bool:
    result = await session.execute(
        update(badges).where(badges.c.delegate_id == delegate_id, badges.c.revoked.is_(False)).values(revoked=True)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def count_printed(session: AsyncSession, delegate_id: str) -> int:
    await session.execute(
        update(badges).where(badges.c.delegate_id == delegate_id).values(print_count=badges.c.print_count + 1)
    )
    return int(
        (await session.execute(select(badges.c.print_count).where(badges.c.delegate_id == delegate_id))).scalar_one()
    )


async def checkin_of(session: AsyncSession, delegate_id: str) -> Any:
    return (await session.execute(select(checkins).where(checkins.c.delegate_id == delegate_id))).first()


async def record_checkin(session: AsyncSession, delegate_id: str, station_id: str, at: datetime) -> None:
    await session.execute(insert(checkins).values(delegate_id=delegate_id, station_id=station_id, checked_in_at=at))


async def next_number(session: AsyncSession, kind: str, prefix: str) -> str:
    """Sequential per kind, no gaps (taken inside the issuing transaction)."""
    count = (
        await session.execute(select(func.count()).select_from(documents).where(documents.c.kind == kind))
    ).scalar_one()
    return f"{prefix}-{count + 1:05d}"


async def document_for(session: AsyncSession, kind: str, cause: str) -> Any:
    return (
        await session.execute(select(documents).where(documents.c.kind == kind, documents.c.cause == cause))
    ).first()


async def record_document(session: AsyncSession, **values: Any) -> None:
    await session.execute(insert(documents).values(**values))


async def search(session: AsyncSession, query: str, limit: int | None = 25) -> list[DelegateRow]:
    """Name (folded, transliterated), email or registration number; the replica is small enough to scan.

    The query is cleaned by the one text rule first (a NUL would make PostgreSQL refuse the query).
    ``limit=None`` returns every match.
    """
    query = clean_for_display(query)
    if not query:
        return []
    exact = (
        await session.execute(
            select(delegates).where(
                (func.lower(delegates.c.email) == query.lower())
                | (func.upper(delegates.c.registration_number) == query.upper())
            )
        )
    ).all()
    if exact:
        return [DelegateRow.from_row(r) for r in exact]
    rows = (await session.execute(select(delegates))).all()
    found = [DelegateRow.from_row(r) for r in rows if domain.matches(query, r.search_keys)]
    found.sort(key=lambda d: domain.sort_key(_sortable(d)))
    return found if limit is None else found[:limit]


def _sortable(d: DelegateRow) -> domain.SortablePerson:
    return domain.SortablePerson(
        d.delegate_id,
        d.given_name,
        d.family_name,
        d.country,
        d.affiliation,
        d.registration_number,
    )


sortable = _sortable
