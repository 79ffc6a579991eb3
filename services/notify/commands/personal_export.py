"""What notify holds about one person, for their export (docs/privacy.md "Export"): the emails sent to
them (template, subject, address, status, when) from the ledger."""

from __future__ import annotations

from typing import Any

from services.common.personal_export import Person
from services.notify.ports import Units


async def answer(units: Units, person: Person) -> dict[str, Any]:
    async with units() as unit:
        return {"emails": await unit.messages_to(person.delegate_id)}
