"""notify's consumer handlers: each event, decoded once by the kernel's consumer, goes to one command.

The kernel's ``EventConsumer`` runs a batch in one transaction and calls, in order,
``begin_batch`` (read and plan the batch once), ``on_event`` for each event not yet in the
inbox, then ``end_batch`` (write what the handlers staged, explicitly, before the commit,
and tell the owed sender which messages the batch owes). Once the transaction has committed
the Kafka subscription calls ``committed`` (the owed messages are sent, each recorded in a
transaction of its own) or, if it failed, ``failed``. Each gets the unit of work of that
transaction from ``unit_for`` (wired by ``app.py``); nothing here touches the database itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from schemas.abstracts import AuthorErased
from schemas.base import CloudEvent, EventData
from schemas.registration import BroadcastRequested, RegistrationErased
from services.notify.commands import erase
from services.notify.commands.dispatch import Notifier
from services.notify.commands.owed import OwedSender
from services.notify.domain.abstracts import ABSTRACT_EVENTS
from services.notify.domain.links import LINK_EVENTS
from services.notify.domain.presenters import PRESENTER_EVENTS
from services.notify.domain.programme import PROGRAMME_EVENTS
from services.notify.domain.rules import CONTACT_EVENTS, RULES
from services.notify.ports import UnitFor

_KINDS = (*RULES, *CONTACT_EVENTS, *ABSTRACT_EVENTS, *PROGRAMME_EVENTS, *PRESENTER_EVENTS, *LINK_EVENTS)
EVENTS: tuple[type[EventData], ...] = tuple(dict.fromkeys((*_KINDS, BroadcastRequested)))
"""Every event notify handles (the others on its topics are ignored by the consumer)."""


@dataclass(frozen=True)
class Subscriptions:
    """The consumer's hooks and handler, each a thin call of a command on the transaction's unit of work."""

    notifier: Notifier
    unit_for: UnitFor
    owed: OwedSender
    secret: str = ""
    """The congress secret: a person erased by address is found by the pseudonym of each address kept."""

    def handlers(self, events: Sequence[type[EventData]] = EVENTS) -> dict[type[EventData], Any]:
        chosen: dict[type[EventData], Any] = dict.fromkeys(events, self.on_event)
        if self.secret:
            chosen[AuthorErased] = self.on_author_erased
            chosen[RegistrationErased] = self.on_registration_erased
        return chosen

    async def on_author_erased(self, event: CloudEvent[AuthorErased], transaction: object) -> list[EventData]:
        await erase.forget_person(self.unit_for(transaction), self.secret, event.data.person_ref, event.data.submitted)
        return []

    async def on_registration_erased(
        self, event: CloudEvent[RegistrationErased], transaction: object
    ) -> list[EventData]:
        """The delegate's erasure: the mail sent to their address is shredded too (sealed by their pseudonym),
        without waiting for abstracts' ``AuthorErased`` (the tombstone on the delegates topic does the rest)."""
        if event.data.person_ref:
            await erase.forget_person(self.unit_for(transaction), self.secret, event.data.person_ref, ())
        return []

    async def begin_batch(self, events: Sequence[CloudEvent[Any]], transaction: object) -> None:
        await self.notifier.begin_batch(events, self.unit_for(transaction))

    async def on_event(self, event: CloudEvent[Any], transaction: object) -> list[EventData]:
        return await self.notifier.handle(event, self.unit_for(transaction))

    async def end_batch(self, _events: Sequence[CloudEvent[Any]], transaction: object) -> None:
        unit = self.unit_for(transaction)
        await unit.write_staged()
        self.owed.hold(unit.owed)

    def committed(self) -> None:
        """The batch's transaction committed: send what it owes."""
        self.owed.release()

    def failed(self) -> None:
        """The batch's transaction did not commit: it owes nothing."""
        self.owed.discard()
