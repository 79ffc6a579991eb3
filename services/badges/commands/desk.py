"""Commands people make at the station and on organiser pages: check in, print, visa letters, certificates.

Each runs in one transaction; the events it emits go through the outbox, so a
station without Kafka keeps recording and publishes in order when the link returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas.badges import BadgePrinted, DelegateCheckedIn, DocumentKind
from services.badges import domain
from services.badges.adapters import db
from services.badges.commands.registration import BadgeDeps, issue_badge, record_document
from services.badges.domain.documents import certificate_context, visa_context
from services.common.auth import InvalidToken, verify
from services.common.outbox import Outbox
from services.common.text import clean_for_display


class CommandRefused(Exception):
    """The command is not allowed in the current state (the message says why, for the page)."""


@dataclass(frozen=True)
class ScanResult:
    outcome: domain.ScanOutcome
    delegate: db.DelegateRow | None = None
    checked_in_at: datetime | None = None


def read_qr(secret: str, token: str) -> dict[str, object] | None:
    try:
        return verify(secret, domain.QR_PURPOSE, token.strip())
    except InvalidToken:
        return None


async def check_in(
    sm: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    deps: BadgeDeps,
    *,
    token: str,
    station_id: str,
) -> ScanResult:
    """Scan a QR token: record a first check-in (DelegateCheckedIn through the outbox) or say why not."""
    payload = read_qr(deps.secret, token)
    async with sm() as session, session.begin():
        delegate_id = str(payload.get("d")) if payload else ""
        row = await db.get_delegate(session, delegate_id) if payload else None
        badge = await db.badge_of(session, delegate_id) if row else None
        existing = await db.checkin_of(session, delegate_id) if row else None
        state = None
        if row is not None:
            status = "cancelled" if row.status in domain.ENDED or (badge is not None and badge.revoked) else row.status
            state = domain.DelegateState(status, badge.version if badge else None, existing is not None)
        outcome = domain.scan_outcome(payload, deps.congress.id, state)
        if outcome is not domain.ScanOutcome.CHECKED_IN:
            return ScanResult(outcome, row, existing.checked_in_at if existing else None)
        now = deps.clock.now()
        await db.record_checkin(session, delegate_id, station_id, now)
        outbox.add(
            session,
            DelegateCheckedIn(
                congress_id=deps.congress.id,
                delegate_id=delegate_id,
                station_id=station_id,
                checked_in_at=now,
            ),
        )
        return ScanResult(outcome, row, now)


async def print_badge(
    sm: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    deps: BadgeDeps,
    *,
    delegate_id: str,
    station_id: str,
) -> tuple[str, int]:
    """Count a print (BadgePrinted) and return the stored PDF's hash; renders locally if none exists yet."""
    async with sm() as session, session.begin():
        row = await db.get_delegate(session, delegate_id)
        if row is None:
            raise CommandRefused("unknown delegate")
        if row.status != "confirmed":
            raise CommandRefused(f"registration is {row.status}: no badge")
        # The replica already holds this state, so a valid badge on record is its badge: print that one.
        for data in await issue_badge(session, deps, delegate_id, previous=row):
            outbox.add(session, data)
        badge = await db.badge_of(session, delegate_id)
        count = await db.count_printed(session, delegate_id)
        outbox.add(
            session,
            BadgePrinted(
                congress_id=row.congress_id,
                delegate_id=delegate_id,
                station_id=station_id,
                print_count=count,
                printed_at=deps.clock.now(),
            ),
        )
        return str(badge.sha256), count


async def request_visa(
    sm: async_sessionmaker[AsyncSession],
    *,
    delegate_id: str,
    form: dict[str, Any],
    now: datetime,
) -> int:
    async with sm() as session, session.begin():
        if await db.get_delegate(session, delegate_id) is None:
            raise CommandRefused("unknown delegate")
        arrival, departure = form["arrival"], form["departure"]
        if departure < arrival:
            raise CommandRefused("departure is before arrival")
        result = await session.execute(
            insert(db.visa_requests).values(
                delegate_id=delegate_id,
                passport_name=clean_for_display(form["passport_name"]),
                nationality=clean_for_display(form["nationality"]),
                passport_number=clean_for_display(form["passport_number"]),
                arrival=arrival,
                departure=departure,
                status="requested",
                requested_at=now,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[attr-defined]


async def approve_visa(
    sm: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    deps: BadgeDeps,
    *,
    request_id: int,
    organiser: str,
    today: date,
) -> str:
    """Issue the numbered, dated letter — only for a confirmed, paid registration."""
    async with sm() as session, session.begin():
        request = (await session.execute(select(db.visa_requests).where(db.visa_requests.c.id == request_id))).first()
        if request is None:
            raise CommandRefused("no such request")
        if request.status == "issued":
            return str(request.document_number)
        row = await db.get_delegate(session, request.delegate_id)
        if row is None or row.status != "confirmed" or not row.paid:
            raise CommandRefused("a visa letter needs a confirmed and paid registration")
        number = await db.next_number(session, DocumentKind.VISA_LETTER, f"{deps.congress.number_prefix}-VISA")
        pdf = await deps.renderer.render_document(
            "visa_letter", visa_context(deps.congress, row, request, number, today)
        )
        outbox.add(
            session,
            await record_document(
                session,
                deps,
                row,
                DocumentKind.VISA_LETTER,
                number,
                f"visa:{request_id}",
                pdf,
            ),
        )
        await session.execute(
            update(db.visa_requests)
            .where(db.visa_requests.c.id == request_id)
            .values(status="issued", decided_by=organiser, document_number=number)
        )
        return number


async def issue_certificates(
    sm: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    deps: BadgeDeps,
    *,
    today: date,
) -> list[str]:
    """One certificate of attendance per checked-in delegate who has none yet."""
    issued: list[str] = []
    async with sm() as session, session.begin():
        rows = (await session.execute(select(db.checkins))).all()
        for checkin in rows:
            cause = f"certificate:{checkin.delegate_id}"
            row = await db.get_delegate(session, checkin.delegate_id)
            if row is None or await db.document_for(session, DocumentKind.CERTIFICATE, cause) is not None:
                continue
            number = await db.next_number(session, DocumentKind.CERTIFICATE, f"{deps.congress.number_prefix}-CERT")
            pdf = await deps.renderer.render_document(
                "certificate",
                certificate_context(deps.congress, row, number, checkin.checked_in_at, today),
            )
            outbox.add(
                session,
                await record_document(session, deps, row, DocumentKind.CERTIFICATE, number, cause, pdf),
            )
            issued.append(number)
    return issued
