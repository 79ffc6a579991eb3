"""A personal value that arrives from outside is sealed whatever it looks like (``schemas.personal.Sealed``):
a delegate who types another person's token (read from a topic) into their name gets no one else's data."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from schemas import decode
from services.common.outbox import outbox_table
from tests.integration.registration.conftest import Service, delegate, register_and_pay


async def raw_delegates(service: Service) -> list[tuple[bytes, str, dict[str, Any]]]:
    """Each staged event that names a delegate: its value, its subject and its ``data.delegate`` as written."""
    async with service.runtime.engine.connect() as conn:
        values = (await conn.execute(select(outbox_table.c.value).order_by(outbox_table.c.id))).scalars().all()
    found = [(v, json.loads(v)) for v in values if v is not None]
    return [(v, e["subject"], e["data"]["delegate"]) for v, e in found if isinstance(e["data"].get("delegate"), dict)]


async def test_a_name_typed_as_another_delegates_token_is_sealed_afresh_and_opens_to_the_typed_text(
    offline: Service,
) -> None:
    await register_and_pay(offline, delegate(0))
    _, victim_id, victim = (await raw_delegates(offline))[0]
    token = victim["given_name"]
    assert token.startswith("k1.")  # sealed on the topic: what a reader of the topic could copy
    await register_and_pay(offline, delegate(1, given_name=token))
    value, carried = next((v, d) for v, subject, d in await raw_delegates(offline) if subject != victim_id)
    assert carried["given_name"] != token
    assert carried["given_name"].split(".")[1] == carried["family_name"].split(".")[1]  # the new delegate's key
    assert carried["given_name"].split(".")[1] != token.split(".")[1]
    opened = decode(value, offline.runtime.keyring.opener(final=True)).data.delegate  # type: ignore[attr-defined]
    assert opened.given_name == token and opened.given_name != "Aiko"
