"""notify killed with SIGKILL 20 times while 500 confirmations stream in: every delegate still gets mail.

The one window notify cannot close — killed after the SMTP server accepted a message
and before the transaction recording it committed — resends the message with the
same Message-ID. Mail is sent only after the batch that owes it committed, each message
recorded in a short transaction before its connection sends another (commands/owed.py), so a kill
resends at most the message being sent on each SMTP connection (one here), never a batch. The test
prints the duplicates and asserts that bound.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from schemas import topics
from schemas.registration import RegistrationConfirmed
from schemas.values import Delegate, Money, PaymentMethod
from services.devtools.processes import free_port
from tests.integration.notify.sink import RecordingSink
from tests.kafka_helpers import eventually, publish

DELEGATES = 500
KILLS = 20
SENDERS = 1
"""notify's SMTP connections (one, the strictest bound): each can have one message between "250" and its record."""
REPO = Path(__file__).resolve().parents[3]


def confirmation(n: int) -> RegistrationConfirmed:
    d = Delegate(
        delegate_id=f"d-{n:04d}",
        registration_number=f"ICSEI27-{n:05d}",
        given_name="Ана",
        family_name=f"Петровић {n}",
        badge_name=f"Ана {n}",
        affiliation="Univerzitet",
        country="RS",
        email=f"delegate{n:04d}@example.org",
        language="sr",
        category="member",
    )
    return RegistrationConfirmed(
        congress_id="icsei-2027",
        registration_id=f"r-{n}",
        delegate_id=d.delegate_id,
        registration_version=1,
        delegate=d,
        total=Money(amount_minor=42000, currency="EUR"),
        payment_method=PaymentMethod.CARD,
    )


def spawn(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "services.notify.app"], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
        )


async def wait_up(port: int, proc: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as client:

        async def up() -> bool:
            assert proc.poll() is None, "notify exited on its own"
            try:
                return (await client.get(f"http://127.0.0.1:{port}/healthz", timeout=1)).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(up, timeout=60, interval=0.1)


@pytest.mark.timeout(900)  # 21 starts of notify: 555-706 s under a load average of 11-27 on 2 cores
async def test_sigkill_twenty_times_every_delegate_gets_mail(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, report_figure: Callable[[str], None]
) -> None:
    rng = random.Random(20270105)
    http_port = free_port()
    log = tmp_path / "notify.log"
    with RecordingSink() as sink:
        env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "KAFKA_TOPIC_PREFIX": topic_prefix,
            "CONGRESS_HOME": str(tmp_path / "home"),
            "NOTIFY_SMTP_HOST": "127.0.0.1",
            "NOTIFY_SMTP_PORT": str(sink.port),
            "NOTIFY_EMBEDDED_SINK": "false",
            "NOTIFY_HTTP_PORT": str(http_port),
            "NOTIFY_GROUP_INSTANCE_ID": f"notify-{topic_prefix}",
            "NOTIFY_RETRY_BASE_SECONDS": "0.5",
            "NOTIFY_RETRY_POLL_SECONDS": "0.2",
            "NOTIFY_SMTP_CONNECTIONS": str(SENDERS),
        }
        events = [confirmation(n) for n in range(DELEGATES)]
        chunk = DELEGATES // KILLS
        proc = spawn(env, log)
        try:
            for i in range(KILLS):
                await wait_up(http_port, proc)
                await publish(kafka_bootstrap, topic_prefix + topics.REGISTRATION, events[i * chunk : (i + 1) * chunk])
                await asyncio.sleep(rng.uniform(0.05, 0.6))
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                proc = spawn(env, log)
            await wait_up(http_port, proc)
            everyone = {f"delegate{n:04d}@example.org" for n in range(DELEGATES)}
            await eventually(
                lambda: everyone <= {m["To"].addresses[0].addr_spec for m in sink.handler.snapshot()},
                timeout=90,
                interval=0.25,
            )
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    counts = sink.handler.message_ids()
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    report_figure(
        f"notify crash test: {KILLS} SIGKILLs, {DELEGATES} delegates, {len(sink.handler.snapshot())} messages "
        f"received, {len(counts)} distinct Message-IDs, {duplicates} duplicates (same Message-ID twice)"
    )
    assert len(counts) == DELEGATES
    assert duplicates <= KILLS * SENDERS, f"{duplicates} duplicates: more than the message in flight per kill"
    per_delegate = Counter(m["To"].addresses[0].addr_spec for m in sink.handler.snapshot())
    assert set(per_delegate) == everyone
    # A resend is always the same message: same Message-ID for the same delegate and cause.
    assert all(
        per_delegate[addr] == counts[mid]
        for mid, addr in {str(m["Message-ID"]): m["To"].addresses[0].addr_spec for m in sink.handler.snapshot()}.items()
    )
