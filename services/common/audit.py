"""The audit trail's kernel: who acts (``Actor``), what may be recorded (``Action``, ``Catalogue``), and
``record``, which stages one ``OrganiserActed`` on the caller's unit of work.

A command records its action in the same unit of work as the change it makes (``UnitOfWork.stage``,
or a registration ``Tx``), so the action and its record commit together or not at all. The actor is a
plain value the web layer builds from the request's session (``organiser(account_id)``, which
``organiser_sessions.organiser_actor`` gives a route) or a periodic job names for itself
(``system("registration.invoice-holds")``); commands never read requests. An organiser is named by their
account's id, never their address, so erasing the account leaves nothing of them in the trail (decision 75);
pages show who it was from the account directory (``accounts.shown_actor``).

Each service declares its actions once, in a ``Catalogue`` (name, what it is done to, what it means);
``record`` refuses a name its catalogue does not hold, so the list in docs/audit.md (checked against
the catalogues by a test) is the whole list.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from schemas.audit import ActorKind, DetailValue, OrganiserActed, SubjectKind

__all__ = ["Action", "Actor", "Catalogue", "Stages", "organiser", "record", "station", "system"]


@dataclass(frozen=True)
class Actor:
    """Who acts: an organiser (their account's id), a job (its name), the delegate or a station (their id)."""

    kind: ActorKind
    name: str

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("an actor has a name")


def organiser(account_id: str) -> Actor:
    """The signed-in organiser, by their account's id (``organiser_sessions.organiser_actor``); an address is
    refused, so no caller can put one back on the trail."""
    if "@" in account_id:
        raise ValueError("an organiser is recorded by their account id, not their address")
    return Actor(ActorKind.ORGANISER, account_id.strip())


def station(station_id: str) -> Actor:
    """An on-site badge station (the desk acts under the token an organiser issued it)."""
    return Actor(ActorKind.STATION, station_id)


def system(job: str) -> Actor:
    """A periodic job or a consumer, named ``<service>.<job>`` as in ``services.common.jobs``."""
    return Actor(ActorKind.SYSTEM, job)


@dataclass(frozen=True)
class Action:
    """One kind of audited action: its dotted name, the kind of subject it is done to, what it means."""

    name: str
    subject: SubjectKind
    meaning: str
    by: str = "an organiser"
    """Who takes it, in words, for docs/audit.md: ``"the system"`` for a job or a consumer acting by itself."""


class Catalogue:
    """A service's audited actions, by name; what ``record`` accepts and docs/audit.md lists."""

    def __init__(self, service: str, *actions: Action) -> None:
        self.service = service
        self._actions = {a.name: a for a in actions}
        if len(self._actions) != len(actions):
            raise ValueError(f"{service}: an audit action is declared twice")
        strays = [a.name for a in actions if not a.name.startswith(f"{service}.")]
        if strays:
            raise ValueError(f"{service}: audit actions must start with the service's name: {strays}")

    def __getitem__(self, name: str) -> Action:
        try:
            return self._actions[name]
        except KeyError:
            raise KeyError(f"{name!r} is not an audit action of {self.service}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._actions

    def __iter__(self) -> Iterator[Action]:
        return iter(self._actions.values())


class Stages(Protocol):
    """Anything events are staged on in a unit of work (``UnitOfWork``, a service's ``Tx``)."""

    def stage(self, data: OrganiserActed) -> object: ...


def record(
    stages: Stages,
    catalogue: Catalogue,
    name: str,
    actor: Actor,
    subject_id: str,
    *,
    at: datetime,
    delegate_id: str | None = None,
    reason: str | None = None,
    details: Mapping[str, DetailValue] | None = None,
) -> OrganiserActed:
    """Stage one audit record for ``name`` done by ``actor`` to ``subject_id``; it commits with the action.

    ``details`` holds figures, codes and statuses only (never names, addresses or free text about a
    person); ``reason`` is the organiser's own words where the action asks for one.
    """
    action = catalogue[name]
    event = OrganiserActed(
        audit_id=str(uuid.uuid4()),
        at=at,
        service=catalogue.service,
        actor_kind=actor.kind,
        actor=actor.name,
        action=action.name,
        subject_kind=action.subject,
        subject_id=subject_id,
        delegate_id=delegate_id,
        reason=reason.strip() or None if reason else None,
        details=dict(details or {}),
    )
    stages.stage(event)
    return event
