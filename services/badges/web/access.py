"""Who may use the station pages: a device with a valid, unrevoked station token, or a signed-in organiser."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request

from services.badges.commands import stations
from services.badges.ports import BadgeDeps
from services.common.organiser_sessions import OrganiserSessions

STATION_COOKIE = "congress_station"


def require_station(deps: BadgeDeps, sessions: OrganiserSessions) -> Callable[[Request], Awaitable[str]]:
    """A FastAPI dependency: the station id from a valid, unrevoked token — or an organiser's own session."""

    async def dependency(request: Request) -> str:
        token = request.cookies.get(STATION_COOKIE) or request.headers.get("x-station-token", "")
        if token and (station_id := await stations.station_for_token(deps, token)):
            return station_id
        organiser = sessions.organiser(request)
        if organiser is not None:
            return f"organiser:{organiser}"
        raise HTTPException(status_code=403, detail="this device is not a signed-in station")

    return dependency
