"""Events of the sessions context: organiser sign-in sessions ended before their time.

Every service verifies the organisers' signed session cookie itself, so a sign-out in one
service reaches the others as an event on ``congress.sessions``; each service keeps the
revoked session ids in memory until the session would have expired anyway. The event
carries the session's id and expiry only, never the token.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from schemas.base import EventData


class OrganiserSignedOut(EventData):
    """Emitted by the service where an organiser signed out: that session is over in every service."""

    context: ClassVar[str] = "sessions"
    key_field: ClassVar[str] = "session_id"

    session_id: str = Field(description="The session's id (the token's ``jti``); not a credential.")
    expires_at: datetime = Field(description="When the session would have expired; forget the revocation after.")
