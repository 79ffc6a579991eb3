"""Slowing and locking organiser sign-in after failures, per account and per client address.

Each sign-in attempt counts as a failure *before* its password is checked (a burst of
parallel guesses cannot all slip in before the first is counted); a correct password takes
its own count back. After ``free_failures`` failures within ``window_seconds`` the next
attempt must wait a delay that doubles with each further failure (1 s, 2 s, 4 s … at most
``max_delay``); at ``lock_after`` failures the key is locked for ``lockout_seconds``. While
a key waits, no password is checked at all, a correct one included. The answer names the
time to wait (HTTP 429 with ``Retry-After``).

The counters live in the process's memory: every service has its own ``/organiser/login``
and its own counters, and a restart forgets them (docs/ARCHITECTURE.md, decision 18).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Clock = Callable[[], float]
Scope = Literal["account", "client"]


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int
    lock_after: int
    lockout_seconds: float = 15 * 60
    first_delay: float = 1.0
    max_delay: float = 60.0
    window_seconds: float = 15 * 60
    """A key with no failure for this long (and no lock) starts afresh."""


ACCOUNT_POLICY = ThrottlePolicy(free_failures=5, lock_after=10)
CLIENT_POLICY = ThrottlePolicy(free_failures=10, lock_after=30)
"""Looser than per account: organisers at one venue may share one address."""


@dataclass
class _Failures:
    count: int
    last: float
    locked_until: float = 0.0


@dataclass(frozen=True)
class Wait:
    """Why an attempt is refused and for how long (whole seconds, at least 1)."""

    seconds: int
    locked: bool
    scope: Scope

    def message(self) -> str:
        who = "for this account" if self.scope == "account" else "from your network address"
        if self.locked:
            minutes = math.ceil(self.seconds / 60)
            return (
                f"Too many failed sign-ins {who}: sign-in is locked for {minutes} minute{'s' * (minutes != 1)}. "
                "Try again after that."
            )
        return f"Too many failed sign-ins {who}: wait {self.seconds} second{'s' * (self.seconds != 1)} and try again."


class _Counter:
    def __init__(self, policy: ThrottlePolicy, scope: Scope, max_keys: int) -> None:
        self.policy = policy
        self.scope = scope
        self.max_keys = max_keys
        self.failures: dict[str, _Failures] = {}

    def _stale(self, record: _Failures, now: float) -> bool:
        return now >= record.locked_until and now - record.last > self.policy.window_seconds

    def wait(self, key: str, now: float) -> Wait | None:
        record = self.failures.get(key)
        if record is None:
            return None
        if self._stale(record, now):
            del self.failures[key]
            return None
        if record.locked_until > now:
            return Wait(max(1, math.ceil(record.locked_until - now)), True, self.scope)
        if record.count < self.policy.free_failures:
            return None
        delay = min(self.policy.first_delay * 2 ** (record.count - self.policy.free_failures), self.policy.max_delay)
        if now < record.last + delay:
            return Wait(max(1, math.ceil(record.last + delay - now)), False, self.scope)
        return None

    def fail(self, key: str, now: float) -> None:
        record = self.failures.get(key)
        if record is None:
            if len(self.failures) >= self.max_keys:
                self._make_room(now)
            record = self.failures[key] = _Failures(0, now)
        record.count += 1
        record.last = now
        if record.count >= self.policy.lock_after:
            record.locked_until = now + self.policy.lockout_seconds

    def take_back(self, key: str) -> None:
        record = self.failures.get(key)
        if record is not None:
            record.count -= 1
            if record.count < self.policy.lock_after:
                record.locked_until = 0.0  # the attempt that locked it was a right one
            if record.count <= 0:
                del self.failures[key]

    def _make_room(self, now: float) -> None:
        """Forget stale keys; if a flood of fresh ones fills the table, the oldest half goes."""
        self.failures = {k: r for k, r in self.failures.items() if not self._stale(r, now)}
        if len(self.failures) >= self.max_keys:
            keep = sorted(self.failures.items(), key=lambda item: item[1].last)[len(self.failures) // 2 :]
            self.failures = dict(keep)


class LoginThrottle:
    """Per-account and per-client failure counters for one sign-in endpoint."""

    def __init__(
        self,
        *,
        account: ThrottlePolicy = ACCOUNT_POLICY,
        client: ThrottlePolicy = CLIENT_POLICY,
        clock: Clock = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.clock = clock
        self.accounts = _Counter(account, "account", max_keys)
        self.clients = _Counter(client, "client", max_keys)

    def attempt(self, account: str, client: str) -> Wait | None:
        """Refuse with the longer wait, or count this attempt as a failure until ``succeeded``."""
        now = self.clock()
        waits = [w for w in (self.accounts.wait(account, now), self.clients.wait(client, now)) if w is not None]
        if waits:
            return max(waits, key=lambda w: (w.seconds, w.locked))
        self.accounts.fail(account, now)
        self.clients.fail(client, now)
        return None

    def succeeded(self, account: str, client: str) -> None:
        """The password was right: the account starts afresh; the client takes this attempt back."""
        self.accounts.failures.pop(account, None)
        self.clients.take_back(client)
