"""Organiser sessions as every service checks them: signed, not revoked, and still an organiser.

A session is the signed token of ``services.common.auth`` (email + session id). Each service
holds one ``OrganiserSessions``: on every request it verifies the token, refuses a session
that was signed out (``revoke``: at once where the organiser signed out, in the other
services when they read ``OrganiserSignedOut`` from ``congress.sessions``), and re-checks
the email against the organiser accounts as they are *now* (``AccountDirectory``: the owner's
snapshots from ``congress.organisers``, else the congress file, which ``ConfiguredOrganisers``
re-reads when it changes), so a deactivated organiser is out at once, whatever cookie they hold.

``require_organiser`` then checks the service's route-access table (``services.common.roles``):
a route the table does not name, or a role it does not allow, is refused (403). ``organiser_actor``
gives a route the audit trail's actor for the session: the account's id (decision 75).
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute

from services.common import audit
from services.common.accounts import Account, AccountDirectory, seeded_account_id
from services.common.auth import (
    ORGANISER_MAX_AGE,
    OrganiserToken,
    bearer_or_cookie,
    organiser_token,
    read_organiser_token,
)
from services.common.congress import ConfigError, Congress, Organiser, load_congress
from services.common.roles import Grant, RouteAccess, decide, route_key

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
    """Issues organiser sessions and decides, per request, whether one still holds and what it may do.

    ``access`` is the service's route-access table; without one every organiser route is refused.
    """

    def __init__(
        self,
        secret: str,
        organisers: ConfiguredOrganisers,
        *,
        access: RouteAccess | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.secret = secret
        self.organisers = organisers
        self.accounts = AccountDirectory(organisers, functools.partial(seeded_account_id, secret))
        self.access: RouteAccess = access or {}
        self._clock = clock
        self._revoked: dict[str, float] = {}
        """Session id -> when the session would have expired (then the entry is dropped)."""
        self._swept_at = clock()
        self.dependencies: dict[str, Callable[..., Awaitable[Any]]] = {}
        """The service's ``require_organiser`` and ``organiser_actor`` dependencies, each made once."""

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
        """The request's organiser session if it is valid, not signed out, and its account active."""
        token = bearer_or_cookie(request)
        claims = read_organiser_token(self.secret, token) if token else None
        if claims is None or self.is_revoked(claims.session_id):
            return None
        if self.account_of(claims) is None:
            log.warning("session of an organiser without an active account refused", extra={"organiser": claims.email})
            return None
        return claims

    def account_of(self, claims: OrganiserToken) -> Account | None:
        """The session's account if it is active and the session began after the account's last deactivation."""
        account = self.accounts.get(claims.email)
        if account is None or not account.active:
            return None
        signed_at = claims.expires_at - ORGANISER_MAX_AGE
        if account.sessions_valid_after is not None and signed_at < account.sessions_valid_after:
            return None
        return account

    def organiser(self, request: Request) -> str | None:
        """The signed-in organiser's email, or None."""
        claims = self.session(request)
        return claims.email if claims else None

    def grant(self, request: Request, claims: OrganiserToken, account: Account | None = None) -> Grant | None:
        """What the session may do on the route the request matched; None when the table refuses it."""
        account = account or self.account_of(claims)
        path = route_path(request)
        if account is None or path is None:
            return None
        rule = self.access.get(route_key(request.method, path))
        return decide(rule, claims.email, account.roles, account.networks)


def require_organiser(sessions: OrganiserSessions) -> Callable[[Request], Awaitable[str]]:
    """A FastAPI dependency: the organiser's email, if their roles may use this route.

    Not signed in: 401 (API) or a redirect to the sign-in page (pages). Signed in but the
    service's route-access table does not let their roles use the route (or does not name the
    route at all): 403. The grant is left on ``request.state.organiser_grant`` for routes that
    filter by network (``organiser_grant``).
    """

    existing = sessions.dependencies.get("require")
    if existing is not None:  # one callable per service, so FastAPI runs it once per request
        return existing

    async def dependency(request: Request) -> str:
        claims = sessions.session(request)
        if claims is None:
            if "text/html" in request.headers.get("accept", ""):
                raise HTTPException(status_code=303, headers={"Location": f"/organiser/login?next={request.url.path}"})
            raise HTTPException(status_code=401, detail="organiser sign-in required")
        account = sessions.account_of(claims)
        grant = sessions.grant(request, claims, account)
        if grant is None or account is None:
            log.warning(
                "organiser route refused to the organiser's roles",
                extra={"organiser": claims.email, "method": request.method, "path": request.url.path},
            )
            raise HTTPException(status_code=403, detail="Your organiser roles do not allow this.")
        request.state.organiser_grant = grant
        request.state.organiser_account = account
        return claims.email

    dependency.congress_organiser_route = True  # type: ignore[attr-defined]  # found by the route-access test
    sessions.dependencies["require"] = dependency
    return dependency


def organiser_grant(sessions: OrganiserSessions) -> Callable[..., Awaitable[Grant]]:
    """A FastAPI dependency: ``require_organiser``'s check, then what the organiser may see on the route.

    Network-scoped routes use it to filter (``Grant.networks``); FastAPI runs the check once per request.
    """
    require = require_organiser(sessions)

    async def dependency(request: Request, _who: str = Depends(require)) -> Grant:
        grant = getattr(request.state, "organiser_grant", None)
        if not isinstance(grant, Grant):
            raise HTTPException(status_code=403, detail="Your organiser roles do not allow this.")
        return grant

    return dependency


def organiser_actor(sessions: OrganiserSessions) -> Callable[..., Awaitable[audit.Actor]]:
    """A FastAPI dependency: ``require_organiser``'s check, then the audit trail's actor for the session — the
    account's id, never the address (decision 75). FastAPI runs the check once per request."""
    existing = sessions.dependencies.get("actor")
    if existing is not None:
        return existing
    require = require_organiser(sessions)

    async def dependency(request: Request, _who: str = Depends(require)) -> audit.Actor:
        account = getattr(request.state, "organiser_account", None)
        if not isinstance(account, Account):
            raise HTTPException(status_code=403, detail="Your organiser roles do not allow this.")
        return audit.organiser(account.account_id)

    sessions.dependencies["actor"] = dependency
    return dependency


def organiser_routes(routes: Sequence[BaseRoute]) -> list[tuple[str, str]]:
    """(method, path) of every route behind ``require_organiser``, as the route-access tables name them."""
    found: list[tuple[str, str]] = []
    for context in iter_route_contexts(routes):
        dependant = getattr(context, "dependant", None)
        if isinstance(dependant, Dependant) and _behind_organiser(dependant) and context.path:
            found.extend((method, context.path) for method in sorted((context.methods or set()) - {"HEAD"}))
    return found


def _behind_organiser(dependant: Dependant) -> bool:
    if getattr(dependant.call, "congress_organiser_route", False):
        return True
    return any(_behind_organiser(sub) for sub in dependant.dependencies)


def route_path(request: Request) -> str | None:
    """The declared path of the route a request matched, prefixes of included routers and all.

    FastAPI puts the route as it was declared on ``scope["route"]`` (without the prefix it was
    included under), so the app's full paths are indexed once per app by that route object.
    """
    route = request.scope.get("route")
    if route is None:
        return None
    paths: dict[int, str] | None = getattr(request.app.state, "congress_route_paths", None)
    if paths is None:
        paths = {id(c.original_route): c.path for c in iter_route_contexts(request.app.routes) if c.path}
        request.app.state.congress_route_paths = paths
    return paths.get(id(route))
