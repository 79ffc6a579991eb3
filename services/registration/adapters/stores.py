"""The SQL stores behind the ports (``ports.Registrations`` …): each wraps the session of one unit of work.

Thin by design: the queries live in the table modules beside them (``db``, ``db_tasks``, ``earned_roles``,
``applied_roles``, ``presentations``, ``magic_links``, ``listing``); these classes bind them to a session so
commands never hold one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from schemas.values import Role
from services.registration.adapters import (
    applied_roles,
    db,
    db_tasks,
    earned_roles,
    history,
    listing,
    magic_links,
    presentations,
)
from services.registration.adapters.rows import SEARCH_COLUMN, SEARCHED, columns, registration_of, search_text
from services.registration.domain.presenters import Presentation
from services.registration.domain.registration import Registration
from services.registration.domain.roles import Cause, EarnedRole
from services.registration.ports import Filters, Row, Task


class SqlRegistrations:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def take_seat(self, code: str) -> bool:
        return await db.take_seat(self.session, code)

    async def release_seat(self, code: str) -> None:
        return await db.release_seat(self.session, code)

    async def next_number(self, name: str) -> int:
        return await db.next_number(self.session, name)

    async def seat_counts(self) -> dict[str, tuple[int, int]]:
        return await db.seat_counts(self.session)

    async def get(self, registration_id: str, *, for_update: bool = False) -> Registration | None:
        row = await db.get(self.session, registration_id, for_update=for_update)
        return registration_of(row) if row is not None else None

    async def by_payer(self, payer_id: str, *, for_update: bool = False) -> list[Registration]:
        return [registration_of(row) for row in await db.by_payer(self.session, payer_id, for_update=for_update)]

    async def by_email(self, email: str) -> list[Registration]:
        return [registration_of(row) for row in await db.by_email(self.session, email)]

    async def save(self, registration_id: str, now: datetime, **values: Any) -> None:
        changed = columns(**values)
        if any(name in changed for name in SEARCHED):
            stored = await db.get(self.session, registration_id) or {}
            changed[SEARCH_COLUMN] = search_text(stored | changed)
        return await db.save(self.session, registration_id, now, **changed)

    async def waiting_entries(self, add_on_code: str, *, for_update: bool = False) -> list[Row]:
        return await db.waiting_entries(self.session, add_on_code, for_update=for_update)

    async def set_waiting(self, entry_id: int, status: str, expires: datetime | None = None) -> None:
        return await db.set_waiting(self.session, entry_id, status, expires)

    async def waiting_entry(self, entry_id: int) -> Row | None:
        return await db.waiting_entry(self.session, entry_id)

    async def offered_add_ons(self) -> list[str]:
        return await db.offered_add_ons(self.session)

    async def hold_until(self, payer_id: str) -> datetime | None:
        return await db.hold_until(self.session, payer_id)

    async def extend_hold(self, payer_id: str, until: datetime) -> None:
        return await db.extend_hold(self.session, payer_id, until)

    async def unpaid_card_payers(self, created_before: datetime) -> list[str]:
        return await db.unpaid_card_payers(self.session, created_before)

    async def add_charge(self, **values: Any) -> int:
        return await db.add_charge(self.session, **values)

    async def get_charge(self, charge_id: int) -> Row | None:
        return await db.get_charge(self.session, charge_id)

    async def charges_of(self, payer_id: str, *, status: str | None = None) -> list[Row]:
        return await db.charges_of(self.session, payer_id, status=status)

    async def set_charge(self, charge_id: int, **values: Any) -> None:
        return await db.set_charge(self.session, charge_id, **values)

    async def open_invoice_payers(self) -> set[str]:
        return await db.open_invoice_payers(self.session)

    async def offers_to(self, registration_id: str) -> list[Row]:
        return await db.offers_to(self.session, registration_id)

    async def withdraw_waiting(self, registration_id: str) -> None:
        return await db.withdraw_waiting(self.session, registration_id)

    async def live_by_addresses(self, keys: Iterable[str]) -> list[Registration]:
        return [registration_of(row) for row in await db.live_by_addresses(self.session, keys)]

    async def unpaid_invoice_payers(self, created_before: datetime) -> list[str]:
        return await db.unpaid_invoice_payers(self.session, created_before)

    async def holds_of(self, payer_ids: Iterable[str]) -> dict[str, datetime]:
        return await db.holds_of(self.session, payer_ids)

    async def mark_once(self, marker: str, now: datetime) -> bool:
        return await db.record_once(self.session, db.used_tokens, jti=marker, used_at=now)

    async def marked(self, marker: str) -> bool:
        return await db.was_recorded(self.session, db.used_tokens, jti=marker)

    async def record_stripe_event(self, event_id: str, kind: str, now: datetime) -> bool:
        return await db.record_once(self.session, db.stripe_events, event_id=event_id, type=kind, received_at=now)

    async def count_listed(self, filters: Filters) -> int:
        return await listing.count(self.session, filters)

    async def page_listed(self, filters: Filters, *, offset: int, limit: int) -> list[Registration]:
        return [registration_of(row) for row in await listing.page(self.session, filters, offset=offset, limit=limit)]

    async def countries(self) -> list[str]:
        return await listing.countries(self.session)

    async def waiting_of(self, registration_id: str) -> list[Row]:
        return await history.waiting_of(self.session, registration_id)

    async def history(self, delegate_id: str) -> list[Row]:
        return await history.history(self.session, delegate_id)


class SqlStripeTasks:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, **values: Any) -> int | None:
        return await db_tasks.add(self.session, **values)

    async def due(self, now: datetime, ids: Iterable[int] | None = None, limit: int = 50) -> list[Task]:
        return await db_tasks.due(self.session, now, ids, limit)

    async def claim(self, task: Task, now: datetime, lease_until: datetime) -> bool:
        return await db_tasks.claim(self.session, task, now, lease_until)

    async def finish(self, task_id: int, now: datetime, result: str) -> bool:
        return await db_tasks.finish(self.session, task_id, now, result)

    async def failed(self, task_id: int, retry_at: datetime, error: str) -> None:
        return await db_tasks.failed(self.session, task_id, retry_at, error)

    async def queued_key(self, key: str) -> bool:
        return await db_tasks.queued_key(self.session, key)

    async def pending_refunds(
        self, *, counting_only: bool = False, registration_id: str | None = None
    ) -> dict[str, int]:
        return await db_tasks.pending_refunds(
            self.session, counting_only=counting_only, registration_id=registration_id
        )

    async def pending_refund_tasks(self) -> list[Task]:
        return await db_tasks.pending_refund_tasks(self.session)

    async def paid_card_charges(self) -> list[Row]:
        return await db_tasks.paid_card_charges(self.session)

    async def of_registration(self, registration_id: str) -> list[Task]:
        return await db_tasks.of_registration(self.session, registration_id)


class SqlEarnedRoles:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def serialise_with_registering(self) -> None:
        return await earned_roles.serialise_with_registering(self.session)

    async def record(self, earned: Iterable[EarnedRole], now: datetime) -> list[EarnedRole]:
        return await earned_roles.record(self.session, earned, now)

    async def holders(self, cause: Cause) -> set[str]:
        return await earned_roles.holders(self.session, cause)

    async def drop(self, cause: Cause, keys: Iterable[str] | None = None) -> None:
        return await earned_roles.drop(self.session, cause, keys)

    async def forget(self, key: str) -> None:
        return await earned_roles.forget(self.session, key)

    async def roles_earned(self, keys: Iterable[str]) -> Mapping[str, set[Role]]:
        return await earned_roles.roles_earned(self.session, keys)

    async def registrations_of(self, keys: Iterable[str], ended: Iterable[str]) -> list[Registration]:
        return [registration_of(row) for row in await earned_roles.registrations_of(self.session, keys, ended)]


class SqlAppliedRoles:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, registration_id: str, roles: Iterable[Role], now: datetime) -> None:
        return await applied_roles.record(self.session, registration_id, roles, now)

    async def applied(self, registration_ids: Iterable[str]) -> dict[str, set[Role]]:
        return await applied_roles.applied(self.session, registration_ids)

    async def forget(self, registration_id: str, roles: Iterable[Role] | None = None) -> None:
        return await applied_roles.forget(self.session, registration_id, roles)


class SqlPresentations:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def remember(self, presentation: Presentation) -> None:
        return await presentations.remember(self.session, presentation)

    async def forget(self, abstract_id: str) -> None:
        return await presentations.forget(self.session, abstract_id)

    async def get(self, abstract_id: str) -> Presentation | None:
        return await presentations.get(self.session, abstract_id)

    async def all_presentations(self) -> list[Presentation]:
        return await presentations.all_presentations(self.session)

    async def forget_person(self, is_person: Callable[[str], bool]) -> int:
        return await presentations.forget_person(self.session, is_person)

    async def sent_notices(self) -> dict[str, set[str]]:
        return await presentations.sent_notices(self.session)

    async def record_notice(self, abstract_id: str, cause: str, event_id: str, now: datetime) -> None:
        return await presentations.record_notice(self.session, abstract_id, cause, event_id, now)

    async def confirmed_keys(self, keys: Iterable[str]) -> set[str]:
        return await presentations.confirmed_keys(self.session, keys)


class SqlMagicLinks:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sent_since(self, registration_id: str, since: datetime) -> int:
        return await magic_links.sent_since(self.session, registration_id, since)

    async def record(self, jti: str, registration_id: str, now: datetime) -> None:
        return await magic_links.record(self.session, jti, registration_id, now)
