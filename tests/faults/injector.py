"""The faults, one after another while the delegates register and pay, each recorded with when it happened.

A broker is SIGKILLed (the one leading most partitions) and started again; one copy of each service is
SIGKILLed and left to the supervisor; the SMTP sink and stripe-mock are each stopped for ``outage``
seconds and started again on the same port.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from services.cli.supervisor import Child
from services.devtools.kafka_cluster import cluster_view
from services.devtools.stripe_mock import StripeMock
from tests.faults.congress import COPIES, READY_PATIENCE, SERVICES, Congress


@dataclass
class Fault:
    what: str
    at: float
    """Seconds after the delegates started."""
    back_after: float = 0.0
    """Seconds until the part served again."""


@dataclass
class Injector:
    congress: Congress
    started: float
    outage: float = 30.0
    spacing: float = 4.0
    faults: list[Fault] = field(default_factory=list)
    background: list[asyncio.Task[None]] = field(default_factory=list)
    """Waits for a killed part to serve again, while the next fault goes on."""
    broker_back: asyncio.Task[None] | None = None
    copy_back: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    """Per service, the wait for its last killed copy to serve again."""
    kills: Counter[str] = field(default_factory=Counter)

    def now(self) -> float:
        return time.monotonic() - self.started

    async def kill_leading_broker(self) -> None:
        if self.broker_back is not None:  # one broker down at a time: two would leave no in-sync majority
            await self.broker_back
        view = await cluster_view(self.congress.cluster.bootstrap)
        node_id = max(view.leaders, key=lambda n: view.leaders[n])
        pid = self.congress.cluster.nodes[node_id].running_pid()
        assert pid is not None, f"Kafka node {node_id} is not running"
        fault = Fault(
            f"SIGKILL Kafka node {node_id} (leads {view.leaders[node_id]} partitions), then start it", self.now()
        )
        os.kill(pid, signal.SIGKILL)
        self.faults.append(fault)
        await asyncio.sleep(self.spacing)
        self.broker_back = asyncio.create_task(self._back(fault, self.congress.cluster.start, 240.0))
        self.background.append(self.broker_back)

    async def kill_copy(self, name: str) -> None:
        """SIGKILL one copy of ``name``, the copies in turn; never one whose service has a copy not yet back (with
        many rounds, a copy killed again while it warms up would never serve, and the other one is the service)."""
        if name in self.copy_back:
            await self.copy_back[name]
        copy = 1 + (SERVICES.index(name) + self.kills[name]) % COPIES
        self.kills[name] += 1
        child = self.congress.copy(name, copy)
        pid = child.process.pid
        fault = Fault(f"SIGKILL {child.label} (pid {pid}); the supervisor restarts it", self.now())
        os.killpg(pid, signal.SIGKILL)
        self.faults.append(fault)
        self.copy_back[name] = asyncio.create_task(self._restarted(fault, child, pid))
        self.background.append(self.copy_back[name])

    async def _restarted(self, fault: Fault, child: Child, pid: int) -> None:
        while child.process.pid == pid:  # noqa: ASYNC110 -- the supervisor's watcher thread spawns the new process
            await asyncio.sleep(0.2)
        ready = await asyncio.to_thread(self.congress.supervisor.wait_ready, child, READY_PATIENCE)
        assert ready, f"{child.label} did not come back:\n{child.tail(40)}"
        fault.back_after = self.now() - fault.at

    async def _back(self, fault: Fault, start: Callable[[float], object], timeout: float) -> None:
        await asyncio.to_thread(start, timeout)
        fault.back_after = self.now() - fault.at

    async def smtp_outage(self) -> None:
        fault = Fault(f"SMTP sink stopped for {self.outage:g}s (same port after)", self.now())
        self.faults.append(fault)
        await asyncio.to_thread(self.congress.sink.stop)
        await asyncio.sleep(self.outage)
        await asyncio.to_thread(self.congress.sink.start)
        fault.back_after = self.now() - fault.at

    async def stripe_outage(self) -> None:
        fault = Fault(f"stripe-mock stopped for {self.outage:g}s (same port after)", self.now())
        self.faults.append(fault)
        await asyncio.to_thread(self.congress.stripe.stop)
        await asyncio.sleep(self.outage)
        self.congress.stripe = StripeMock(port=self.congress.stripe_port)
        await asyncio.to_thread(self.congress.stripe.start)
        fault.back_after = self.now() - fault.at

    async def run(self, rounds: int, refunds_begin: asyncio.Event) -> None:
        """``rounds`` faults: broker, each service's copy, SMTP, in turn; the Stripe outage when refunds begin."""
        kinds = [self.kill_leading_broker] + [(lambda n=name: self.kill_copy(n)) for name in SERVICES]
        stripe = asyncio.create_task(self._stripe_when(refunds_begin))
        smtp: asyncio.Task[None] | None = None
        for n in range(max(0, rounds - 1)):
            await asyncio.sleep(self.spacing)
            position = n % (len(kinds) + 1)
            if position == len(kinds):
                if smtp is not None:  # one SMTP outage at a time, and every round a fault
                    await smtp
                smtp = asyncio.create_task(self.smtp_outage())
                continue
            await kinds[position]()
        if smtp is not None:
            await smtp
        await stripe
        await asyncio.gather(*self.background)

    async def _stripe_when(self, refunds_begin: asyncio.Event) -> None:
        await refunds_begin.wait()
        await self.stripe_outage()
