"""Events of the notify context, emitted by services/notify for every message it sends or gives up on."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from schemas.base import EventData
from schemas.personal import Personal

ByRecipient = Annotated[str, Personal(person="to")]
"""Personal data of the message's recipient, sealed with the key of the person whose address is ``to`` (not the
event subject's): erasing an author, reviewer or delegate by their address shreds the mail sent to them."""


class NotifyEvent(EventData):
    abstract: ClassVar[bool] = True
    context: ClassVar[str] = "notify"
    key_field: ClassVar[str] = "recipient_id"

    recipient_id: str = Field(description="Delegate, author or reviewer id; the Kafka key.")
    template: str = Field(description="Template name, e.g. payment_confirmed.")
    cause_event_id: str = Field(description="Id of the event that caused the message.")
    message_id: str = Field(description="RFC 5322 Message-ID, derived from the cause.")
    abstract_id: str | None = Field(
        default=None, description="The abstract the message is about (authors' and reviewers' messages), else null."
    )


class NotificationSent(NotifyEvent):
    """Emitted when the SMTP server accepted a message."""

    to: ByRecipient = Field(description="Recipient address.")
    subject: ByRecipient = Field(description="Subject line as sent (it may name the person).")


class NotificationFailed(NotifyEvent):
    """Emitted when a message cannot be delivered (permanent SMTP failure, invalid address)."""

    to: ByRecipient = Field(description="Recipient address.")
    reason: ByRecipient = Field(description="Why, as the SMTP server or validator said (it may quote the address).")
    permanent: bool = Field(description="True for 5xx and invalid addresses.")
