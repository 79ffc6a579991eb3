"""What badges holds about one person, for their export (docs/privacy.md "Export"): their badge, the
documents issued to them (receipts, invoices, visa letters, certificates: kind, number, when), their
visa requests and their check-in."""

from __future__ import annotations

from typing import Any

from services.badges.ports import BadgeDeps
from services.common.personal_export import Person


async def answer(deps: BadgeDeps, person: Person) -> dict[str, Any]:
    async with deps.units.read() as store:
        badge = await store.badge(person.delegate_id)
        documents = await store.documents_of(person.delegate_id)
        visas = [v for v in await store.visa_requests() if v.delegate_id == person.delegate_id]
        checkin = await store.checkin(person.delegate_id)
    return {
        "badge": {"version": badge.version, "revoked": badge.revoked} if badge else None,
        "documents": documents,
        "visa_requests": [
            {
                "passport_name": v.passport_name,
                "nationality": v.nationality,
                "passport_number": v.passport_number,
                "arrival": v.arrival.isoformat(),
                "departure": v.departure.isoformat(),
                "status": str(v.status),
            }
            for v in visas
        ],
        "checked_in_at": checkin.checked_in_at.isoformat() if checkin else None,
    }
