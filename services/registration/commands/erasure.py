"""Erasing a delegate's personal data (GDPR right to erasure), on an organiser's request.

Refused while money is still to be settled -- an unpaid invoice (the registration's own or
an add-on's), a refund Stripe has not yet made, or a paid registration that is not cancelled
(cancel and refund first) -- because the books need to know who owes or is owed. Otherwise, in one transaction: a live
(unpaid card or waived) registration is cancelled first (its places freed), names,
badge name, affiliation, email and the override reason are blanked, it leaves every waiting
list, the roles the call for papers earned its email (and the note of which roles it gave
this registration) are forgotten,
``RegistrationErased`` goes on ``congress.registration`` and a tombstone for the
delegate's key on the compacted ``congress.delegates``. Kept: number, category, country,
amounts and payment references, and the institution's invoice details (bookkeeping law).
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from schemas.delegates import DelegateSnapshot
from schemas.registration import RegistrationErased
from schemas.values import PaymentMethod
from services.registration.adapters import applied_roles, db, db_tasks, earned_roles
from services.registration.commands import manage, stripe_tasks
from services.registration.commands.records import Deps, NotAllowed, Row, ids
from services.registration.domain.roles import email_key

log = logging.getLogger("congress.registration.erasure")
ERASED = "(erased)"


async def erase(deps: Deps, registration_id: str, organiser: str) -> None:
    async with deps.sessionmaker.begin() as session:
        row = await db.get(session, registration_id, for_update=True)
        if row is None:
            raise NotAllowed("no such registration")
        await _refuse_if_unsettled(session, row)
        if row["status"] not in manage.ENDED:
            row = await manage.cancel_row(deps, session, row, by="organiser", reason="personal data erased")
        await _blank(deps, session, row, organiser)
    await stripe_tasks.run(deps, stripe_tasks.queued(session))
    log.info("personal data erased", extra={"registration_id": registration_id, "organiser": organiser})


async def _refuse_if_unsettled(session: AsyncSession, row: Row) -> None:
    if row["given_name"] == ERASED:
        raise NotAllowed("this delegate's personal data is already erased")
    live = row["status"] not in manage.ENDED
    if live and row["payment_method"] == PaymentMethod.INVOICE.value and not row["paid"]:
        raise NotAllowed("the invoice is unpaid: mark it paid or cancel the registration before erasing")
    if live and row["paid"] and row["total_minor"] > 0:
        raise NotAllowed("the registration is paid: cancel (and refund) it before erasing")
    if any(c["registration_id"] == row["id"] for c in await db.charges_of(session, row["payer_id"], status="open")):
        raise NotAllowed("an add-on payment is still open: settle it before erasing")
    if await db_tasks.pending_refunds(session, registration_id=row["id"]):
        raise NotAllowed("a refund is still pending with Stripe: erase once it is made")


async def _blank(deps: Deps, session: AsyncSession, row: Row, organiser: str) -> None:
    now = deps.clock()
    version = row["version"] + 1
    await db.save(
        session,
        row["id"],
        now,
        given_name=ERASED,
        family_name=ERASED,
        badge_name=ERASED,
        affiliation=ERASED,
        email=f"erased+{row['id']}@invalid",
        income_group_reason=None,
        version=version,
    )
    await db.withdraw_waiting(session, row["id"])
    await earned_roles.forget(session, email_key(row["email"]))
    await applied_roles.forget(session, row["id"])
    deps.outbox.add(
        session, RegistrationErased(**ids(deps, row), registration_version=version, erased_at=now, erased_by=organiser)
    )
    deps.outbox.add_raw(
        session, topic=DelegateSnapshot.topic(), key=row["delegate_id"].encode(), value=None, headers=[], event_id=""
    )
