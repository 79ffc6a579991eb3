"""``congress up``'s supervisor with real copies: two copies of registration on one PostgreSQL and Kafka;
one is SIGKILLed, the supervisor says so, starts it again on the same port, and it serves."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from services.cli.supervisor import COPY_PORT_STEP, RestartPolicy, Supervisor
from services.devtools.processes import free_port, port_in_use
from tests.conftest import fresh_pg_database
from tests.integration.registration.conftest import delegate


def two_free_ports() -> int:
    """A port P with P + COPY_PORT_STEP free too (copy 2 listens there)."""
    while True:
        port = free_port()
        if port + COPY_PORT_STEP < 65536 and not port_in_use(port + COPY_PORT_STEP):
            return port


@pytest.mark.timeout(300)
async def test_a_killed_copy_is_restarted_and_serves_again(
    pg_url: str, kafka_bootstrap: str, topic_prefix: str, stripe_mock_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "CONGRESS_HOME": str(tmp_path),
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": topic_prefix,
        "CONGRESS_SECRET": "supervisor-test-secret",
        "REGISTRATION_DATABASE_URL": await fresh_pg_database(pg_url),
        "REGISTRATION_HTTP_PORT": str(two_free_ports()),
        "REGISTRATION_STRIPE_API_BASE": stripe_mock_url,
        "REGISTRATION_PUBLIC_URL": "http://127.0.0.1",
    }
    said: list[str] = []
    sup = Supervisor(env=env, say=said.append, policy=RestartPolicy(first_delay=0.5, window=60, give_up_after=3))
    try:
        copies = [sup.start("registration", copy) for copy in (1, 2)]
        assert all(sup.wait_ready(c, timeout=120) for c in copies), copies[1].tail()
        second = copies[1]
        killed = second.process.pid
        os.killpg(killed, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while second.process.pid == killed and time.monotonic() < deadline:
            assert sup.watch() is None
            await asyncio.sleep(0.1)
        assert said[0].startswith("registration#2 killed by SIGKILL; restarting in 0.5s (crash 1 of 3")
        assert said[1] == f"restarted registration#2 (pid {second.process.pid}) on http://127.0.0.1:{second.port}"
        assert sup.wait_ready(second, timeout=120), second.tail()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{second.port}", timeout=30) as client:
            answer = await client.post("/api/registrations", json={"delegates": [delegate(0)]})
        assert answer.status_code == 201, answer.text
        assert copies[0].process.poll() is None  # the other copy was never touched
    finally:
        sup.stop_all()
