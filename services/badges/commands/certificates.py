"""Certificates of attendance: one per checked-in delegate, issued by an organiser after the congress."""

from __future__ import annotations

from datetime import date

from schemas.badges import DocumentKind
from services.badges.commands import audited
from services.badges.commands.documents import record_document
from services.badges.domain.documents import certificate_context
from services.badges.ports import BadgeDeps
from services.common.audit import Actor


async def issue_certificates(deps: BadgeDeps, *, today: date, actor: Actor) -> list[str]:
    """One certificate of attendance per checked-in delegate who has none yet; their numbers."""
    issued: list[str] = []
    async with deps.units.begin() as unit:
        for checkin in await unit.store.checkins():
            cause = f"certificate:{checkin.delegate_id}"
            record = await unit.store.delegate(checkin.delegate_id)
            if record is None or await unit.store.has_document(DocumentKind.CERTIFICATE, cause):
                continue
            number = await unit.store.next_number(DocumentKind.CERTIFICATE, f"{deps.congress.number_prefix}-CERT")
            context = certificate_context(deps.congress, record, number, checkin.checked_in_at, today)
            pdf = await deps.renderer.render_document("certificate", context)
            unit.stage(await record_document(unit, deps, record, DocumentKind.CERTIFICATE, number, cause, pdf))
            issued.append(number)
            delegate_id = checkin.delegate_id
            audited.note(
                deps, unit, "badges.certificate.issue", actor, delegate_id, delegate_id=delegate_id, document=number
            )
    return issued
