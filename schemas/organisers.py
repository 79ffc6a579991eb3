"""Events of the organisers context: the organiser accounts, as their owner (notify) keeps them.

Organiser accounts live in notify's database (docs/ARCHITECTURE.md, decision 37). Every other
service learns them from the compacted ``congress.organisers`` topic: an
``OrganiserAccountChanged`` snapshot after every change, keyed by the account id, which a
service reads from the start into memory and checks on every organiser request. A snapshot
never carries the password hash: only notify signs accounts in. An invitation
(``OrganiserInvited``) carries its set-password link sealed for notify alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from schemas.access import LinkSentFields
from schemas.base import EventData


class OrganiserAccountChanged(EventData):
    """Emitted by notify after every change to an organiser account (invited, password set, roles or
    networks changed, deactivated, reactivated), with the account's whole current state."""

    context: ClassVar[str] = "organisers"
    key_field: ClassVar[str] = "account_id"

    account_id: str = Field(description="The account's id; the Kafka key.")
    email: str = Field(description="The organiser's address (how they sign in), lower case.")
    full_name: str = Field(description="The organiser's name, as they gave it.")
    roles: list[str] = Field(
        description="Roles held: admin, programme_chair, convener, finance, desk, viewer (docs/roles.md).",
        examples=[["programme_chair"], ["admin", "finance"]],
    )
    networks: list[str] = Field(
        default_factory=list, description="Network codes a convener acts for; empty for every other role."
    )
    active: bool = Field(description="False once deactivated: every session of the account is refused.")
    sessions_valid_after: datetime | None = Field(
        default=None,
        description="Sessions signed in before this moment (UTC) are refused, even if the account is active again.",
    )
    account_version: int = Field(description="Increases with every change; a service keeps the highest it has read.")


class OrganiserInvited(LinkSentFields):
    """Emitted by notify when an admin invites an organiser (or invites them again): notify mails the
    single-use, expiring link to set a password. Keyed by the invitation id, so compaction keeps it."""

    context: ClassVar[str] = "organisers"
