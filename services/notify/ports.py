"""The small interfaces the notify handlers need; adapters implement them, tests fake them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from services.notify.adapters.compose import Envelope
from services.notify.domain.rules import Delivery


class Mailer(Protocol):
    """Hands one message to an SMTP server and says what the server answered."""

    async def send(self, envelope: Envelope) -> Delivery: ...


class Documents(Protocol):
    """Reads a produced PDF by its ``location``; None when it is larger than ``max_bytes``."""

    def read(self, location: str, max_bytes: int) -> bytes | None: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...
