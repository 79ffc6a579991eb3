"""The congress under fault: two copies each of registration, badges and notify on PostgreSQL, supervised
as ``congress up --replicas 2`` supervises them, over a three-node Kafka cluster, with stripe-mock behind a
recording proxy and an SMTP sink that can be switched off.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from services.cli.supervisor import Child, RestartPolicy, Supervisor
from services.devtools.kafka_cluster import KafkaCluster
from services.devtools.processes import free_port
from services.devtools.stripe_mock import StripeMock
from tests.faults.outages import SmtpSink, StripeRecorder
from tests.integration.test_supervisor_restart import two_free_ports

SERVICES = ("registration", "badges", "notify")
COPIES = 2
ORGANISER_PASSWORD = "faults-organiser-password"
READY_PATIENCE = 600.0
"""Seconds a (re)started copy may take to answer /readyz under a load average of 28 (the soak on a shared 2-core
machine). Badges once warmed its render pool before it answered (over four minutes there); it now warms it in the
background after the start (docs/badges.md), so this is a bound, not what a copy takes."""


@dataclass
class Congress:
    cluster: KafkaCluster
    topic_prefix: str
    databases: dict[str, str]
    home: Path
    sink: SmtpSink = field(default_factory=SmtpSink)
    stripe_port: int = field(default_factory=free_port)
    said: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stripe = StripeMock(port=self.stripe_port)
        self.recorder = StripeRecorder(self.stripe_port)
        self.supervisor = Supervisor(
            env=self.env(), say=self.said.append, policy=RestartPolicy(first_delay=1.0, window=120, give_up_after=5)
        )
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="faults-supervisor", daemon=True)
        self.gave_up: Child | None = None

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "CONGRESS_HOME": str(self.home),
            "PYTHONUNBUFFERED": "1",
            "KAFKA_BOOTSTRAP_SERVERS": self.cluster.bootstrap,
            "KAFKA_TOPIC_PREFIX": self.topic_prefix,
            "CONGRESS_SECRET": "faults-secret-not-for-production",
            "CONGRESS_ORGANISER_PASSWORD": ORGANISER_PASSWORD,
            "REGISTRATION_STRIPE_API_BASE": self.recorder.url,
            "REGISTRATION_PUBLIC_URL": "http://127.0.0.1",
            # Every simulated delegate registers from 127.0.0.1: the per-client and per-address limits would
            # refuse most of them with 429 (real clients come from many addresses); the limits have their own tests.
            "REGISTRATION_RATE_LIMITS": "false",
            # Sweeps (Stripe retries, holds) and notify's retries at test pace: the suite has minutes, not hours.
            "REGISTRATION_SWEEP_SECONDS": "2",
            "NOTIFY_RETRY_BASE_SECONDS": "2",
            "NOTIFY_RETRY_MAX_SECONDS": "8",
            "NOTIFY_RETRY_MAX_ATTEMPTS": "40",
            "NOTIFY_SMTP_HOST": "127.0.0.1",
            "NOTIFY_SMTP_PORT": str(self.sink.port),
        }
        for name in SERVICES:
            env[f"{name.upper()}_DATABASE_URL"] = self.databases[name]
            env[f"{name.upper()}_HTTP_PORT"] = str(two_free_ports())
        return env

    def urls(self, name: str) -> tuple[str, ...]:
        return tuple(f"http://127.0.0.1:{self.supervisor.port_of(name, k)}" for k in range(1, COPIES + 1))

    def copy(self, name: str, number: int) -> Child:
        return next(c for c in self.supervisor.children if c.name == name and c.copy == number)

    def start(self) -> None:
        self.sink.start()
        self.stripe.start()
        self.recorder.start()
        for name in SERVICES:
            for k in range(1, COPIES + 1):
                self.supervisor.start(name, k)
        for child in self.supervisor.children:
            assert self.supervisor.wait_ready(child, timeout=READY_PATIENCE), (
                f"{child.label} not ready:\n{child.tail(40)}"
            )
        self._watcher.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            gave_up = self.supervisor.watch()
            if gave_up is not None:
                self.gave_up = gave_up
                return
            time.sleep(0.2)

    def stop(self) -> None:
        self._stop.set()
        self.supervisor.stop_all()
        self.recorder.stop()
        self.stripe.stop()
        self.sink.stop()


@contextmanager
def running(congress: Congress) -> Iterator[Congress]:
    try:
        congress.start()
        yield congress
    finally:
        congress.stop()
