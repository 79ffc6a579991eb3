"""What a batch needs before its handlers run: its reads in two statements, and the messages they will plan.

``read_batch`` fills the transaction's staged state (``adapters/staging.py``) with every
contact and ledger entry the batch's events can touch, so the handlers read nothing
themselves; ``plans_ahead`` plans the batch's messages exactly as the handlers will (the
contact each event leaves behind is what the next one sees), for ``SendAhead``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from schemas.abstracts import (
    AbstractDecided,
    AbstractsEvent,
    AbstractWithdrawn,
    ReviewerAssignedFields,
    ReviewerUnassigned,
)
from schemas.base import CloudEvent
from services.notify.adapters import db, staging
from services.notify.domain.abstracts import AbstractsSettings, Known, group_invitations, plan_abstract_messages
from services.notify.domain.programme import group_schedules
from services.notify.domain.rules import (
    RULES,
    MessagePlan,
    UnknownRecipient,
    contact_from,
    message_id,
    newer_contact,
    plan_messages,
)


async def read_batch(
    session: AsyncSession,
    events: Sequence[CloudEvent[Any]],
    message_id_domain: str,
    abstracts: AbstractsSettings | None = None,
) -> staging.StagedWrites:
    """Read the batch's contacts and the ledger entries of its possible messages, one statement each."""
    writes = staging.staged(session)
    # One invitation per reviewer per batch: decided before anything is planned or sent.
    writes.invitations.update(group_invitations([(e.id, e.data) for e in events]))
    # One "you present" message per presenter per batch, likewise.
    writes.schedules.update(group_schedules([(e.id, e.data) for e in events]))
    ids = {d for e in events if isinstance(d := getattr(e.data, "delegate_id", None), str)}
    unread = ids - writes.contacts.keys()
    found = await db.load_contacts(session, unread)
    for delegate_id in unread:
        writes.contacts[delegate_id] = found.get(delegate_id)
    writes.stored |= found.keys()
    mids = {message_id(e.id, rule.template, message_id_domain) for e in events for rule in RULES.get(type(e.data), ())}
    if abstracts is not None:
        mids |= {p.message_id(message_id_domain) for e in events for p in abstracts_ahead(e, writes, abstracts)}
    unchecked = mids - writes.checked
    writes.known |= await db.known_messages(session, unchecked)
    writes.checked |= unchecked
    return writes


def plans_ahead(
    events: Sequence[CloudEvent[Any]],
    writes: staging.StagedWrites,
    links: Mapping[str, str],
    message_id_domain: str,
    abstracts: AbstractsSettings | None = None,
) -> list[tuple[str, MessagePlan]]:
    """The batch's messages not yet in the ledger, by Message-ID, in the order the handlers will send them."""
    contacts = dict(writes.contacts)
    out: dict[str, MessagePlan] = {}
    for event in events:
        data = event.data
        incoming = contact_from(data)
        if incoming is not None and newer_contact(contacts.get(incoming.delegate_id), incoming):
            contacts[incoming.delegate_id] = incoming
        if abstracts is not None and isinstance(data, AbstractsEvent):
            plans = abstracts_ahead(event, writes, abstracts)
        elif type(data) not in RULES:
            continue
        else:
            try:
                plans = plan_messages(data, event.id, contacts.get(data.delegate_id), links)
            except UnknownRecipient:
                continue
        for plan in plans:
            mid = plan.message_id(message_id_domain)
            if mid not in writes.known:
                out.setdefault(mid, plan)
    return list(out.items())


def abstracts_ahead(
    event: CloudEvent[Any], writes: staging.StagedWrites, settings: AbstractsSettings
) -> list[MessagePlan]:
    """An abstracts event's messages when they need nothing stored (those that do are sent by their handler)."""
    data = event.data
    if not isinstance(data, AbstractsEvent) or isinstance(
        data, (ReviewerUnassigned, AbstractDecided, AbstractWithdrawn)
    ):
        return []
    known = Known(invitations=writes.invitations.get(event.id)) if isinstance(data, ReviewerAssignedFields) else Known()
    return plan_abstract_messages(data, event.id, settings, known)
