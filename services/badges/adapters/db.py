"""The badges service's own tables (the station's delegate replica, badges, check-ins, documents, payments,
stations, visa requests) and the statements on them that ``SqlBadgeStore`` and the print CLI use."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import replace
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
    and_,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from schemas.values import Delegate
from services.badges import domain
from services.badges.domain import BadgeOnRecord, DelegateRecord, RegistrationState, Status
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


async def erase(session: AsyncSession, delegate_ids: Sequence[str]) -> list[str]:
    """Every row about these delegates goes, except their issued invoices (a document an accountant must keep);
    returns the sha256 of the PDFs no remaining row refers to, for the caller to delete after the commit."""
    ids = list(delegate_ids)
    kept_kind = "invoice"
    badge_pdfs = select(badges.c.sha256).where(badges.c.delegate_id.in_(ids))
    doc_pdfs = select(documents.c.sha256).where(documents.c.delegate_id.in_(ids), documents.c.kind != kept_kind)
    candidates = set((await session.execute(badge_pdfs)).scalars()) | set((await session.execute(doc_pdfs)).scalars())
    for table in (delegates, badges, checkins, visa_requests, payments):
        await session.execute(table.delete().where(table.c.delegate_id.in_(ids)))
    await session.execute(documents.delete().where(documents.c.delegate_id.in_(ids), documents.c.kind != kept_kind))
    if not candidates:
        return []
    still = (
        select(badges.c.sha256)
        .where(badges.c.sha256.in_(candidates))
        .union(select(documents.c.sha256).where(documents.c.sha256.in_(candidates)))
    )
    return sorted(candidates - set((await session.execute(still)).scalars()))


def record_of(row: Any) -> DelegateRecord:
    """A replica row as the domain's record."""
    return DelegateRecord(
        row.delegate_id,
        row.congress_id,
        row.registration_number,
        row.version,
        Status(row.status),
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
        tuple(a[2] if len(a) > 2 else "" for a in row.add_ons),
    )


async def name_characters(session: AsyncSession) -> str:
    """Every character of the names in the replica (the render workers cut their CJK fonts to them)."""
    rows = await session.execute(select(delegates.c.given_name, delegates.c.family_name, delegates.c.affiliation))
    return "".join(sorted({c for row in rows for text in row for c in text}))


async def get_delegate(session: AsyncSession, delegate_id: str) -> DelegateRecord | None:
    row = (await session.execute(select(delegates).where(delegates.c.delegate_id == delegate_id))).first()
    return record_of(row) if row else None


def delegate_values(record: DelegateRecord, *, registration_id: str, now: datetime) -> dict[str, Any]:
    """A replica row's columns but its key, as ``save_delegate`` writes them."""
    codes = record.add_on_codes or ("",) * len(record.add_ons)
    return {
        "congress_id": record.congress_id,
        "registration_id": registration_id,
        "registration_number": record.registration_number,
        "version": record.version,
        "status": str(record.status),
        "paid": record.paid,
        "given_name": record.given_name,
        "family_name": record.family_name,
        "badge_name": record.badge_name,
        "affiliation": record.affiliation,
        "country": record.country,
        "email": record.email,
        "language": record.language,
        "roles": list(record.roles),
        "add_ons": [[label, kind, code] for (label, kind), code in zip(record.add_ons, codes, strict=True)],
        "search_keys": domain.search_keys(
            record.given_name, record.family_name, record.badge_name, record.email, record.registration_number
        ),
        "updated_at": now,
    }


async def save_delegate(
    session: AsyncSession, record: DelegateRecord, *, registration_id: str, known: bool, now: datetime
) -> None:
    """Insert or replace a replica row."""
    values = delegate_values(record, registration_id=registration_id, now=now)
    if known:
        await session.execute(update(delegates).where(delegates.c.delegate_id == record.delegate_id).values(**values))
    else:
        await session.execute(insert(delegates).values(delegate_id=record.delegate_id, **values))


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
) -> tuple[bool, DelegateRecord | None]:
    """Apply a delegate state if it is newer than the replica's (or equal, to learn ``paid``).

    Returns whether it was applied, and the replica's row before (None: the delegate is new here).
    """
    current = await get_delegate(session, delegate.delegate_id)
    state = RegistrationState(congress_id, registration_id, version, Status(status), paid, delegate)
    record = domain.replicate(current, state)
    if record is None:
        return False, current
    await save_delegate(
        session,
        record,
        registration_id=registration_id,
        known=current is not None,
        now=now,
    )
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


