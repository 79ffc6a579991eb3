"""What every command shares: its dependencies (``Deps``), refusals, and staging a transition's events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from schemas.values import Delegate, Money
from services.common.congress import Congress
from services.common.db import as_utc as as_utc  # re-exported
from services.common.db import new_id as new_id
from services.common.db import utcnow as utcnow
from services.common.privacy import DEFAULT_PRIVACY, Privacy
from services.registration.config import RegistrationConfig
from services.registration.domain.pricing import IncomeGroup, PriceRules
from services.registration.domain.registration import Change, Edition, Registration
from services.registration.domain.registration import NotAllowed as NotAllowed  # re-exported
from services.registration.ports import ExportSources, Payments, Stages, Units, Writer
from services.registration.ports import Row as Row  # re-exported


@dataclass
class Deps:
    """Everything a registration command needs, built once by the composition root (``app.py``)."""

    units: Units
    """Units of work on the service's store (``adapters.units.SqlUnits``)."""
    writer: Writer
    """Registers: group-committed where the store allows (``adapters.units``)."""
    congress: Congress
    config: RegistrationConfig
    rules: PriceRules
    income_table: dict[str, IncomeGroup]
    payments: Payments
    secret: str
    public_url: str
    clock: Callable[[], datetime] = field(default=utcnow)
    exports: ExportSources | None = None
    """The other services' answers for a delegate's export (``adapters.export_sources``); None: this service's only."""
    privacy: Privacy = field(default=DEFAULT_PRIVACY)
    """The edition's privacy notice, special-needs permission and retention (``services.common.privacy``)."""

    def money(self, amount_minor: int) -> Money:
        return Money(amount_minor=amount_minor, currency=self.congress.currency)

    @property
    def edition(self) -> Edition:
        """What the domain's events need from the edition."""
        return Edition(self.congress.id, self.congress.currency, self.rules.add_ons)


class RegistrationRejected(ValueError):
    """Input that cannot be registered; ``errors`` maps field paths (``delegates.0.code``) to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def delegate_of(deps: Deps, row: Registration) -> Delegate:
    return row.delegate(deps.edition)


def ids(deps: Deps, row: Registration) -> dict[str, str]:
    return row.ids(deps.edition)


def snapshot(deps: Deps, tx: Stages, row: Registration) -> None:
    """Stage the delegate's whole current state on the compacted snapshot topic."""
    tx.stage(row.snapshot(deps.edition))


def stage(tx: Stages, change: Change) -> Registration:
    """Stage a transition's events; the registration as it now is."""
    for event in change.events:
        tx.stage(event)
    return change.registration
