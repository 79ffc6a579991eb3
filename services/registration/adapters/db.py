"""Registration's own tables and the few queries that must be atomic (seats, code uses, counters).

Seats and code uses are taken with a conditional ``UPDATE ... WHERE taken < capacity``:
on PostgreSQL the row lock makes a concurrent writer re-check the condition after the
first commits, on SQLite ``BEGIN IMMEDIATE`` serialises writers, so neither oversells.
Numbers come from a counter row updated in the caller's transaction, so a rolled-back
registration gives its number back: no gaps, no repeats.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.sql import Select
from sqlalchemy.sql.dml import ReturningUpdate, Update

from schemas.values import PaymentMethod
from services.common import jobs
from services.registration import ports
from services.registration.domain import registration as lifecycle
from services.registration.domain.registration import Status

metadata = MetaData()

TOTAL = ports.TOTAL

registrations = Table(
    "reg_registrations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("delegate_id", String(40), nullable=False, unique=True),
    Column("payer_id", String(40), nullable=False, index=True),
    Column("group_id", String(40), nullable=True),
    Column("number", String(40), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("paid", Boolean, nullable=False, default=False),
    Column("payment_method", String(16), nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("category", String(40), nullable=False),
    Column("income_group", String(20), nullable=False),
    Column("income_group_reason", Text, nullable=True),
    Column("given_name", Text, nullable=False),
    Column("family_name", Text, nullable=False),
    Column("badge_name", Text, nullable=False),
    Column("affiliation", Text, nullable=False),
    Column("country", String(2), nullable=False),
    Column("email", String(320), nullable=False, index=True),
    Column("language", String(20), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("add_ons", JSON, nullable=False),
    Column("code", String(40), nullable=True),
    Column("total_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("lines", JSON, nullable=False),
    Column("invoice", JSON, nullable=True),
    Column("invoice_number", String(40), nullable=True, unique=True),
    Column("checkout_session_id", String(200), nullable=True),
    Column("payment_reference", String(200), nullable=True),
    Column("refunded_minor", Integer, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("search_text", Text, nullable=False, default="", server_default=text("''")),
    Index("ix_reg_status_category", "status", "category"),
    Index("ix_reg_country", "country"),
    Index("ix_reg_created_at", "created_at"),
    Index("ix_reg_family_name", "family_name"),
)
"""``search_text`` is ``services.common.folding.search_key`` of the searchable fields (``rows.SEARCHED``), kept by the
store on every insert and every save that changes one of them; the indexes serve the organisers' list
(filters by status, category and country; sorted by number, date or name)."""
Index("ix_reg_email_lower", func.lower(registrations.c.email))
"""Addresses are matched case-insensitively (a second registration for a live address is refused)."""

capacity = Table(
    "reg_capacity",
    metadata,
    Column("code", String(60), primary_key=True),
    Column("capacity", Integer, nullable=False),
    Column("taken", Integer, nullable=False, default=0),
)

code_uses = Table(
    "reg_code_uses",
    metadata,
    Column("code", String(60), primary_key=True),
    Column("used", Integer, nullable=False, default=0),
)

counters = Table(
    "reg_counters",
    metadata,
    Column("name", String(60), primary_key=True),
    Column("value", Integer, nullable=False, default=0),
)

waiting_list = Table(
    "reg_waiting_list",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("add_on_code", String(60), nullable=False, index=True),
    Column("registration_id", String(40), nullable=False),
    Column("status", String(16), nullable=False),
    Column("offer_expires_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

stripe_events = Table(
    "reg_stripe_events",
    metadata,
    Column("event_id", String(100), primary_key=True),
    Column("type", String(100), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

used_tokens = Table(
    "reg_used_tokens",
    metadata,
    Column("jti", String(64), primary_key=True),
    Column("used_at", DateTime(timezone=True), nullable=False),
)


async def seed(engine: AsyncEngine, seats: dict[str, int], codes: Iterable[str], counter_names: Iterable[str]) -> None:
    """Create missing capacity, code and counter rows; a changed capacity in the config is applied.

    Copies of the service starting together seed one after the other (the second finds the rows)."""
    async with engine.begin() as conn:
        await jobs.one_at_a_time(conn, "registration.seed")
        have = {r.code: r.capacity for r in (await conn.execute(select(capacity.c.code, capacity.c.capacity)))}
        for code, seats_total in seats.items():
            if code not in have:
                await conn.execute(insert(capacity).values(code=code, capacity=seats_total, taken=0))
            elif have[code] != seats_total:
                await conn.execute(update(capacity).where(capacity.c.code == code).values(capacity=seats_total))
        used = set((await conn.execute(select(code_uses.c.code))).scalars())
        for code in codes:
            if code not in used:
                await conn.execute(insert(code_uses).values(code=code, used=0))
        named = set((await conn.execute(select(counters.c.name))).scalars())
        for name in counter_names:
            if name not in named:
                await conn.execute(insert(counters).values(name=name, value=0))


TAKE_SEAT = (
    update(capacity)
    .where(capacity.c.code == bindparam("seat_code"), capacity.c.taken < capacity.c.capacity)
    .values(taken=capacity.c.taken + 1)
)
"""Take one seat of ``seat_code`` if one is left (rowcount 0 when full). Built once: it runs per registration."""

TAKE_SEATS = (
    update(capacity)
    .where(
        capacity.c.code == bindparam("seat_code"),
        capacity.c.taken + bindparam("seats", type_=Integer) <= capacity.c.capacity,
    )
    .values(taken=capacity.c.taken + bindparam("seats", type_=Integer))
)
"""Take ``seats`` seats at once, all or none (a batch of registrations, or a group)."""

USE_CODE = update(code_uses).where(code_uses.c.code == bindparam("use_code")).values(used=code_uses.c.used + 1)
USE_CODE_LIMITED = USE_CODE.where(code_uses.c.used < bindparam("max_uses", type_=Integer))
"""Count one use of a discount code (rowcount 0 when its limit is reached)."""

ADVANCE_COUNTER = (
    update(counters)
    .where(counters.c.name == bindparam("counter_name"))
    .values(value=counters.c.value + bindparam("by", type_=Integer))
    .returning(counters.c.value)
)
"""Advance a gap-free counter by ``by``; returns the new (last) value."""


def seat_update(code: str, seats: int = 1) -> tuple[Update, dict[str, Any]]:
    if seats == 1:
        return TAKE_SEAT, {"seat_code": code}
    return TAKE_SEATS, {"seat_code": code, "seats": seats}


def code_use_update(code: str, max_uses: int | None) -> tuple[Update, dict[str, Any]]:
    if max_uses is None:
        return USE_CODE, {"use_code": code}
    return USE_CODE_LIMITED, {"use_code": code, "max_uses": max_uses}


def counter_update(name: str, by: int = 1) -> tuple[ReturningUpdate[tuple[int]], dict[str, Any]]:
    return ADVANCE_COUNTER, {"counter_name": name, "by": by}


async def take_seat(session: AsyncSession, code: str) -> bool:
    """Take one seat if one is left; False when full. Atomic under concurrency."""
    result = await session.execute(*seat_update(code))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def release_seat(session: AsyncSession, code: str) -> None:
    await session.execute(
        update(capacity).where(capacity.c.code == code, capacity.c.taken > 0).values(taken=capacity.c.taken - 1)
    )


async def use_code(session: AsyncSession, code: str, max_uses: int | None) -> bool:
    """Count one use of a discount code; False when its limit is reached."""
    result = await session.execute(*code_use_update(code, max_uses))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def next_number(session: AsyncSession, name: str) -> int:
    """The next value of a gap-free counter, in the caller's transaction."""
    result = await session.execute(*counter_update(name))
    return int(result.scalar_one())


