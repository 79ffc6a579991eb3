"""Erasing a delegate (a tombstone on ``congress.delegates``): notify forgets what it keeps about them."""

from __future__ import annotations

from schemas.abstracts import AuthorErased
from services.common.keyring import person_ref
from services.notify.ports import NotifyUnit, Units


async def forget_delegates(units: Units, delegate_ids: list[str]) -> None:
    """Erasure (a tombstone on the delegate topic): drop the contacts and reminders, blank the ledger's addresses."""
    async with units() as unit:
        await unit.forget_delegates(delegate_ids)


async def forget_person(unit: NotifyUnit, secret: str, erased: AuthorErased) -> int:
    """An author, submitter or reviewer erased (abstracts' ``AuthorErased``): notify forgets their address."""
    return await unit.forget_person(lambda email: person_ref(secret, email) == erased.person_ref, erased.submitted)
