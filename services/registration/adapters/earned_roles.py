"""Roles earned from the call for papers, kept by registration so a delegate who registers later gets them.

One row per (email key, role, cause): the cause is the accepted abstract's id for a presenter and
``abstract/reviewer`` for a reviewer (``roles.Cause``: ``ReviewerUnassigned`` names the reviewer's id,
not their email), so an organiser can see why someone holds a role, and the row goes when its cause
does (``drop``). The column keeps its old name, ``abstract_id``. The statements are built here and
executed by an async session (the abstracts consumer) or a sync connection (the group writer that
inserts registrations).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    PrimaryKeyConstraint,
    Select,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from schemas.values import Role
from services.registration import ports
from services.registration.adapters.db import counters, metadata, registrations
from services.registration.domain.roles import Cause, EarnedRole

earned_roles = Table(
    "reg_earned_roles",
    metadata,
    Column("email_key", String(320), nullable=False),
    Column("role", String(40), nullable=False),
    Column("abstract_id", String(64), nullable=False),
    Column("earned_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("email_key", "role", "abstract_id"),
)

REGISTRATION_COUNTER = ports.REGISTRATION_COUNTER


def roles_of_keys(keys: Iterable[str]) -> Select[tuple[str, str]]:
    """The roles earned by these email keys (rows of email_key, role)."""
    return select(earned_roles.c.email_key, earned_roles.c.role).where(earned_roles.c.email_key.in_(sorted(set(keys))))


def by_key(rows: Iterable[tuple[str, str]]) -> dict[str, set[Role]]:
    found: dict[str, set[Role]] = {}
    for key, role in rows:
        found.setdefault(key, set()).add(Role(role))
    return found


async def serialise_with_registering(session: AsyncSession) -> None:
    """Wait for registrations being written now, and hold new ones back until this transaction ends.

    Registering advances the registration-number counter, then reads the earned roles. Locking
    that counter row before recording a role means one of the two always sees the other, also
    under PostgreSQL's READ COMMITTED (on SQLite, ``BEGIN IMMEDIATE`` already serialises).
    Lock the registrations you will change BEFORE this: cancelling holds a registration and
    waits for the seat row a registering writer holds while it waits for this counter.
    """
    await session.execute(select(counters.c.value).where(counters.c.name == REGISTRATION_COUNTER).with_for_update())


async def record(session: AsyncSession, earned: Iterable[EarnedRole], now: datetime) -> list[EarnedRole]:
    """Insert the earned roles not recorded yet; returns those that are new."""
    wanted = list(dict.fromkeys(earned))
    if not wanted:
        return []
    have = set(
        (
            await session.execute(
                select(earned_roles.c.email_key, earned_roles.c.role, earned_roles.c.abstract_id).where(
                    tuple_(earned_roles.c.email_key, earned_roles.c.role, earned_roles.c.abstract_id).in_(
                        [(e.email_key, e.role.value, e.cause.source) for e in wanted]
                    )
                )
            )
        ).tuples()
    )
    new = [e for e in wanted if (e.email_key, e.role.value, e.cause.source) not in have]
    if new:
        rows = [{"email_key": e.email_key, "role": e.role.value, "abstract_id": e.cause.source} for e in new]
        await session.execute(insert(earned_roles), [r | {"earned_at": now} for r in rows])
    return new


def _of_cause(cause: Cause) -> Any:
    return (earned_roles.c.role == cause.role.value) & (earned_roles.c.abstract_id == cause.source)


async def holders(session: AsyncSession, cause: Cause) -> set[str]:
    """The email keys that earn a role from this cause (none: the cause never earned anything, or went before)."""
    return set((await session.execute(select(earned_roles.c.email_key).where(_of_cause(cause)))).scalars())


async def drop(session: AsyncSession, cause: Cause, keys: Iterable[str] | None = None) -> None:
    """The cause went (abstract withdrawn or rejected, reviewer unassigned): forget what it earned; with ``keys``,
    only for those emails (an organiser changed the abstract's people)."""
    where = _of_cause(cause)
    if keys is not None:
        where = where & earned_roles.c.email_key.in_(sorted(set(keys)))
    await session.execute(delete(earned_roles).where(where))


async def forget(session: AsyncSession, key: str) -> None:
    """Erasure: the roles earned by this email are forgotten with the rest of the delegate's data."""
    await session.execute(delete(earned_roles).where(earned_roles.c.email_key == key))


async def roles_earned(session: AsyncSession, keys: Iterable[str]) -> Mapping[str, set[Role]]:
    return by_key((await session.execute(roles_of_keys(keys))).tuples())


async def registrations_of(session: AsyncSession, keys: Iterable[str], ended: Iterable[str]) -> list[dict[str, Any]]:
    """Registrations not ended whose email matches one of ``keys`` (trimmed, case-insensitive), locked."""
    stmt = (
        select(registrations)
        .where(
            func.lower(func.trim(registrations.c.email)).in_(sorted(set(keys))),
            registrations.c.status.not_in(list(ended)),
        )
        .order_by(registrations.c.number)
        .with_for_update()
    )
    return [dict(r) for r in (await session.execute(stmt)).mappings()]
