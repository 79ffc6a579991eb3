"""Station tokens: an organiser issues one per device and can revoke it; the device keeps it in a cookie."""

from __future__ import annotations

import secrets

from services.badges.commands import audited
from services.badges.domain import StationRecord
from services.badges.ports import BadgeDeps
from services.common.audit import Actor
from services.common.auth import InvalidToken, sign, verify
from services.common.text import clean_for_display

STATION_PURPOSE = "station"
STATION_MAX_AGE = 30 * 24 * 3600


async def issue(deps: BadgeDeps, *, label: str, actor: Actor) -> tuple[str, str]:
    """A new station id and its signed token (only the id is in the token)."""
    station_id = f"st-{secrets.token_hex(4)}"
    async with deps.units.begin() as unit:
        await unit.store.add_station(
            StationRecord(station_id, clean_for_display(label)[:200], actor.name, deps.clock.now(), None)
        )
        audited.note(deps, unit, "badges.station.issue", actor, station_id)
    return station_id, sign(deps.secret, STATION_PURPOSE, {"s": station_id})


async def revoke(deps: BadgeDeps, station_id: str, actor: Actor) -> None:
    async with deps.units.begin() as unit:
        await unit.store.revoke_station(station_id, deps.clock.now())
        audited.note(deps, unit, "badges.station.revoke", actor, station_id)


async def station_for_token(deps: BadgeDeps, token: str) -> str | None:
    """The station a valid token names, if it has not been revoked."""
    try:
        station_id = str(verify(deps.secret, STATION_PURPOSE, token, max_age_seconds=STATION_MAX_AGE)["s"])
    except (InvalidToken, KeyError):
        return None
    async with deps.units.read() as store:
        station = await store.station(station_id)
    return station_id if station is not None and station.revoked_at is None else None
