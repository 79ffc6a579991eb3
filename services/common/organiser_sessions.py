"""Organiser sessions as every service checks them: signed, not revoked, and still an organiser.

A session is the signed token of ``services.common.auth`` (email + session id). Each service
holds one ``OrganiserSessions``: on every request it verifies the token, refuses a session
that was signed out (``revoke``: at once where the organiser signed out, in the other
services when they read ``OrganiserSignedOut`` from ``congress.sessions``), and re-checks
the email against the organisers configured *now* (``ConfiguredOrganisers`` re-reads the
congress file when it changes), so an organiser removed from the configuration is out at
once, whatever cookie they hold.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import HTTPException, Request

from services.common.auth import OrganiserToken, bearer_or_cookie, organiser_token, read_organiser_token
from services.common.congress import ConfigError, Congress, Organiser, load_congress

log = logging.getLogger("congress.organiser_sessions")

Clock = Callable[[], float]


class ConfiguredOrganisers:
    """The organisers in the congress configuration as it is now.

    With ``path`` the file is looked at (its modification time) at most every
    ``check_seconds`` and re-read when it changed; a file that no longer loads keeps the
    last good list (and says so in the log), so a half-saved edit locks nobody out.
    """

    def __init__(
        self, congress: Congress, path: Path | None = None, *, check_seconds: float = 1.0, clock: Clock = time.monotonic
    ) -> None:
        self._organisers = congress.organisers
        self._emails = _emails(self._organisers)
        self._path = path
        self._check_seconds = check_seconds
        self._clock = clock
        self._checked_at = clock()
        self._stamp = self._file_stamp()

    def _file_stamp(self) -> tuple[int, int] | None:
        if self._path is None:
            return None
        try:
            stat = os.stat(self._path)
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def current(self) -> tuple[Organiser, ...]:
        if self._path is not None and self._clock() - self._checked_at >= self._check_seconds:
            self._checked_at = self._clock()
            stamp = self._file_stamp()
            if stamp is not None and stamp != self._stamp:
                self._stamp = stamp
                self._reload(self._path)
        return self._organisers

    def _reload(self, path: Path) -> None:
        try:
            organisers = load_congress(path).organisers
        except ConfigError as exc:
            log.error("congress file changed but does not load; keeping the organisers as they were: %s", exc)
            return
        self._organisers, self._emails = organisers, _emails(organisers)
        log.info("organisers re-read from the congress file", extra={"organisers": len(self._organisers)})

    def emails(self) -> frozenset[str]:
        """The current organisers' addresses, lower case."""
        self.current()
        return self._emails


def _emails(organisers: tuple[Organiser, ...]) -> frozenset[str]:
    return frozenset(str(o.email).lower() for o in organisers)


class OrganiserSessions:
    """Issues organiser sessions and decides, per request, whether one still holds."""

    def __init__(self, secret: str, organisers: ConfiguredOrganisers, *, clock: Clock = time.time) -> None:
        self.secret = secret
        self.organisers = organisers
        self._clock = clock
        self._revoked: dict[str, float] = {}
        """Session id -> when the session would have expired (then the entry is dropped)."""
        self._swept_at = clock()

    def issue(self, email: str) -> str:
        return organiser_token(self.secret, email)

    def revoke(self, session_id: str, expires_at: float) -> None:
        """This session is over (idempotent); remembered only until it would have expired anyway."""
        now = self._clock()
        if expires_at > now:
            self._revoked[session_id] = expires_at
        if now - self._swept_at > 60:
            self._swept_at = now
            self._revoked = {sid: until for sid, until in self._revoked.items() if until > now}

    def is_revoked(self, session_id: str) -> bool:
        return session_id in self._revoked

    def session(self, request: Request) -> OrganiserToken | None:
        """The request's organiser session if it is valid, not signed out, and its organiser still configured."""
        token = bearer_or_cookie(request)
        claims = read_organiser_token(self.secret, token) if token else None
        if claims is None or self.is_revoked(claims.session_id):
            return None
        if claims.email.lower() not in self.organisers.emails():
            log.warning("session of an organiser no longer configured refused", extra={"organiser": claims.email})
            return None
        return claims

    def organiser(self, request: Request) -> str | None:
        """The signed-in organiser's email, or None."""
        claims = self.session(request)
        return claims.email if claims else None


def require_organiser(sessions: OrganiserSessions) -> Callable[[Request], Awaitable[str]]:
    """A FastAPI dependency: the organiser's email, or 401 (API) / redirect to the sign-in page (pages)."""

    async def dependency(request: Request) -> str:
        email = sessions.organiser(request)
        if email is None:
            if "text/html" in request.headers.get("accept", ""):
                raise HTTPException(status_code=303, headers={"Location": f"/organiser/login?next={request.url.path}"})
            raise HTTPException(status_code=401, detail="organiser sign-in required")
        return email

    return dependency
