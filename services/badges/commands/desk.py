"""What the on-site desk does: check a delegate in by their QR code, print (or reprint) their badge.

Each runs in one unit of work; its events go through the outbox, so a station without Kafka keeps
recording and publishes in order when the link returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from schemas.badges import BadgePrinted, DelegateCheckedIn
from services.badges import domain
from services.badges.commands import CommandRefused, audited
from services.badges.commands.badges import issue_badge
from services.badges.domain import CheckIn, DelegateRecord, Status
from services.badges.ports import BadgeDeps
from services.common.auth import InvalidToken, verify


@dataclass(frozen=True)
class ScanResult:
    outcome: domain.ScanOutcome
    delegate: DelegateRecord | None = None
    checked_in_at: datetime | None = None


def read_qr(secret: str, token: str) -> dict[str, object] | None:
    """The QR code's payload if its signature holds, else None (tampered, or not ours)."""
    try:
        return verify(secret, domain.QR_PURPOSE, token.strip())
    except InvalidToken:
        return None


async def check_in(deps: BadgeDeps, *, token: str, station_id: str) -> ScanResult:
    """Scan a QR token: record a first check-in (DelegateCheckedIn through the outbox) or say why not."""
    payload = read_qr(deps.secret, token)
    delegate_id = str(payload.get("d")) if payload else ""
    async with deps.units.begin() as unit:
        record = await unit.store.delegate(delegate_id) if payload else None
        state, existing = None, None
        if record is not None:
            existing = await unit.store.checkin(delegate_id)
            badge = await unit.store.badge(delegate_id)
            state = domain.desk_state(record, badge, existing is not None)
        outcome = domain.scan_outcome(payload, deps.congress.id, state)
        if outcome is not domain.ScanOutcome.CHECKED_IN:
            return ScanResult(outcome, record, existing.checked_in_at if existing else None)
        now = deps.clock.now()
        await unit.store.record_checkin(CheckIn(delegate_id, station_id, now))
        unit.stage(
            DelegateCheckedIn(
                congress_id=deps.congress.id, delegate_id=delegate_id, station_id=station_id, checked_in_at=now
            )
        )
        return ScanResult(outcome, record, now)


async def print_badge(deps: BadgeDeps, *, delegate_id: str, station_id: str) -> tuple[str, int]:
    """Count a print (BadgePrinted) and return the stored PDF's hash; renders locally if none exists yet."""
    async with deps.units.begin() as unit:
        record = await unit.store.delegate(delegate_id)
        if record is None:
            raise CommandRefused("unknown delegate")
        if record.status is not Status.CONFIRMED:
            raise CommandRefused(f"registration is {record.status}: no badge")
        # The replica already holds this state, so a valid badge on record is its badge: print that one.
        for data in await issue_badge(unit, deps, record, previous=record):
            unit.stage(data)
        badge = await unit.store.badge(delegate_id)
        if badge is None:  # issue_badge has just recorded one
            raise CommandRefused("no badge could be issued")
        count = await unit.store.count_print(delegate_id)
        if count > 1:
            audited.note(
                deps,
                unit,
                "badges.reprint",
                audited.at_the_desk(station_id),
                delegate_id,
                delegate_id=delegate_id,
                print_count=count,
            )
        unit.stage(
            BadgePrinted(
                congress_id=record.congress_id,
                delegate_id=delegate_id,
                station_id=station_id,
                print_count=count,
                printed_at=deps.clock.now(),
            )
        )
        return badge.sha256, count
