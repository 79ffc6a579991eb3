"""Who may use the station pages: a device with a valid, unrevoked station token, or a signed-in organiser."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request

from services.badges.commands import stations
from services.badges.ports import BadgeDeps
from services.common.organiser_sessions import OrganiserSessions

STATION_COOKIE = "congress_station"


def require_station(deps: BadgeDeps, sessions: OrganiserSessions) -> Callable[[Request], Awaitable[str]]:
    """A FastAPI dependency: the station id from a valid, unrevoked token — or an organiser's own session,
    if the route-access table lets their roles use the station route (403 otherwise), as ``organiser:`` and
    the account's id (it goes on check-ins, prints and the audit trail: never the address, decision 75)."""

    async def dependency(request: Request) -> str:
        token = request.cookies.get(STATION_COOKIE) or request.headers.get("x-station-token", "")
        if token and (station_id := await stations.station_for_token(deps, token)):
            return station_id
        claims = sessions.session(request)
        account = sessions.account_of(claims) if claims is not None else None
        if claims is not None and account is not None:
            if sessions.grant(request, claims, account) is None:
                raise HTTPException(status_code=403, detail="Your organiser roles do not allow the station.")
            return f"organiser:{account.account_id}"
        raise HTTPException(status_code=403, detail="this device is not a signed-in station")

    dependency.congress_organiser_route = True  # type: ignore[attr-defined]  # organisers use it too: in the table
    return dependency
