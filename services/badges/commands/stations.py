"""Station tokens: an organiser issues one per device and can revoke it; the device keeps it in a cookie."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime

from fastapi import HTTPException, Request
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.badges.adapters import db
from services.common.auth import InvalidToken, sign, verify
from services.common.organiser_sessions import OrganiserSessions
from services.common.text import clean_for_display

STATION_COOKIE = "congress_station"
STATION_PURPOSE = "station"
STATION_MAX_AGE = 30 * 24 * 3600


async def issue(
    secret: str,
    sm: async_sessionmaker[AsyncSession],
    *,
    label: str,
    organiser: str,
    now: datetime,
) -> tuple[str, str]:
    """A new station id and its signed token (only the id is in the token)."""
    station_id = f"st-{secrets.token_hex(4)}"
    async with sm() as session, session.begin():
        await session.execute(
            insert(db.stations).values(
                station_id=station_id,
                label=clean_for_display(label)[:200],
                issued_by=organiser,
                issued_at=now,
            )
        )
    return station_id, sign(secret, STATION_PURPOSE, {"s": station_id})


async def revoke(sm: async_sessionmaker[AsyncSession], station_id: str, now: datetime) -> None:
    async with sm() as session, session.begin():
        await session.execute(
            update(db.stations)
            .where(
                db.stations.c.station_id == station_id,
                db.stations.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )


async def station_for_token(secret: str, sm: async_sessionmaker[AsyncSession], token: str) -> str | None:
    try:
        station_id = str(verify(secret, STATION_PURPOSE, token, max_age_seconds=STATION_MAX_AGE)["s"])
    except (InvalidToken, KeyError):
        return None
    async with sm() as session:
        row = (
            await session.execute(select(db.stations.c.revoked_at).where(db.stations.c.station_id == station_id))
        ).first()
    return station_id if row is not None and row.revoked_at is None else None


def require_station(
    secret: str, sm: async_sessionmaker[AsyncSession], sessions: OrganiserSessions
) -> Callable[[Request], Awaitable[str]]:
    """A FastAPI dependency: the station id from a valid, unrevoked token — or an organiser's own session."""

    async def dependency(request: Request) -> str:
        token = request.cookies.get(STATION_COOKIE) or request.headers.get("x-station-token", "")
        if token and (station_id := await station_for_token(secret, sm, token)):
            return station_id
        organiser = sessions.organiser(request)
        if organiser is not None:
            return f"organiser:{organiser}"
        raise HTTPException(status_code=403, detail="this device is not a signed-in station")

    return dependency
