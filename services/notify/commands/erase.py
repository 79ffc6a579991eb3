"""Erasing a delegate (a tombstone on ``congress.delegates``): notify forgets what it keeps about them."""

from __future__ import annotations

from services.notify.ports import Units


async def forget_delegates(units: Units, delegate_ids: list[str]) -> None:
    """Erasure (a tombstone on the delegate topic): drop the contacts and reminders, blank the ledger's addresses."""
    async with units() as unit:
        await unit.forget_delegates(delegate_ids)
