"""Which roles of a registration the call for papers put there, so only those are ever taken back.

``reg_applied_roles`` holds one row per (registration, role) that registration added because the
call for papers earned it: when it gave an earned role to a live registration
(``call_for_papers.grant_roles``) or to a new one as it was written (``handlers._write_batch``).
A role a registration held before (set by an organiser by hand, given by its category) gets no row,
so it is never taken back. A row goes when its role is taken back, and with an erased registration.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Column, DateTime, PrimaryKeyConstraint, String, Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from schemas.values import Role
from services.registration.adapters.db import metadata

applied_roles = Table(
    "reg_applied_roles",
    metadata,
    Column("registration_id", String(40), nullable=False),
    Column("role", String(40), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("registration_id", "role"),
)


async def record(session: AsyncSession, registration_id: str, roles: Iterable[Role], now: datetime) -> None:
    """The call for papers added these roles to the registration (rows already there are kept)."""
    have = (await applied(session, [registration_id])).get(registration_id, set())
    new = [{"registration_id": registration_id, "role": r.value, "applied_at": now} for r in set(roles) - have]
    if new:
        await session.execute(insert(applied_roles), new)


async def applied(session: AsyncSession, registration_ids: Iterable[str]) -> dict[str, set[Role]]:
    """The roles the call for papers put on each of these registrations."""
    stmt = select(applied_roles.c.registration_id, applied_roles.c.role).where(
        applied_roles.c.registration_id.in_(sorted(set(registration_ids)))
    )
    found: dict[str, set[Role]] = {}
    for rid, role in (await session.execute(stmt)).tuples():
        found.setdefault(rid, set()).add(Role(role))
    return found


async def forget(session: AsyncSession, registration_id: str, roles: Iterable[Role] | None = None) -> None:
    """Roles taken back (or, with ``roles=None``, the registration erased): their rows go."""
    stmt = delete(applied_roles).where(applied_roles.c.registration_id == registration_id)
    if roles is not None:
        stmt = stmt.where(applied_roles.c.role.in_([r.value for r in roles]))
    await session.execute(stmt)
