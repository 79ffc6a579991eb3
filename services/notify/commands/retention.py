"""Retention in notify: the emails sent (the ledger's addresses and subjects) go ``privacy.retention.emails_days``
after the congress (issue 16, docs/privacy.md "Retention").

A pass blanks every ledger row still holding an address or subject, keeping its message id and status (so a
redelivered event still never sends twice), and stages one ``RetentionApplied`` (data class ``emails``) when it
blanked something; a second pass finds nothing and records nothing. The periodic job ``notify.retention``
runs under its lease. Contacts and reminders go with each delegate's erasure (``erase.py``).
"""

from __future__ import annotations

from datetime import datetime, time

from schemas.privacy import DataClass, RetentionApplied
from services.common import jobs
from services.common.congress import Congress
from services.common.privacy import Privacy
from services.notify.ports import Clock, Units


class EmailRetention:
    """The ``notify.retention`` job."""

    def __init__(self, units: Units, congress: Congress, privacy: Privacy, clock: Clock) -> None:
        self.units, self.congress, self.privacy, self.clock = units, congress, privacy, clock
        self.job = jobs.Job("notify.retention", self.sweep)

    @property
    def gone_from(self) -> datetime:
        """Local midnight (congress timezone) from which the emails' details are no longer kept."""
        day = self.privacy.expires(self.congress.ends_on, self.privacy.retention.emails_days)
        return datetime.combine(day, time(0), tzinfo=self.congress.tz)

    async def sweep(self) -> int:
        """One pass: how many ledger rows it blanked."""
        until, now = self.gone_from, self.clock()
        if now < until:
            return 0
        async with self.units() as unit:
            blanked = await unit.expire_messages()
            if blanked:
                unit.stage(
                    RetentionApplied(
                        edition_id=self.congress.id,
                        service="notify",
                        data_class=DataClass.EMAILS,
                        removed=blanked,
                        expired_from=until.date(),
                        swept_at=now,
                    )
                )
        return blanked
