"""Broadcasts through notify's consumer and sender (SQLite file, fake mailer): owed once, sent once, failures kept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from schemas.base import decode, new_event
from schemas.notify import NotificationFailed, NotificationSent
from schemas.registration import BroadcastRequested, RegistrationConfirmed
from services.common.outbox import outbox_table
from services.notify.adapters.broadcasts import owed
from services.notify.adapters.db import messages, pending
from services.notify.commands.broadcast import BroadcastSender
from services.notify.commands.erase import forget_delegates
from services.notify.commands.retry import RetryWorker
from tests.integration.notify.broadcasts import broadcast, confirmation
from tests.unit.notify.consumer_world import consumer_world, feed


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    async with consumer_world(tmp_path, (RegistrationConfirmed, BroadcastRequested)) as world:
        world["sender"] = BroadcastSender(world["notifier"], world["units"])
        yield world


async def published(world: dict[str, Any]) -> list[Any]:
    async with world["sessions"]() as session:
        return [decode(v).data for v in (await session.execute(select(outbox_table.c.value))).scalars()]


async def rows(world: dict[str, Any], table: Any) -> int:
    async with world["sessions"]() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


def broadcast_mail(world: dict[str, Any]) -> list[Any]:
    return [m for m in world["mailer"].messages() if m["X-Congress-Template"] == "broadcast"]


async def test_owed_once_sent_once_and_a_served_recipient_is_not_owed_again(world: dict[str, Any]) -> None:
    await feed(world, *(new_event(confirmation(n), "/tests") for n in range(3)))
    parts = [new_event(p, "/tests") for p in broadcast("b-1", range(3), part_size=2)]
    await feed(world, *parts, parts[0])  # a part twice in one batch
    assert await rows(world, owed) == 3 and broadcast_mail(world) == []  # the consumer sends nothing itself
    assert await world["sender"].send_owed() == 3
    await feed(world, *(new_event(p.data, "/tests") for p in parts))  # the same broadcast under new event ids
    assert await rows(world, owed) == 0
    assert await world["sender"].send_owed() == 0
    mail = broadcast_mail(world)
    assert sorted(m["To"].addresses[0].addr_spec for m in mail) == [f"delegate{n:04d}@example.org" for n in range(3)]
    assert [str(m["Subject"]) for m in mail] == ["Venue change", "Changement de lieu", "Neuer Ort"]
    sent = [e for e in await published(world) if isinstance(e, NotificationSent) and e.template == "broadcast"]
    assert {e.cause_event_id for e in sent} == {"b-1"} and len(sent) == 3


async def test_an_unknown_delegate_fails_for_good_with_a_dead_letter(world: dict[str, Any]) -> None:
    await feed(world, new_event(confirmation(0), "/tests"))
    await feed(world, *(new_event(p, "/tests") for p in broadcast("b-2", range(2), part_size=5)))
    assert await world["sender"].send_owed() == 2
    failed = [e for e in await published(world) if isinstance(e, NotificationFailed)]
    assert [(e.recipient_id, e.permanent, e.cause_event_id) for e in failed] == [("d-0001", True, "b-2")]
    async with world["sessions"]() as session:
        topics = list((await session.execute(select(outbox_table.c.topic))).scalars())
    assert topics.count("congress.deadletter") == 1
    assert await rows(world, owed) == 0 and await rows(world, messages) == 3  # confirmation, sent, failed


async def test_a_temporary_refusal_goes_to_the_retry_queue_and_is_sent_once_later(world: dict[str, Any]) -> None:
    await feed(world, new_event(confirmation(0), "/tests"))
    await feed(world, *(new_event(p, "/tests") for p in broadcast("b-3", range(1), part_size=5)))
    world["mailer"].refuse = 1
    assert await world["sender"].send_owed() == 1
    assert await rows(world, owed) == 0 and await rows(world, pending) == 1 and broadcast_mail(world) == []
    await RetryWorker(world["notifier"], world["units"]).work_due()
    assert len(broadcast_mail(world)) == 1 and await rows(world, pending) == 0
    await feed(world, *(new_event(p, "/tests") for p in broadcast("b-3", range(1), part_size=5)))
    assert await world["sender"].send_owed() == 0 and len(broadcast_mail(world)) == 1


async def test_an_erased_delegate_is_owed_nothing(world: dict[str, Any]) -> None:
    await feed(world, *(new_event(confirmation(n), "/tests") for n in range(2)))
    await feed(world, *(new_event(p, "/tests") for p in broadcast("b-4", range(2), part_size=5)))
    await forget_delegates(world["units"], ["d-0001"])
    assert await world["sender"].send_owed() == 1
    assert [m["To"].addresses[0].addr_spec for m in broadcast_mail(world)] == ["delegate0000@example.org"]
    assert not [e for e in await published(world) if isinstance(e, NotificationFailed)]