async def record_once(session: AsyncSession, table: Table, **values: Any) -> bool:
    """Insert a marker row inside a savepoint; False if it was already there (a replay)."""
    try:
        async with session.begin_nested():
            await session.execute(insert(table).values(**values))
    except IntegrityError:
        return False
    return True


async def was_recorded(session: AsyncSession, table: Table, **values: Any) -> bool:
    """Whether ``record_once`` recorded a marker row with these values."""
    where = [table.c[name] == value for name, value in values.items()]
    return (await session.execute(select(table.c[next(iter(values))]).where(*where).limit(1))).first() is not None


async def seat_counts(session: AsyncSession) -> dict[str, tuple[int, int]]:
    rows = await session.execute(select(capacity.c.code, capacity.c.capacity, capacity.c.taken))
    return {r.code: (r.capacity, r.taken) for r in rows}


async def get(session: AsyncSession, registration_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
    stmt = select(registrations).where(registrations.c.id == registration_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).mappings().first()
    return dict(row) if row else None


async def by_payer(session: AsyncSession, payer_id: str, *, for_update: bool = False) -> list[dict[str, Any]]:
    stmt = select(registrations).where(registrations.c.payer_id == payer_id).order_by(registrations.c.number)
    if for_update:
        stmt = stmt.with_for_update()
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def by_email(session: AsyncSession, email: str) -> list[dict[str, Any]]:
    stmt = select(registrations).where(registrations.c.email == email).order_by(registrations.c.created_at)
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def save(session: AsyncSession, registration_id: str, now: datetime, **values: Any) -> None:
    await session.execute(
        update(registrations).where(registrations.c.id == registration_id).values(updated_at=now, **values)
    )


async def waiting_entries(session: AsyncSession, add_on_code: str, *, for_update: bool = False) -> list[dict[str, Any]]:
    stmt = (
        select(waiting_list)
        .where(waiting_list.c.add_on_code == add_on_code, waiting_list.c.status.in_(("waiting", "offered")))
        .order_by(waiting_list.c.id)
    )
    if for_update:
        stmt = stmt.with_for_update()
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def join_waiting_list(session: AsyncSession, add_on_code: str, registration_id: str, now: datetime) -> int:
    result = await session.execute(
        insert(waiting_list)
        .values(add_on_code=add_on_code, registration_id=registration_id, status="waiting", created_at=now)
        .returning(waiting_list.c.id)
    )
    return int(result.scalar_one())


async def set_waiting(session: AsyncSession, entry_id: int, status: str, expires: datetime | None = None) -> None:
    await session.execute(
        update(waiting_list).where(waiting_list.c.id == entry_id).values(status=status, offer_expires_at=expires)
    )


async def waiting_entry(session: AsyncSession, entry_id: int) -> dict[str, Any] | None:
    row = (await session.execute(select(waiting_list).where(waiting_list.c.id == entry_id))).mappings().first()
    return dict(row) if row else None


async def offered_add_ons(session: AsyncSession) -> list[str]:
    stmt = select(waiting_list.c.add_on_code).where(waiting_list.c.status == "offered").distinct()
    return list((await session.execute(stmt)).scalars())


payment_holds = Table(
    "reg_payment_holds",
    metadata,
    Column("payer_id", String(40), primary_key=True),
    Column("hold_until", DateTime(timezone=True), nullable=False),
)
"""A card payer's hold extended past ``created_at + payment_hold_minutes`` (a Checkout started late)."""

charges = Table(
    "reg_charges",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("registration_id", String(40), nullable=False, index=True),
    Column("payer_id", String(40), nullable=False, index=True),
    Column("add_on_code", String(60), nullable=False),
    Column("waiting_entry", Integer, nullable=True),
    Column("amount_minor", Integer, nullable=False),
    Column("method", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("invoice_number", String(40), nullable=True, unique=True),
    Column("checkout_session_id", String(200), nullable=True),
    Column("reference", String(200), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
"""Money asked for after registering (a priced add-on taken from the waiting list): open, paid, lapsed, refunded."""


async def hold_until(session: AsyncSession, payer_id: str) -> datetime | None:
    stmt = select(payment_holds.c.hold_until).where(payment_holds.c.payer_id == payer_id)
    value = (await session.execute(stmt)).scalar_one_or_none()
    return value if isinstance(value, datetime) else None


async def extend_hold(session: AsyncSession, payer_id: str, until: datetime) -> None:
    if await hold_until(session, payer_id) is None:
        await session.execute(insert(payment_holds).values(payer_id=payer_id, hold_until=until))
    else:
        await session.execute(
            update(payment_holds).where(payment_holds.c.payer_id == payer_id).values(hold_until=until)
        )


async def unpaid_card_payers(session: AsyncSession, created_before: datetime) -> list[str]:
    """Payers with a pending card registration made before ``created_before`` (candidates for expiry)."""
    stmt = (
        select(registrations.c.payer_id)
        .where(
            registrations.c.status == Status.PENDING.value,
            registrations.c.payment_method == PaymentMethod.CARD.value,
            registrations.c.paid.is_(False),
            registrations.c.created_at <= created_before,
        )
        .distinct()
    )
    return list((await session.execute(stmt)).scalars())


async def add_charge(session: AsyncSession, **values: Any) -> int:
    result = await session.execute(insert(charges).values(**values).returning(charges.c.id))
    return int(result.scalar_one())


async def get_charge(session: AsyncSession, charge_id: int) -> dict[str, Any] | None:
    row = (await session.execute(select(charges).where(charges.c.id == charge_id))).mappings().first()
    return dict(row) if row else None


async def charges_of(session: AsyncSession, payer_id: str, *, status: str | None = None) -> list[dict[str, Any]]:
    stmt = select(charges).where(charges.c.payer_id == payer_id).order_by(charges.c.id)
    if status:
        stmt = stmt.where(charges.c.status == status)
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def set_charge(session: AsyncSession, charge_id: int, **values: Any) -> None:
    await session.execute(update(charges).where(charges.c.id == charge_id).values(**values))


async def open_invoice_payers(session: AsyncSession) -> set[str]:
    """Payers with an add-on invoice still to be paid (their "mark invoice paid" stays offered)."""
    stmt = select(charges.c.payer_id).where(charges.c.status == "open", charges.c.method == "invoice").distinct()
    return set((await session.execute(stmt)).scalars())


async def offers_to(session: AsyncSession, registration_id: str) -> list[dict[str, Any]]:
    """Seats offered to this registration from a waiting list and not taken yet (each holds a seat)."""
    stmt = select(waiting_list).where(
        waiting_list.c.registration_id == registration_id, waiting_list.c.status == "offered"
    )
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def withdraw_waiting(session: AsyncSession, registration_id: str) -> None:
    """A registration that ends leaves every waiting list it was on."""
    await session.execute(
        update(waiting_list)
        .where(waiting_list.c.registration_id == registration_id, waiting_list.c.status == "waiting")
        .values(status="withdrawn")
    )


LIVE = sorted(status.value for status in lifecycle.LIVE)
"""Statuses of a registration that holds a place (the others: cancelled, expired)."""


def live_with_addresses(keys: Iterable[str]) -> Select[tuple[str]]:
    """Lower-cased addresses among ``keys`` (trimmed, lower-cased) that a live registration uses.

    Matched on ``lower(email)`` (indexed); SQLite folds only ASCII letters, PostgreSQL by its collation.
    """
    email = func.lower(registrations.c.email)
    return select(email).where(email.in_(sorted(set(keys))), registrations.c.status.in_(LIVE))


async def live_by_addresses(session: AsyncSession, keys: Iterable[str]) -> list[dict[str, Any]]:
    """Live registrations whose address is one of ``keys`` (trimmed, lower-cased), oldest first."""
    stmt = (
        select(registrations)
        .where(func.lower(registrations.c.email).in_(sorted(set(keys))), registrations.c.status.in_(LIVE))
        .order_by(registrations.c.created_at)
    )
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def unpaid_invoice_payers(session: AsyncSession, created_before: datetime) -> list[str]:
    """Payers of unpaid invoices made before ``created_before``, or whose hold was extended (hold candidates)."""
    unpaid = (
        registrations.c.status == Status.CONFIRMED.value,
        registrations.c.payment_method == PaymentMethod.INVOICE.value,
        registrations.c.paid.is_(False),
    )
    extended = select(payment_holds.c.payer_id)
    stmt = (
        select(registrations.c.payer_id)
        .where(*unpaid, (registrations.c.created_at <= created_before) | registrations.c.payer_id.in_(extended))
        .distinct()
    )
    return list((await session.execute(stmt)).scalars())


async def holds_of(session: AsyncSession, payer_ids: Iterable[str]) -> dict[str, datetime]:
    """Extended hold ends of these payers (those with none are absent)."""
    wanted = sorted(set(payer_ids))
    if not wanted:
        return {}
    stmt = select(payment_holds.c.payer_id, payment_holds.c.hold_until).where(payment_holds.c.payer_id.in_(wanted))
    return dict((await session.execute(stmt)).tuples().all())
