"""``congress up``: Kafka plus every service that exists, each copy in its own process, supervised.

A copy that exits is restarted after a backoff that doubles with each crash of that copy in the
last ``RestartPolicy.window`` seconds (1 s, 2 s, 4 s … at most ``cap``), and the supervisor says
which copy, how it ended and when it comes back. A copy that crashes ``give_up_after`` times
within the window is given up on, with the end of its log: that is a fault to look at, not to
restart forever. Ctrl-C (or SIGTERM) stops the copies in reverse order, then the broker if this
command started it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from services.common.settings import congress_home

ROOT = Path(__file__).resolve().parents[2]
SERVICE_ORDER = ("registration", "abstracts", "badges", "notify", "console")
DEFAULT_PORTS = {"console": 8000, "registration": 8001, "abstracts": 8002, "badges": 8003, "notify": 8004}
REPLICATED = ("registration", "abstracts", "badges", "notify")
"""Services ``--replicas`` runs several copies of (the console is a view: one is enough)."""
COPY_PORT_STEP = 100
"""Copy k of a service listens on its port + (k-1) x 100: registration 8001, 8101, 8201 …"""


def available_services() -> list[str]:
    """Services that have a composition root in this checkout."""
    return [name for name in SERVICE_ORDER if (ROOT / "services" / name / "app.py").exists()]


def copy_port(base: int, copy: int) -> int:
    return base + (copy - 1) * COPY_PORT_STEP


def how_it_ended(returncode: int) -> str:
    """``exit code 3`` or ``killed by SIGKILL``: what a supervisor log line should say."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


@dataclass(frozen=True)
class RestartPolicy:
    """Exponential backoff per copy, and when to stop trying."""

    first_delay: float = 1.0
    cap: float = 30.0
    window: float = 120.0
    """Crashes older than this are forgiven: a copy that ran a while starts again at ``first_delay``."""
    give_up_after: int = 5
    """Crashes within ``window`` after which the copy is given up on (a crash loop)."""

    def delay(self, recent_crashes: int) -> float:
        return float(min(self.cap, self.first_delay * 2 ** max(0, recent_crashes - 1)))


@dataclass
class Child:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    copy: int = 1
    crashes: list[float] = field(default_factory=list)
    """When this copy crashed (monotonic seconds), for the backoff and the give-up rule."""
    restart_at: float | None = None
    """When a crashed copy is due to start again."""

    @property
    def label(self) -> str:
        return self.name if self.copy == 1 else f"{self.name}#{self.copy}"

    def tail(self, lines: int = 20) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


@dataclass
class Supervisor:
    env: dict[str, str]
    say: Callable[[str], object] = print
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    children: list[Child] = field(default_factory=list)
    clock: Callable[[], float] = time.monotonic

    def port_of(self, name: str, copy: int = 1) -> int:
        return copy_port(int(self.env.get(f"{name.upper()}_HTTP_PORT", DEFAULT_PORTS[name])), copy)

    def start(self, name: str, copy: int = 1) -> Child:
        port = self.port_of(name, copy)
        log_dir = congress_home() / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / (f"{name}.log" if copy == 1 else f"{name}-{copy}.log")
        child = Child(name, port, self._spawn(name, copy, port, log_path), log_path, copy)
        self.children.append(child)
        return child

    def copy_env(self, name: str, copy: int, port: int) -> dict[str, str]:
        """The environment of one copy: its own port; what must not be shared between copies made distinct."""
        prefix = name.upper()
        env = {**self.env, f"{prefix}_HTTP_PORT": str(port)}
        if copy == 1:
            return env
        if static_member := env.get(f"{prefix}_GROUP_INSTANCE_ID"):  # one id twice: the copies would fence each other
            env[f"{prefix}_GROUP_INSTANCE_ID"] = f"{static_member}-{copy}"
        if name == "notify" and not env.get("NOTIFY_SMTP_HOST"):
            env.setdefault(
                "NOTIFY_EMBEDDED_SINK", "false"
            )  # the demo's SMTP sink runs in copy 1; the others send to it
        return env

    def _spawn(self, name: str, copy: int, port: int, log_path: Path) -> subprocess.Popen[bytes]:
        env = self.copy_env(name, copy, port)
        with log_path.open("ab") as log_file:
            return subprocess.Popen(  # noqa: S603 -- our own module, fixed argv
                [sys.executable, "-m", f"services.{name}.app"],
                cwd=ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_command(self, name: str, argv: list[str]) -> Child:
        """A helper process (the demo simulator) that is not a service; its exit is not a failure."""
        log_path = congress_home() / "logs" / f"{name}.log"
        with log_path.open("ab") as log_file:
            process = subprocess.Popen(  # noqa: S603 -- our own module, fixed argv
                [sys.executable, *argv],
                cwd=ROOT,
                env=self.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return Child(name, 0, process, log_path)

    def wait_ready(self, child: Child, timeout: float = 420.0) -> bool:
        """Until the copy answers /readyz with 200 (False if it exits or the time is up). Generous: a loaded 2-core
        machine once took over three minutes to start badges (its render pool now warms after it is ready)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if child.process.poll() is not None:
                return False
            try:
                if httpx.get(f"http://127.0.0.1:{child.port}/readyz", timeout=1.0).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        return False

    def first_exited(self) -> Child | None:
        return next((c for c in self.children if c.restart_at is None and c.process.poll() is not None), None)

    def watch(self) -> Child | None:
        """One look at the copies: schedule a restart for each that exited, restart those that are due.

        Returns a copy that crashed too often to restart (the caller stops the congress), else None.
        """
        now = self.clock()
        for child in self.children:
            if child.name == "simulator":
                continue
            if child.restart_at is None and child.process.poll() is not None:
                gave_up = self._crashed(child, now)
                if gave_up:
                    return child
            elif child.restart_at is not None and now >= child.restart_at:
                child.restart_at = None
                child.process = self._spawn(child.name, child.copy, child.port, child.log_path)
                self.say(f"restarted {child.label} (pid {child.process.pid}) on http://127.0.0.1:{child.port}")
        return None

    def _crashed(self, child: Child, now: float) -> bool:
        child.crashes = [t for t in child.crashes if now - t < self.policy.window] + [now]
        ended = how_it_ended(child.process.returncode)
        recent = len(child.crashes)
        if recent >= self.policy.give_up_after:
            self.say(
                f"{child.label} {ended}; it crashed {recent} times within {self.policy.window:.0f}s: "
                f"giving up. Last lines of {child.log_path}:\n{child.tail()}"
            )
            return True
        delay = self.policy.delay(recent)
        child.restart_at = now + delay
        self.say(
            f"{child.label} {ended}; restarting in {delay:g}s "
            f"(crash {recent} of {self.policy.give_up_after} allowed within {self.policy.window:.0f}s; "
            f"log {child.log_path})"
        )
        return False

    def stop_all(self, timeout: float = 20.0) -> None:
        for child in reversed(self.children):
            child.restart_at = None
            if child.process.poll() is None:
                os.killpg(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in reversed(self.children):
            remaining = max(0.1, deadline - time.monotonic())
            try:
                child.process.wait(remaining)
            except subprocess.TimeoutExpired:
                os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()
