"""Claimed queued mail: a dead sender's claim runs out, and a late result never records a message twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from schemas.notify import NotificationSent
from services.notify.adapters.db import messages, pending
from services.notify.commands.retry import RetryWorker
from services.notify.domain.delivery import Delivery, Outcome
from tests.unit.notify.test_handlers import Rec, emitted, ev, world  # noqa: F401 -- world is a fixture

LEASE = 30.0


async def owed_but_not_released(w: dict[str, Any]) -> list[str]:
    """A batch committed, and its copy died before its sender took the mail: the rows are owed."""
    await w["consumer"].handle_batch([Rec(ev("registration_confirmed"))])
    owed = [q.record.message_id for q in w["subscriptions"].owed._held]
    w["subscriptions"].failed()  # this copy will not send them
    return owed


async def sent_events(w: dict[str, Any]) -> list[NotificationSent]:
    return [d for _, d in await emitted(w) if isinstance(d, NotificationSent)]


async def test_a_dead_senders_claim_runs_out_and_the_retry_pass_sends_the_message_once(
    world: dict[str, Any],  # noqa: F811 -- the fixture
) -> None:
    owed = await owed_but_not_released(world)
    dead = RetryWorker(world["notifier"], world["units"], claim_seconds=LEASE)
    assert [q.record.message_id for q in await dead.claim(owed)] == owed  # claimed, then the sender died
    retry = RetryWorker(world["notifier"], world["units"], claim_seconds=LEASE)
    assert await retry.work_due() == 0  # claimed: not due for anyone else
    world["clock"].now += timedelta(seconds=LEASE + 1)
    assert await retry.work_due() == 1
    assert await retry.work_due() == 0
    assert len(world["mailer"].accepted) == 1
    assert [s.message_id for s in await sent_events(world)] == owed
    async with world["sessions"]() as session:
        assert (await session.execute(select(pending))).all() == []


async def test_a_late_result_of_an_expired_claim_records_nothing_twice(world: dict[str, Any]) -> None:  # noqa: F811
    owed = await owed_but_not_released(world)
    slow = RetryWorker(world["notifier"], world["units"], claim_seconds=LEASE)
    [late] = await slow.claim(owed)
    world["clock"].now += timedelta(seconds=LEASE + 1)
    retry = RetryWorker(world["notifier"], world["units"], claim_seconds=LEASE)
    assert await retry.work_due() == 1  # the claim ran out: another sender sent and recorded it

    # the slow sender's answer comes in after all: sent, so nothing is left to record; a 4xx reschedules nothing
    assert await slow.recorder.record(late, Delivery(Outcome.SENT, "accepted", code=250)) == "sent"
    [again] = await slow.claim(owed) or [None]
    assert again is None
    assert [s.message_id for s in await sent_events(world)] == owed
    async with world["sessions"]() as session:
        assert (await session.execute(select(messages.c.message_id))).scalars().all() == owed


async def test_a_deferral_applies_only_while_the_claim_is_the_senders(world: dict[str, Any]) -> None:  # noqa: F811
    owed = await owed_but_not_released(world)
    first = RetryWorker(world["notifier"], world["units"], claim_seconds=LEASE)
    [stale] = await first.claim(owed)
    world["clock"].now += timedelta(seconds=LEASE + 1)
    second = RetryWorker(world["notifier"], world["units"], claim_seconds=LEASE)
    [current] = await second.claim(owed)
    assert await first.recorder.record(stale, Delivery(Outcome.TEMPORARY, "451 later")) == "deferred"
    async with world["sessions"]() as session:
        row = (await session.execute(select(pending.c.attempts, pending.c.last_error))).one()
    assert (row.attempts, row.last_error) == (0, current.last_error)  # the second sender's claim stands
    assert await second.recorder.record(current, Delivery(Outcome.TEMPORARY, "451 later")) == "deferred"
    async with world["sessions"]() as session:
        row = (await session.execute(select(pending.c.attempts, pending.c.last_error))).one()
    assert (row.attempts, row.last_error) == (1, "451 later")
