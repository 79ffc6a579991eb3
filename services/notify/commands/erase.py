"""Erasing a delegate (a tombstone on ``congress.delegates``): notify forgets what it keeps about them."""

from __future__ import annotations

from collections.abc import Sequence

from services.common.keyring import person_ref
from services.notify.ports import NotifyUnit, Units


async def forget_delegates(units: Units, delegate_ids: list[str]) -> None:
    """Erasure (a tombstone on the delegate topic): drop the contacts and reminders, blank the ledger's addresses."""
    async with units() as unit:
        await unit.forget_delegates(delegate_ids)


async def forget_person(unit: NotifyUnit, secret: str, ref: str, submitted: Sequence[str] = ()) -> int:
    """A person known by address erased (abstracts' ``AuthorErased``, or the delegate's ``RegistrationErased``),
    by pseudonym ``ref``: notify forgets their address and shreds its keys for them; ``submitted``: the abstracts
    they submitted, whose submitter name notify forgets."""
    return await unit.forget_person(lambda email: person_ref(secret, email) == ref, submitted, ref)
