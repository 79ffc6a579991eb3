"""notify killed in the middle of a broadcast and started again: every recipient gets the message, once.

A real notify process (real Kafka, SQLite, a real SMTP server) is SIGKILLed while it sends a
broadcast to 60 delegates, then started again:

* at ``notify-broadcast-after-record`` (after the 20th recipient's send *and* its record committed):
  every recipient has exactly one message;
* at ``notify-broadcast-after-smtp`` (after the 20th recipient's message was accepted by the server,
  before its record committed — the window no SMTP sender can close): that one recipient gets it a
  second time with the same Message-ID, every other recipient exactly once. This measures the window:
  one message per crash (a consumer batch, up to ``NOTIFY_BATCH_SIZE``, for event-driven mail);
* a plain SIGKILL from outside, three times while the mail flows: every recipient has it, with at
  most one duplicate per kill, always under the same Message-ID (printed).
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest

from schemas import topics
from services.devtools.processes import free_port
from tests.integration.notify.broadcasts import address, broadcast, confirmation
from tests.integration.notify.sink import RecordingSink
from tests.integration.notify.test_notify_crash import spawn, wait_up
from tests.kafka_helpers import eventually, publish

DELEGATES = 60
CRASH_AFTER = 20


def broadcast_mail(sink: RecordingSink, broadcast_id: str) -> list[EmailMessage]:
    return [m for m in sink.handler.snapshot() if str(m["X-Congress-Cause"]) == broadcast_id]


def per_recipient(messages: list[EmailMessage]) -> Counter[str]:
    return Counter(m["To"].addresses[0].addr_spec for m in messages)


def environment(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, sink_port: int, http_port: int
) -> dict[str, str]:
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": topic_prefix,
        "CONGRESS_HOME": str(tmp_path / "home"),
        "NOTIFY_SMTP_HOST": "127.0.0.1",
        "NOTIFY_SMTP_PORT": str(sink_port),
        "NOTIFY_EMBEDDED_SINK": "false",
        "NOTIFY_HTTP_PORT": str(http_port),
        "NOTIFY_GROUP_INSTANCE_ID": f"notify-{topic_prefix}",
        "NOTIFY_BROADCAST_POLL_SECONDS": "0.2",
    }


async def publish_broadcast(bootstrap: str, topic: str, broadcast_id: str, delegates: range) -> None:
    await publish(bootstrap, topic, broadcast(broadcast_id, delegates, part_size=25))


async def everyone_has_it(sink: RecordingSink, bootstrap: str, topic: str) -> None:
    everyone = {address(n) for n in range(DELEGATES)}
    await eventually(lambda: set(per_recipient(broadcast_mail(sink, "b-venue"))) == everyone, timeout=120)
    # The sender works the oldest first: once a later broadcast to one delegate has arrived, nothing is owed.
    await publish_broadcast(bootstrap, topic, "b-sentinel", range(1))
    await eventually(lambda: broadcast_mail(sink, "b-sentinel"), timeout=60)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("crash_at", ["notify-broadcast-after-record", "notify-broadcast-after-smtp"])
async def test_killed_mid_broadcast_each_recipient_once(
    crash_at: str, kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, report_figure: Callable[[str], None]
) -> None:
    topic = topic_prefix + topics.REGISTRATION
    http_port = free_port()
    log = tmp_path / "notify.log"
    with RecordingSink() as sink:
        env = environment(kafka_bootstrap, topic_prefix, tmp_path, sink.port, http_port)
        proc = spawn({**env, "CONGRESS_CRASH_AT": crash_at, "CONGRESS_CRASH_AFTER": str(CRASH_AFTER)}, log)
        try:
            await wait_up(http_port, proc)
            await publish(kafka_bootstrap, topic, [confirmation(n) for n in range(DELEGATES)])
            await eventually(lambda: len(sink.handler.snapshot()) == DELEGATES, timeout=120)
            await publish_broadcast(kafka_bootstrap, topic, "b-venue", range(DELEGATES))
            assert proc.wait(timeout=120) == -signal.SIGKILL, "notify did not reach the crash point"
            before = per_recipient(broadcast_mail(sink, "b-venue"))
            proc = spawn(env, log)
            await wait_up(http_port, proc)
            await everyone_has_it(sink, kafka_bootstrap, topic)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    mail = broadcast_mail(sink, "b-venue")
    counts = per_recipient(mail)
    twice = {addr: n for addr, n in counts.items() if n > 1}
    report_figure(
        f"notify broadcast crash at {crash_at} after {CRASH_AFTER}: {sum(before.values())} sent before the kill, "
        f"{len(mail)} messages to {len(counts)} recipients, received twice: {sorted(twice)}"
    )
    assert set(counts) == {address(n) for n in range(DELEGATES)}
    assert len({str(m["Message-ID"]) for m in mail}) == DELEGATES, "a resend must carry the same Message-ID"
    if crash_at == "notify-broadcast-after-record":
        assert twice == {}
    else:  # the message in flight at the kill, and only it, went twice
        assert sum(before.values()) == CRASH_AFTER
        assert list(twice.values()) == [2]


@pytest.mark.timeout(600)
async def test_sigkilled_three_times_while_a_broadcast_flows(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, report_figure: Callable[[str], None]
) -> None:
    topic = topic_prefix + topics.REGISTRATION
    http_port = free_port()
    log = tmp_path / "notify.log"
    kills = 3
    with RecordingSink() as sink:
        env = environment(kafka_bootstrap, topic_prefix, tmp_path, sink.port, http_port)
        proc = spawn(env, log)
        try:
            await wait_up(http_port, proc)
            await publish(kafka_bootstrap, topic, [confirmation(n) for n in range(DELEGATES)])
            await eventually(lambda: len(sink.handler.snapshot()) == DELEGATES, timeout=120)
            await publish_broadcast(kafka_bootstrap, topic, "b-venue", range(DELEGATES))
            for k in range(1, kills + 1):
                reached = k * DELEGATES // (kills + 1)

                def sent_so_far(r: int = reached) -> bool:
                    return len(broadcast_mail(sink, "b-venue")) >= r

                await eventually(sent_so_far, timeout=120)
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                proc = spawn(env, log)
                await wait_up(http_port, proc)
            await everyone_has_it(sink, kafka_bootstrap, topic)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    mail = broadcast_mail(sink, "b-venue")
    counts = per_recipient(mail)
    duplicates = sum(n - 1 for n in counts.values())
    report_figure(
        f"notify broadcast, {kills} SIGKILLs while {DELEGATES} messages flow: {len(mail)} messages, "
        f"{duplicates} duplicates (same Message-ID), bound {kills}"
    )
    assert set(counts) == {address(n) for n in range(DELEGATES)}
    assert len({str(m["Message-ID"]) for m in mail}) == DELEGATES
    assert duplicates <= kills
