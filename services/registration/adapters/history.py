"""What a registration page shows beside the registration: its waiting-list entries and its published history.

The history is read from the service's own outbox, which keeps every event it published on
``congress.registration`` (``sent_at`` set; the outbox's purge of old sent rows leaves this topic's,
``KEPT_TOPICS``, decision 76): the events keyed by the delegate, oldest first. Only
their type, time and a few fields that carry no personal data (version, changed fields, reason,
amount) leave this module, so an erased delegate's page shows what happened, not who they were.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from schemas import topics
from services.common.outbox import outbox_table
from services.registration.adapters.db import waiting_list

KEPT_TOPICS = (topics.REGISTRATION,)
"""Topics whose sent rows the history reads: the outbox's purge keeps them (``ServiceRuntime.outbox_kept_topics``)."""

SHOWN = ("version", "status", "changed_fields", "reason", "amount", "refund_id", "invoice_number", "add_on_code")
"""Fields of an event's data the history shows (none of them personal)."""


async def waiting_of(session: AsyncSession, registration_id: str) -> list[dict[str, Any]]:
    stmt = select(waiting_list).where(waiting_list.c.registration_id == registration_id).order_by(waiting_list.c.id)
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


def _entry(value: bytes) -> dict[str, Any]:
    event = json.loads(value)
    data = event.get("data") or {}
    return {
        "type": str(event.get("type", "")).removeprefix("congress.registration."),
        "time": str(event.get("time", "")),
        "data": {k: data[k] for k in SHOWN if data.get(k) not in (None, "", [])},
    }


async def history(session: AsyncSession, delegate_id: str) -> list[dict[str, Any]]:
    """The events published about this delegate on the registration topic, oldest first."""
    stmt = (
        select(outbox_table.c.value)
        .where(outbox_table.c.topic == topics.REGISTRATION, outbox_table.c.key == delegate_id.encode())
        .order_by(outbox_table.c.id)
    )
    return [_entry(value) for value in (await session.execute(stmt)).scalars() if value]
