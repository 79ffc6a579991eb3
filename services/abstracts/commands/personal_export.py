"""What abstracts holds about one person, for their export (docs/privacy.md "Export"): every abstract
they authored or submitted (matched by email address, case-insensitively), with its status and the
privacy notice version its form showed."""

from __future__ import annotations

from typing import Any

from services.abstracts.commands.context import Deps
from services.common.personal_export import Person


async def answer(deps: Deps, person: Person) -> dict[str, Any]:
    wanted = person.email.strip().lower()
    async with deps.units.reading() as unit:
        mine = [
            a
            for a in await unit.abstracts.listing()
            if wanted == a.submitter_email.lower() or any(wanted == au.email.lower() for au in a.authors)
        ]
        notices = {a.id: await unit.notices.shown(a.id) for a in mine}
    return {
        "abstracts": [
            {
                "reference": a.reference,
                "title": a.title,
                "status": str(a.status),
                "network": a.network,
                "format": str(a.format),
                "submitted_at": a.submitted_at.isoformat(),
                "authors": [au.model_dump() for au in a.authors],
                "you_submitted_it": a.submitter_email.lower() == wanted,
                "privacy_notice": _notice(notices[a.id]),
            }
            for a in mine
        ]
    }


def _notice(shown: tuple[str, str] | None) -> dict[str, str] | None:
    return {"version": shown[0], "language": shown[1]} if shown else None
