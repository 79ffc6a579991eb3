"""The simulator against a real registration service (a subprocess on real Kafka and stripe-mock).

The simulator runs as ``congress demo`` runs it, as its own process, and only speaks HTTP;
what it did is read back from the registration topic, decoded through the schema models.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

from schemas import topics
from schemas.registration import (
    InvoiceIssued,
    PaymentFailed,
    PaymentSucceeded,
    RefundIssued,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationCreated,
)
from tests.kafka_helpers import read_events

DELEGATES = 12


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the registration service exited on start"
        try:
            if httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"registration did not answer at {url}/healthz")


def service_env(kafka: str, prefix: str, stripe: str, home: Path, port: int) -> dict[str, str]:
    return os.environ | {
        "KAFKA_BOOTSTRAP_SERVERS": kafka, "KAFKA_TOPIC_PREFIX": prefix, "CONGRESS_HOME": str(home),
        "CONGRESS_SECRET": "demo-test-secret", "CONGRESS_ORGANISER_PASSWORD": "demo-organiser-pass",
        "REGISTRATION_HTTP_PORT": str(port), "REGISTRATION_STRIPE_API_BASE": stripe,
        "REGISTRATION_PUBLIC_URL": f"http://127.0.0.1:{port}", "REGISTRATION_RELAY_POLL_SECONDS": "0.2"}


async def test_simulator_plays_a_small_congress(kafka_bootstrap: str, topic_prefix: str, stripe_mock_url: str,
                                                congress_home: Path) -> None:
    port = free_port()
    env = service_env(kafka_bootstrap, topic_prefix, stripe_mock_url, congress_home, port)
    url = f"http://127.0.0.1:{port}"
    service = subprocess.Popen([sys.executable, "-m", "services.registration.app"], env=env,
                               stdout=subprocess.DEVNULL, stderr=(congress_home / "registration.log").open("wb"))
    try:
        wait_healthy(url, service)
        run = subprocess.run(
            [sys.executable, "-m", "services.demo.simulator", "--delegates", str(DELEGATES), "--speed", "50",
             "--seed", "7", "--registration-url", url, "--badges-url", f"http://127.0.0.1:{free_port()}"],
            env=env, capture_output=True, text=True, timeout=120, check=False)
        print(run.stdout)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "badges service not answering" in run.stdout
        assert "registered" in run.stdout and "errors" in run.stdout

        def settled(events: list) -> bool:  # type: ignore[type-arg]
            return any(isinstance(e.data, RefundIssued) for e in events) and sum(
                isinstance(e.data, RegistrationCreated) for e in events) >= DELEGATES

        events = await read_events(kafka_bootstrap, topic_prefix + topics.REGISTRATION, until=settled, timeout=45)
    finally:
        service.terminate()
        service.wait(timeout=20)

    data = [e.data for e in events]
    kinds = Counter(type(d).__name__ for d in data)
    created = [d for d in data if isinstance(d, RegistrationCreated)]
    assert len(created) == DELEGATES, kinds
    assert len({d.delegate.country for d in created}) >= 6
    assert any(d.group_id for d in created), "a school district registered as a group"
    assert any(isinstance(d, RegistrationConfirmed) and d.payment_method.value == "card" for d in data)
    assert any(isinstance(d, PaymentSucceeded) and d.method.value == "invoice" for d in data)
    assert any(isinstance(d, InvoiceIssued) for d in data)
    assert any(isinstance(d, PaymentFailed) for d in data)
    assert any(isinstance(d, RegistrationCancelled) and d.cancelled_by == "organiser" for d in data)
    assert any(isinstance(d, RefundIssued) for d in data)
