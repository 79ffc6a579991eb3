"""From a registration row to the contract's value types and events (one place, so they always agree)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from schemas.delegates import DelegateSnapshot
from schemas.values import AddOn, Delegate, Money, PaymentMethod, Role
from services.common.congress import Congress
from services.common.db import as_utc as as_utc  # re-exported
from services.common.db import new_id as new_id
from services.common.db import utcnow as utcnow
from services.common.outbox import Outbox
from services.registration.adapters.writer import GroupWriter
from services.registration.config import RegistrationConfig
from services.registration.domain.pricing import IncomeGroup, PriceRules
from services.registration.ports import Payments
from services.registration.web.rate_limits import RateLimits

Row = dict[str, Any]


@dataclass
class Deps:
    """Everything a registration handler needs, built once by the composition root."""

    sessionmaker: async_sessionmaker[AsyncSession]
    outbox: Outbox
    congress: Congress
    config: RegistrationConfig
    rules: PriceRules
    income_table: dict[str, IncomeGroup]
    payments: Payments
    secret: str
    public_url: str
    clock: Callable[[], datetime] = field(default=utcnow)
    write_gate: asyncio.Lock | None = None
    """On SQLite, registrations queue here instead of in SQLite's sleeping busy handler (one writer anyway)."""
    writer: GroupWriter | None = None
    """On a SQLite file, registrations are group-committed by this writer (see ``writer.py``)."""
    doors: RateLimits | None = None
    """Rate limits on registering, quoting and sign-in links (``rate_limits.py``); None: not limited."""

    def writing(self) -> contextlib.AbstractAsyncContextManager[object]:
        return self.write_gate if self.write_gate is not None else contextlib.nullcontext()

    def money(self, amount_minor: int) -> Money:
        return Money(amount_minor=amount_minor, currency=self.congress.currency)


class RegistrationRejected(ValueError):
    """Input that cannot be registered; ``errors`` maps field paths (``delegates.0.code``) to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotAllowed(ValueError):
    """A command that the registration's state does not permit (e.g. refunding an unpaid one)."""


def delegate_of(deps: Deps, row: Row) -> Delegate:
    specs = deps.rules.add_ons
    return Delegate(
        delegate_id=row["delegate_id"],
        registration_number=row["number"],
        given_name=row["given_name"],
        family_name=row["family_name"],
        badge_name=row["badge_name"],
        affiliation=row["affiliation"],
        country=row["country"],
        email=row["email"],
        language=row["language"],
        category=row["category"],
        roles=tuple(Role(r) for r in row["roles"]),
        add_ons=tuple(AddOn(code=c, label=specs[c].label, kind=specs[c].kind) for c in row["add_ons"] if c in specs),
    )


def ids(deps: Deps, row: Row) -> dict[str, str]:
    return {"congress_id": deps.congress.id, "registration_id": row["id"], "delegate_id": row["delegate_id"]}


AnySession = AsyncSession | Session


def staging(session: AnySession) -> AsyncSession:
    """``Outbox.add`` only buffers rows in ``session.info`` (flushed by a sync ``Session`` event).

    So a sync ``Session`` (the group writer's, or ``run_sync``'s) stages events too.
    """
    return cast(AsyncSession, session)


def snapshot(deps: Deps, session: AnySession, row: Row) -> None:
    """Stage the delegate's whole current state on the compacted snapshot topic."""
    deps.outbox.add(
        staging(session),
        DelegateSnapshot(
            **ids(deps, row),
            registration_version=row["version"],
            status=row["status"],
            paid=row["paid"],
            payment_method=PaymentMethod(row["payment_method"]),
            delegate=delegate_of(deps, row),
        ),
    )
