"""What agenda commands need from the store: the programme replica, each delegate's marks, and feed tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from services.registration.domain.agenda import ProgrammeSession


class AgendaRecords(Protocol):
    """The published programme as registration keeps it, the sessions each registration marked, and the one
    calendar-feed token per registration (only its hash is stored)."""

    async def session(self, session_id: str) -> ProgrammeSession | None:
        """The replica's latest state of a session (cancelled ones included), or None."""
        ...

    async def put_session(self, session: ProgrammeSession) -> None:
        """Insert or replace a session's state."""
        ...

    async def programme(self) -> Sequence[ProgrammeSession]:
        """Every session of the published programme that is not cancelled, in time order."""
        ...

    async def marked(self, registration_id: str) -> Sequence[ProgrammeSession]:
        """The sessions a registration marked (cancelled ones too), in time order."""
        ...

    async def is_marked(self, registration_id: str, session_id: str) -> bool: ...

    async def mark(self, registration_id: str, session_id: str, at: datetime) -> None: ...

    async def unmark(self, registration_id: str, session_id: str) -> None: ...

    async def feed_owner(self, token_hash: str) -> str | None:
        """The registration whose calendar feed has this token hash, or None."""
        ...

    async def has_feed(self, registration_id: str) -> bool: ...

    async def set_feed(self, registration_id: str, token_hash: str, at: datetime) -> None:
        """Give a registration a feed token (replacing any earlier one, which stops working)."""
        ...

    async def drop_feed(self, registration_id: str) -> None:
        """Revoke a registration's feed token."""
        ...

    async def forget(self, registration_id: str) -> None:
        """The registration is erased: its marks and its feed go."""
        ...
