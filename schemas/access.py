"""A fresh link mailed in place of an expired one: what the abstracts and badges contexts share.

Registration mails its own links (``MagicLinkRequested`` v2). Here each context has one event,
``congress.<context>.LinkSent.v1``, keyed by what the link opens (a reviewer, an abstract, a
delegate); notify mails it. The link travels sealed for notify alone (``services.common.sealing``,
bound to ``subject_id``), and only ever to the address on record.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from schemas.base import EventData
from schemas.personal import PersonalStr


class AccessKind(StrEnum):
    """What a mailed link opens."""

    REVIEWER = "reviewer"
    """A reviewer's portal (abstracts)."""
    ABSTRACT_EDIT = "abstract-edit"
    """Revising or withdrawing one abstract (abstracts)."""
    VISA = "visa"
    """The form to ask for a visa invitation letter (badges)."""
    ORGANISER = "organiser"
    """Setting the password of an organiser account one was invited to (notify's accounts)."""


class LinkSentFields(EventData):
    """Emitted when a person asks for a new link because theirs expired; notify mails it to the address on
    record. Each context that issues such links has its own class on its own topic."""

    abstract: ClassVar[bool] = True
    key_field: ClassVar[str] = "subject_id"

    congress_id: str = Field(description="Edition, e.g. icsei-2027.")
    subject_id: str = Field(description="What the link opens (reviewer, abstract or delegate id); the Kafka key.")
    kind: AccessKind = Field(description="What kind of link it is.")
    email: PersonalStr = Field(description="Where it goes: the address on record, never one typed in.")
    recipient_name: PersonalStr = Field(default="", description="Name for the greeting, if known.")
    language: str = Field(default="en", description="Language of the email.")
    about: str = Field(default="", description="What it is about in words, e.g. an abstract's reference.")
    sealed_link: str = Field(description="The link, sealed for notify alone (AES-GCM, HKDF key), bound to subject_id.")
    expires_at: datetime = Field(description="When the new link stops working (UTC).")
