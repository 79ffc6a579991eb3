"""The links an event carries sealed for notify, opened just before its message is rendered.

Producers seal the links that let a person in (``services.common.sealing``), so the topic holds no
usable secret; notify is their one reader. Templates never read a link from the event: they use
the names given here (``link``, ``payment_url``, ``accept_url``, ``portal_links``), opened from a
current event's sealed field or, for an older version still on a topic, taken from its clear one.
A seal that does not open (another secret, a damaged or moved value) fails that message for good.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemas.abstracts import ReviewerAssigned, ReviewerAssignedV2
from schemas.access import LinkSentFields
from schemas.registration import (
    MagicLinkRequested,
    MagicLinkRequestedV2,
    RegistrationCreated,
    RegistrationCreatedV2,
    WaitingListOffered,
    WaitingListOfferedV2,
)
from services.common.sealing import NOTIFY_LINK, unseal


def opened_links(secret: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """The clear links a message's context needs, from its ``event`` or its reviewer ``assignments``.

    Raises ``services.common.sealing.SealBroken`` when a sealed link does not open.
    """
    event = context.get("event")
    out: dict[str, Any] = {}
    if isinstance(event, MagicLinkRequestedV2):
        out["link"] = unseal(secret, NOTIFY_LINK, event.sealed_link, bound_to=event.registration_id)
    elif isinstance(event, MagicLinkRequested):
        out["link"] = event.link
    elif isinstance(event, RegistrationCreatedV2):
        sealed = event.sealed_payment_url
        out["payment_url"] = unseal(secret, NOTIFY_LINK, sealed, bound_to=event.registration_id) if sealed else None
    elif isinstance(event, RegistrationCreated):
        out["payment_url"] = event.payment_url
    elif isinstance(event, WaitingListOfferedV2):
        out["accept_url"] = unseal(secret, NOTIFY_LINK, event.sealed_accept_url, bound_to=event.registration_id)
    elif isinstance(event, WaitingListOffered):
        out["accept_url"] = event.accept_url
    elif isinstance(event, LinkSentFields):
        out["link"] = unseal(secret, NOTIFY_LINK, event.sealed_link, bound_to=event.subject_id)
    if "assignments" in context:
        out["portal_links"] = {a.abstract_id: _portal(secret, a) for a in context["assignments"]}
    return out


def _portal(secret: str, assigned: object) -> str:
    if isinstance(assigned, ReviewerAssignedV2):
        return unseal(secret, NOTIFY_LINK, assigned.sealed_portal_link, bound_to=assigned.reviewer_id)
    if isinstance(assigned, ReviewerAssigned):
        return assigned.portal_link
    return ""  # an assignment notify kept without its link (a ReviewerUnassigned's): none is shown
