"""Events of the audit context: who did what, to what, when and why.

Every organiser action, and every automatic action that changes money or personal data,
is recorded by the service that performed it as one ``OrganiserActed`` on
``congress.audit``, in the same unit of work as the action itself (so an action and its
record are committed together or not at all). The topic is kept forever. Records are
keyed by the subject they concern (a registration, an abstract, an account...), so one
subject's history is read in order from one partition.

Records name people by id, never by content: the actor is an organiser's account id (not their
address, so erasing the account leaves nothing of them here; readers show who it is from the
accounts on ``congress.organisers``), the subject is an id, and ``details`` holds figures, codes
and statuses, not names, addresses or free text about a delegate. The ``reason`` is the
organiser's own words where the action asks for one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from schemas.base import EventData


class ActorKind(StrEnum):
    ORGANISER = "organiser"
    """A signed-in organiser; ``actor`` is their account's id (``OrganiserAccountChanged.account_id``). Records made
    before the trail used ids hold the account's email: a value with ``@`` is one of those."""
    SYSTEM = "system"
    """A periodic job or a consumer; ``actor`` names the job, e.g. ``registration.expiry-sweep``."""
    DELEGATE = "delegate"
    """The person concerned, through their own link; ``actor`` is their delegate id."""
    STATION = "station"
    """An on-site badge station, under the token an organiser issued it; ``actor`` is the station id."""


class SubjectKind(StrEnum):
    REGISTRATION = "registration"
    DELEGATE = "delegate"
    """A delegate as the badge desk knows them (their badge, documents and check-in); the id is the delegate id."""
    ABSTRACT = "abstract"
    REVIEWER = "reviewer"
    ACCOUNT = "account"
    BADGE = "badge"
    STATION = "station"
    BROADCAST = "broadcast"
    PROGRAMME = "programme"
    EDITION = "edition"
    PERSON = "person"
    """A person known by email (an author or reviewer); the id is their pseudonym, never the address."""


DetailValue = str | int | float | bool | None


class OrganiserActed(EventData):
    """One action, recorded by the service that performed it."""

    context: ClassVar[str] = "audit"
    key_field: ClassVar[str] = "subject_id"

    audit_id: str = Field(description="Unique id of this record (a UUID).")
    at: datetime = Field(description="When the action was committed (UTC).")
    service: str = Field(description="The service that performed the action, e.g. `registration`.")
    actor_kind: ActorKind = Field(description="Who acted: an organiser, the system, the delegate or a station.")
    actor: str = Field(
        description="Who acted, by `actor_kind`: organiser — the account id (`account_id` on `congress.organisers`; "
        "never the address, so an erased account leaves nothing here; a value with `@` is an address recorded "
        "before ids were used); system — the job's name; delegate — the delegate id; station — the station id "
        "(`organiser:<account id>` for an organiser signed in at the desk)."
    )
    action: str = Field(
        pattern=r"^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$",
        description="Dotted name, service first, e.g. `registration.refund`, `abstracts.decision.release`.",
    )
    subject_kind: SubjectKind = Field(description="What kind of thing `subject_id` names.")
    subject_id: str = Field(description="Id of what the action concerns (registration/delegate id, abstract id...).")
    delegate_id: str | None = Field(
        default=None, description="The delegate concerned, where there is one (for a delegate's history)."
    )
    reason: str | None = Field(default=None, max_length=1000, description="The organiser's reason, where asked.")
    details: dict[str, DetailValue] = Field(
        default_factory=dict,
        description="Figures, codes and statuses (amount in minor units and currency, old and new status...); "
        "never names, addresses or free text about a person.",
    )
