"""Issuing and revoking a delegate's badge, inside the caller's unit of work.

PDFs are rendered in the warm process pool — for a batch of events, ideally *before* its transaction, by
the subscriptions, which pass what they rendered in as ``prerendered`` — and stored content-addressed, so a
redelivery or retry re-renders nothing new.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from schemas.badges import BadgeIssued, BadgeRevoked
from schemas.base import EventData
from services.badges import domain
from services.badges.domain import BadgeContent, DelegateRecord
from services.badges.ports import BadgeDeps, BadgeUnit
from services.common.auth import sign

log = logging.getLogger("congress.badges.commands")

Prerendered = Mapping[BadgeContent, bytes]
"""Badges rendered before the transaction, by what they show without their QR token (``unsigned``): a token
carries the second it was signed, so the command's own would rarely equal the one rendered a moment before,
and any genuine token of the same version checks in. A badge not in it is rendered when needed."""

NOTHING_PRERENDERED: Prerendered = {}


def badge_content(record: DelegateRecord, secret: str) -> BadgeContent:
    """What the record's badge shows, with its QR token (ids only, signed)."""
    payload = domain.qr_payload(record.delegate_id, record.version, record.congress_id)
    return record.badge(sign(secret, domain.QR_PURPOSE, payload))


def unsigned(record: DelegateRecord) -> BadgeContent:
    """What the record's badge shows, its QR token aside: the key of ``Prerendered``."""
    return record.badge("")


async def issue_badge(
    unit: BadgeUnit,
    deps: BadgeDeps,
    record: DelegateRecord,
    *,
    previous: DelegateRecord | None,
    prerendered: Prerendered = NOTHING_PRERENDERED,
) -> list[EventData]:
    """Render, store and record the badge of ``record`` if the domain says it needs a new one."""
    badge = await unit.store.badge(record.delegate_id)
    if not domain.needs_badge(record, previous, badge):
        if badge is not None and not badge.revoked and record.version > badge.version:
            log.info("badge unchanged", extra={"delegate_id": record.delegate_id, "version": record.version})
        return []
    pdf = prerendered.get(unsigned(record))
    if pdf is None:
        pdf = await deps.renderer.render_badge(badge_content(record, deps.secret))
    stored = deps.store.put(pdf)
    await unit.store.record_badge(
        record.delegate_id, version=record.version, pdf=stored, now=deps.clock.now(), replaces=badge is not None
    )
    if badge is not None and badge.sha256 != stored.sha256:
        old = badge.sha256  # the replaced face is no one's badge any more: its file goes (it names the delegate)
        unit.after_commit(lambda: deps.store.delete(old))
    log.info(
        "badge issued", extra={"delegate_id": record.delegate_id, "version": record.version, "sha256": stored.sha256}
    )
    return [
        BadgeIssued(
            congress_id=record.congress_id,
            delegate_id=record.delegate_id,
            registration_version=record.version,
            pdf_sha256=stored.sha256,
            location=stored.location,
            email=record.email,
            badge_name=record.badge_name,
            language=record.language,
        ),
        *deps.text_alert(record),
    ]


async def revoke(unit: BadgeUnit, congress_id: str, delegate_id: str, reason: str) -> list[EventData]:
    """Revoke the delegate's valid badge (its QR code then shows "cancelled"); nothing if there is none."""
    if await unit.store.revoke_badge(delegate_id):
        return [BadgeRevoked(congress_id=congress_id, delegate_id=delegate_id, reason=reason)]
    return []
