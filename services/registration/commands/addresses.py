"""One live registration per email address; a second attempt tells the address's owner instead.

Registering with an address that already has a live registration (pending or confirmed) creates
nothing: the request is refused with the same words whoever makes it ("we have sent a message
to this address") and the existing registration's address gets ``RegistrationAttemptedForExistingAddress``
(notify mails a notice saying how to manage the registration; no sign-in link travels in it). The
notice goes at most once an hour per registration, so repeated attempts do not flood an inbox.

The check is made in the registration's own transaction after the registration-number counter
is locked (``handlers._write_batch``), so two concurrent registrations with one address cannot
both pass it; registrations queued in one batch are checked against each other too. Addresses are
matched trimmed and lower-cased (``roles.email_key``; SQLite's ``lower`` folds ASCII letters only).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from schemas.registration import RegistrationAttemptedForExistingAddress
from services.registration.commands.records import Deps, RegistrationRejected, ids
from services.registration.domain import roles

log = logging.getLogger("congress.registration.addresses")
NOTIFIED = "We have sent a message to this address: it says how to go on."
"""What the person registering sees beside the address, whether or not it was registered before."""


class AddressInUse(Exception):
    """Delegates (by their index in the request) whose address has a live registration already."""

    def __init__(self, indexes: Sequence[int]) -> None:
        super().__init__(f"address already registered (delegates {list(indexes)})")
        self.indexes = tuple(indexes)


def refuse_repeats(emails: Sequence[str]) -> None:
    """Two delegates of one request may not share an address (``RegistrationRejected`` on the later ones)."""
    seen: set[str] = set()
    errors = {}
    for i, email in enumerate(emails):
        key = roles.email_key(email)
        if key in seen:
            errors[f"delegates.{i}.email"] = "Each delegate needs their own email address."
        seen.add(key)
    if errors:
        raise RegistrationRejected(errors)


def claim(emails: Sequence[str], taken: set[str]) -> None:
    """Claim these addresses for one registration in the batch, or ``AddressInUse`` if any is ``taken``."""
    keys = [roles.email_key(e) for e in emails]
    clash = [i for i, key in enumerate(keys) if key in taken]
    if clash:
        raise AddressInUse(clash)
    taken.update(keys)


def notified(indexes: Iterable[int]) -> RegistrationRejected:
    """The refusal the person registering sees: the same words as for any address we wrote to."""
    return RegistrationRejected({f"delegates.{i}.email": NOTIFIED for i in indexes})


async def tell_owners(deps: Deps, emails: Iterable[str]) -> int:
    """Stage a notice for each live registration using one of ``emails`` (once an hour each); how many."""
    now = deps.clock()
    hour = int(now.timestamp() // 3600)
    told = 0
    async with deps.units.begin() as tx:
        latest = {
            roles.email_key(r.email): r for r in await tx.registrations.live_by_addresses(map(roles.email_key, emails))
        }
        for row in latest.values():
            if not await tx.registrations.mark_once(f"attempt:{row.id}:{hour}", now):
                continue  # told within this hour already
            tx.stage(
                RegistrationAttemptedForExistingAddress(
                    **ids(deps, row),
                    registration_number=row.number,
                    email=row.email,
                    language=row.language,
                    attempted_at=now,
                    sign_in_url=f"{deps.public_url}/sign-in",
                ),
            )
            told += 1
    log.info("registration refused: address already registered", extra={"notices": told})
    return told