async def badge_of(session: AsyncSession, delegate_id: str) -> BadgeOnRecord | None:
    row = (await session.execute(select(badges).where(badges.c.delegate_id == delegate_id))).first()
    return None if row is None else badge_on_record(row)


def badge_on_record(row: Any) -> BadgeOnRecord:
    """A ``badges`` row as the domain's record."""
    return BadgeOnRecord(row.delegate_id, row.version, row.sha256, row.location, row.revoked, row.print_count)


def badge_values(*, version: int, sha256: str, location: str, now: datetime) -> dict[str, Any]:
    """A ``badges`` row's columns but its key and print count, as a badge issued writes them (current, not revoked)."""
    return {"version": version, "sha256": sha256, "location": location, "issued_at": now, "revoked": False}


async def record_badge(
    session: AsyncSession,
    *,
    delegate_id: str,
    version: int,
    sha256: str,
    location: str,
    now: datetime,
    replaces: bool | None = None,
) -> None:
    """Record the badge issued for a delegate; ``replaces`` says whether one is on record (None: look)."""
    values = badge_values(version=version, sha256=sha256, location=location, now=now)
    if replaces is None:
        replaces = await badge_of(session, delegate_id) is not None
    if replaces:
        await session.execute(update(badges).where(badges.c.delegate_id == delegate_id).values(**values))
    else:
        await session.execute(insert(badges).values(delegate_id=delegate_id, print_count=0, **values))


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


NUMBER_LOCK_SPACE = 0x646F6373
"""First key of the two-key advisory locks that serialise document numbering per kind ('docs'), apart from the
jobs' ('jobs'), the relay's and the migrations' locks."""


async def next_number(session: AsyncSession, kind: str, prefix: str) -> str:
    """Sequential per kind, no gaps (taken inside the issuing transaction).

    On PostgreSQL several copies of badges issue documents at once: the number is taken under a transaction-scoped
    advisory lock per kind, so a second copy waits for the first one's commit and counts its document, instead of
    taking the same number and failing on ``UNIQUE (kind, number)`` (SQLite's writers already take turns)."""
    if session.bind.dialect.name == "postgresql":
        key = zlib.crc32(kind.encode()) - 2**31
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"), {"space": NUMBER_LOCK_SPACE, "key": key}
        )
    count = (
        await session.execute(select(func.count()).select_from(documents).where(documents.c.kind == kind))
    ).scalar_one()
    return f"{prefix}-{count + 1:05d}"


async def search(session: AsyncSession, query: str, limit: int | None = 25) -> list[DelegateRecord]:
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
        return [record_of(r) for r in exact]
    rows = (await session.execute(select(delegates))).all()
    found = [record_of(r) for r in rows if domain.matches(query, r.search_keys)]
    found.sort(key=lambda d: domain.sort_key(sortable(d)))
    return found if limit is None else found[:limit]


def sortable(d: DelegateRecord) -> domain.SortablePerson:
    return domain.SortablePerson(
        d.delegate_id,
        d.given_name,
        d.family_name,
        d.country,
        d.affiliation,
        d.registration_number,
    )


async def sheet_rows(session: AsyncSession, since: datetime | None) -> list[DelegateRecord]:
    """Confirmed delegates, each at its badge's version (a sheet prints the QR code of the badge on record);
    ``since``: badges issued since, and delegates changed since who have none yet."""
    query = (
        select(delegates, badges.c.version.label("badge_version"))
        .outerjoin(badges, badges.c.delegate_id == delegates.c.delegate_id)
        .where(delegates.c.status == "confirmed")
    )
    if since is not None:
        query = query.where(
            or_(badges.c.issued_at >= since, and_(badges.c.delegate_id.is_(None), delegates.c.updated_at >= since))
        )
    rows = (await session.execute(query)).all()
    return [replace(record_of(r), version=r.badge_version or r.version) for r in rows]
