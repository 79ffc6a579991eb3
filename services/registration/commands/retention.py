"""Retention: after the congress, registration removes each class of personal data it holds once the
edition's period for it (``privacy.retention``) has run out, and records what it removed.

- special needs (``special_needs_days``): every stored dietary and accessibility need is deleted;
- registrations (``registrations_days``): every registration not yet erased goes through the erasure path
  (``erasure.erase``: names and addresses blanked, ``RegistrationErased`` for the other services, the
  delegate's snapshot tombstoned). One that erasure refuses (money still owed or to refund) is kept and
  counted as ``kept``; the next pass tries it again.
- issued invoices (``invoices_days``, the host country's bookkeeping period): the institution's name, address,
  VAT id and purchase order kept on the registration for the tax authorities go; the invoice number, amounts
  and payment references stay (the books' totals, nobody named).

Each pass that removed something stages one ``RetentionApplied`` (on ``congress.audit``) with the counts.
The job runs under its lease (``services.common.jobs``); a second pass finds nothing left to remove and
records nothing, so several copies or a repeated pass take effect once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time

from schemas.privacy import DataClass, RetentionApplied
from services.common import audit
from services.registration.commands import erasure
from services.registration.commands.records import Deps, NotAllowed

log = logging.getLogger("congress.registration.retention")

ACTOR = audit.system("registration.retention")
"""Who erased a registration whose period ran out (``RegistrationErased.erased_by``, the audit record)."""


@dataclass(frozen=True)
class Swept:
    """What one pass removed: people's special needs, registrations erased, registrations kept for now."""

    special_needs: int = 0
    erased: int = 0
    kept: int = 0
    invoices: int = 0


def gone_from(deps: Deps, days: int) -> datetime:
    """The moment (local midnight, congress timezone) from which data kept ``days`` after the congress is gone."""
    day = deps.privacy.expires(deps.congress.ends_on, days)
    return datetime.combine(day, time(0), tzinfo=deps.congress.tz)


async def sweep(deps: Deps) -> Swept:
    """One retention pass (a periodic job)."""
    needs = await _special_needs(deps)
    erased, kept = await _registrations(deps)
    return Swept(needs, erased, kept, await _invoices(deps))


async def _invoices(deps: Deps) -> int:
    until = gone_from(deps, deps.privacy.retention.invoices_days)
    now = deps.clock()
    if now < until:
        return 0
    async with deps.units.begin() as tx:
        removed = await tx.privacy.remove_invoice_details()
        if removed:
            tx.stage(_applied(deps, DataClass.INVOICES, until, now, removed=removed))
    if removed:
        await deps.units.scrub()
    return removed


async def _special_needs(deps: Deps) -> int:
    until = gone_from(deps, deps.privacy.retention.special_needs_days)
    now = deps.clock()
    if now < until:
        return 0
    async with deps.units.begin() as tx:
        removed = await tx.privacy.remove_all_needs()
        if removed:
            tx.stage(_applied(deps, DataClass.SPECIAL_NEEDS, until, now, removed=removed))
    return removed


async def _registrations(deps: Deps) -> tuple[int, int]:
    until = gone_from(deps, deps.privacy.retention.registrations_days)
    now = deps.clock()
    if now < until:
        return 0, 0
    async with deps.units.read() as tx:
        due = await tx.privacy.unerased_ids()
    erased = kept = 0
    for registration_id in due:
        try:
            await erasure.erase(deps, registration_id, ACTOR, congress_over=True)
        except NotAllowed as exc:
            kept += 1
            log.info("retention kept a registration", extra={"registration_id": registration_id, "why": str(exc)})
        else:
            erased += 1
    if erased or kept:
        async with deps.units.begin() as tx:
            tx.stage(_applied(deps, DataClass.REGISTRATIONS, until, now, removed=erased, erased=erased, kept=kept))
    return erased, kept


def _applied(
    deps: Deps, data: DataClass, until: datetime, now: datetime, *, removed: int, erased: int = 0, kept: int = 0
) -> RetentionApplied:
    return RetentionApplied(
        edition_id=deps.congress.id,
        service="registration",
        data_class=data,
        removed=removed,
        people_erased=erased,
        kept=kept,
        expired_from=until.date(),
        swept_at=now,
    )
