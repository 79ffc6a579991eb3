"""A delegate's audit history: what organisers (and the system) did about them, in every service.

``keep`` is the audit consumer's command; ``of_registration`` answers the organisers' view of one
registration, newest first.
"""

from __future__ import annotations

from schemas.audit import OrganiserActed
from services.registration.commands.records import Deps, NotAllowed
from services.registration.ports import Tx

HISTORY_LIMIT = 500
"""The most records one registration's history shows (newest first)."""


async def keep(tx: Tx, record: OrganiserActed) -> bool:
    """Keep a record that names a delegate (once); False for one that names none or is kept already."""
    if not record.delegate_id:
        return False
    return await tx.history.keep(record)


async def of_registration(deps: Deps, registration_id: str, *, limit: int = HISTORY_LIMIT) -> list[OrganiserActed]:
    """The history of the registration's delegate, newest first (``NotAllowed`` for an unknown registration)."""
    async with deps.units.read() as tx:
        row = await tx.registrations.get(registration_id)
        if row is None:
            raise NotAllowed("no such registration")
        return await tx.history.of_delegate(row.delegate_id, limit=limit)
