"""``congress up``: Kafka plus every service that exists, each in its own process, supervised.

A service that exits is reported with the end of its log and everything is stopped:
a crash is a fact to look at, not something to restart forever. Ctrl-C (or SIGTERM)
stops the services in reverse order, then the broker if this command started it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from services.common.settings import congress_home

ROOT = Path(__file__).resolve().parents[2]
SERVICE_ORDER = ("registration", "abstracts", "badges", "notify", "console")
DEFAULT_PORTS = {"console": 8000, "registration": 8001, "abstracts": 8002, "badges": 8003, "notify": 8004}


def available_services() -> list[str]:
    """Services that have a composition root in this checkout."""
    return [name for name in SERVICE_ORDER if (ROOT / "services" / name / "app.py").exists()]


@dataclass
class Child:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def tail(self, lines: int = 20) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


@dataclass
class Supervisor:
    env: dict[str, str]
    say: object = print
    children: list[Child] = field(default_factory=list)

    def start(self, name: str) -> Child:
        port = int(self.env.get(f"{name.upper()}_HTTP_PORT", DEFAULT_PORTS[name]))
        log_dir = congress_home() / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"{name}.log"
        env = {**self.env, f"{name.upper()}_HTTP_PORT": str(port)}
        with log_path.open("ab") as log_file:
            process = subprocess.Popen(  # noqa: S603 -- our own module, fixed argv
                [sys.executable, "-m", f"services.{name}.app"],
                cwd=ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        child = Child(name, port, process, log_path)
        self.children.append(child)
        return child

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

    def wait_ready(self, child: Child, timeout: float = 60.0) -> bool:
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
        return next((c for c in self.children if c.process.poll() is not None), None)

    def stop_all(self, timeout: float = 20.0) -> None:
        for child in reversed(self.children):
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
