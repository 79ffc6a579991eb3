"""Erasing a delegate's personal data (GDPR right to erasure), on an organiser's request.

Refused while money is still to be settled -- an unpaid invoice (the registration's own or
an add-on's), a refund Stripe has not yet made, or a paid registration that is not cancelled
(cancel and refund first) -- because the books need to know who owes or is owed. Otherwise, in one transaction: a live
(unpaid card or waived) registration is cancelled first (its places freed), names,
badge name, affiliation, email and the override reason are blanked, it leaves every waiting
list, the roles the call for papers earned its email (and the note of which roles it gave
this registration) are forgotten,
``RegistrationErased`` goes on ``congress.registration`` and a tombstone for the
delegate's key on the compacted ``congress.delegates``, and registration's data keys for the delegate are
deleted (crypto-shredding, ``services.common.keyring``: their personal fields in every event registration
published read ``erased``). Kept: number, category, country, amounts and payment references, and the
issued invoice's details without its email (bookkeeping law; docs/privacy.md).
"""

from __future__ import annotations

import logging

from schemas.delegates import DelegateSnapshot
from services.common.audit import Actor
from services.registration.commands import audited, manage, stripe_tasks
from services.registration.commands.records import Deps, NotAllowed
from services.registration.domain import registration as lifecycle
from services.registration.domain.registration import ERASED as ERASED  # re-exported
from services.registration.domain.registration import Registration
from services.registration.domain.roles import email_key
from services.registration.ports import Tx

log = logging.getLogger("congress.registration.erasure")


async def check(deps: Deps, registration_id: str) -> None:
    """Whether the erasure would go ahead now (for the confirmation step); ``NotAllowed`` says why not."""
    async with deps.units.read() as tx:
        await _erasable(tx, registration_id)


async def _erasable(
    tx: Tx, registration_id: str, *, for_update: bool = False, congress_over: bool = False
) -> Registration:
    row = await tx.registrations.get(registration_id, for_update=for_update)
    if row is None:
        raise NotAllowed("no such registration")
    open_charges = await tx.registrations.charges_of(row.payer_id, status="open")
    lifecycle.check_erasable(
        row,
        open_charge=any(c["registration_id"] == row.id for c in open_charges),
        refund_pending=bool(await tx.tasks.pending_refunds(registration_id=row.id)),
        congress_over=congress_over,
    )
    return row


async def erase(deps: Deps, registration_id: str, actor: Actor, *, congress_over: bool = False) -> None:
    """Erase one registration's personal data; ``congress_over`` (retention, ``commands.retention``): a paid
    registration that was used is blanked as it is, without cancelling it first."""
    async with deps.units.begin() as tx:
        row = await _erasable(tx, registration_id, for_update=True, congress_over=congress_over)
        was_live = row.live and not congress_over
        if was_live:
            row = await manage.cancel_row(deps, tx, row, by="organiser", reason="personal data erased")
        await _blank(deps, tx, row, actor.name, congress_over=congress_over)
        audited.note(deps, tx, "registration.erase", actor, row, cancelled_first=was_live)
    await stripe_tasks.run(deps, tx.queued_tasks)
    await deps.units.scrub()
    log.info("personal data erased", extra={"registration_id": registration_id, "organiser": actor.name})


async def _blank(deps: Deps, tx: Tx, row: Registration, organiser: str, *, congress_over: bool = False) -> None:
    now = deps.clock()
    change = lifecycle.erase(row, deps.edition, now, organiser, congress_over=congress_over)
    erased = await manage.save(tx, change, now)
    await tx.registrations.withdraw_waiting(row.id)
    await tx.earned.forget(email_key(row.email))
    await tx.applied.forget(row.id)
    await tx.privacy.forget(row.id)  # consents and special needs (issue 16)
    await tx.agenda.forget(row.id)  # agenda marks and the calendar feed
    await tx.traces.forget(row.delegate_id)
    tx.stage_tombstone(DelegateSnapshot.topic(), erased.delegate_id)
    await tx.shred([erased.delegate_id])  # every personal field registration ever published about them
