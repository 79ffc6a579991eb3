"""Reminding card payers who have not paid after a delay, once each.

Each reminder is its own short transaction: the ``reminded_at`` mark is taken conditionally
first (so two copies cannot both remind; the pass also runs under the ``notify.reminders``
lease), then the message goes through ``Notifier.deliver`` like every other: owed in that
transaction, and sent (``RetryWorker.send_one``) in one of its own once it has committed.
"""

from __future__ import annotations

from datetime import timedelta

from schemas.base import decode
from schemas.registration import RegistrationCreatedFields
from services.common import jobs
from services.notify.commands.dispatch import Notifier
from services.notify.commands.retry import RetryWorker
from services.notify.domain.delivery import Queued
from services.notify.domain.rules import reminder_plan
from services.notify.ports import Units


class Reminders:
    """Reminds delegates who chose to pay by card and have not paid after ``delay``."""

    def __init__(
        self, notifier: Notifier, units: Units, *, delay: timedelta, sender: RetryWorker, batch: int = 100
    ) -> None:
        self.notifier, self.units, self.delay, self.batch = notifier, units, delay, batch
        self.sender = sender
        self.job = jobs.Job("notify.reminders", self.remind_due)

    async def remind_due(self) -> int:
        n = self.notifier
        async with self.units() as unit:
            due = await unit.unpaid_due(n.clock() - self.delay, self.batch)
        reminded = 0
        for unpaid in due:
            owed: list[Queued] = []
            async with self.units() as unit:
                if not await unit.mark_reminded(unpaid.delegate_id, n.clock()):
                    continue
                contact = (await unit.load_contacts([unpaid.delegate_id])).get(unpaid.delegate_id)
                cause = decode(unpaid.event)
                if contact is None or not isinstance(cause.data, RegistrationCreatedFields):
                    continue
                for data in await n.deliver(unit, reminder_plan(contact, cause.id, cause.data), cause):
                    unit.stage(data)
                await unit.write_staged()
                owed = unit.owed
                reminded += 1
            for queued in owed:  # committed: send it now (a crash here leaves it queued for the retry pass)
                await self.sender.send_one(queued.record.message_id)
        return reminded
