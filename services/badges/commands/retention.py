"""Retention in badges: passport data (visa requests and the visa letters printing it) goes
``privacy.retention.passport_days`` after the congress, issued invoices' PDFs ``invoices_days`` after it (the tax
period; until then they are kept, also through an erasure) (issue 16, docs/privacy.md "Retention").

One pass blanks the passport name, number and nationality of every visa request still holding them and
deletes every visa letter PDF; when it blanked something it stages ``RetentionApplied`` (data class
``passport``). A second pass finds nothing left and records nothing. It runs as the periodic job
``badges.retention`` under its lease (``services.common.jobs``).
"""

from __future__ import annotations

from datetime import datetime, time

from schemas.privacy import DataClass, RetentionApplied
from services.badges.ports import BadgeDeps
from services.common.privacy import Privacy


def gone_from(deps: BadgeDeps, privacy: Privacy, days: int | None = None) -> datetime:
    """Local midnight (congress timezone) from which data kept ``days`` (passport data by default) is gone."""
    day = privacy.expires(deps.congress.ends_on, privacy.retention.passport_days if days is None else days)
    return datetime.combine(day, time(0), tzinfo=deps.congress.tz)


async def sweep(deps: BadgeDeps, privacy: Privacy) -> int:
    """One pass: how many visa requests' passport data and issued invoices' PDFs it removed."""
    return await _passports(deps, privacy) + await _invoices(deps, privacy)


async def _invoices(deps: BadgeDeps, privacy: Privacy) -> int:
    until, now = gone_from(deps, privacy, privacy.retention.invoices_days), deps.clock.now()
    if now < until:
        return 0
    async with deps.units.begin() as unit:
        removed, files = await unit.store.expire_invoices()
        if removed:
            unit.stage(
                RetentionApplied(
                    edition_id=deps.congress.id,
                    service="badges",
                    data_class=DataClass.INVOICES,
                    removed=removed,
                    expired_from=until.date(),
                    swept_at=now,
                )
            )
    for sha256 in files:  # after the commit, as for the visa letters
        deps.store.remove(sha256)
    return removed


async def _passports(deps: BadgeDeps, privacy: Privacy) -> int:
    until, now = gone_from(deps, privacy), deps.clock.now()
    if now < until:
        return 0
    async with deps.units.begin() as unit:
        blanked, letters = await unit.store.expire_passports()
        if blanked:
            unit.stage(
                RetentionApplied(
                    edition_id=deps.congress.id,
                    service="badges",
                    data_class=DataClass.PASSPORT,
                    removed=blanked,
                    expired_from=until.date(),
                    swept_at=now,
                )
            )
    for sha256 in letters:  # after the commit: a file is gone only once its request's data is
        deps.store.remove(sha256)
    return blanked
