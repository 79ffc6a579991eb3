"""What happens to a finished message: the envelope handed to the SMTP server, its answer, the retry rules.

Pure: no I/O. ``Undeliverable`` is what a message that can never go raises while it is
built (an invalid address, a missing document, a link seal that does not open).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True)
class Envelope:
    """What the SMTP server is told, plus the serialised message."""

    sender: str
    recipient: str
    message: bytes
    smtputf8: bool = False


@dataclass(frozen=True)
class MessageRecord:
    """A message as the ledger (and NotificationSent/Failed) knows it."""

    message_id: str
    cause_event_id: str
    template: str
    recipient_id: str
    to: str
    subject: str
    about: str | None = None
    """The abstract a message is about (for NotificationSent/Failed; kept with an owed or deferred message)."""


@dataclass(frozen=True)
class Queued:
    """A finished message waiting on the retry queue, with its cause (for the dead-letter topic)."""

    record: MessageRecord
    envelope: Envelope
    cause_event: bytes
    cause_topic: str
    attempts: int
    next_attempt_at: datetime
    last_error: str


@dataclass(frozen=True)
class Deferral:
    """A claimed message that goes back on the queue: tried (``attempts`` counted) or released untried."""

    message_id: str
    claimed_until: datetime
    """The claim's lease end, as the claim set it: the row is rescheduled only while still so claimed."""
    attempts: int
    next_attempt_at: datetime
    error: str


class Undeliverable(ValueError):
    """A message that can never be sent as planned (a permanent failure of that message alone)."""


class Outcome(StrEnum):
    SENT = "sent"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class Delivery:
    """What happened when a message was handed to the SMTP server."""

    outcome: Outcome
    detail: str = ""
    code: int | None = None
    connection_failed: bool = False


def classify_reply(code: int) -> Outcome:
    """RFC 5321: 2xx accepted, 4xx try again later, 5xx give up."""
    if 200 <= code < 300:
        return Outcome.SENT
    if 400 <= code < 500:
        return Outcome.TEMPORARY
    return Outcome.PERMANENT


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with "equal jitter": half the delay fixed, half random."""

    base_seconds: float = 30.0
    factor: float = 2.0
    max_seconds: float = 3600.0
    max_attempts: int = 12
    jitter: bool = field(default=True)

    def delay(self, attempt: int, random_fraction: float) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based); fraction in [0, 1)."""
        ceiling = min(self.max_seconds, self.base_seconds * self.factor ** max(0, attempt - 1))
        if not self.jitter:
            return ceiling
        return ceiling / 2 + ceiling / 2 * random_fraction

    def gives_up_after(self, attempt: int) -> bool:
        return attempt >= self.max_attempts
