"""A station laptop booted with no link to Kafka still signs in, finds, prints and checks in."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime
from pathlib import Path

import httpx

from services.badges import domain
from services.badges.adapters import db
from services.badges.adapters.pool import InProcessRenderer
from services.badges.app import build, header_for
from services.badges.config import BadgesSettings
from services.common.auth import organiser_token, sign
from services.common.congress import load_congress
from services.common.migrations import prepare_database
from tests.integration.badges import factories as f

SECRET = "offline-secret"


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens here once the socket is closed


async def test_station_works_offline_from_boot(congress_home: Path) -> None:
    settings = BadgesSettings(
        KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{dead_port()}",
        CONGRESS_SECRET=SECRET,
        database_url=f"sqlite+aiosqlite:///{congress_home / 'station.db'}",
        store_dir=congress_home / "pdfs",
    )
    runtime, app = build(
        settings, renderer=InProcessRenderer(header_for(load_congress()), font_cache=settings.font_cache)
    )
    person = f.delegate("Jürgen", "Müller")
    async with app.router.lifespan_context(app):
        async with (
            runtime.sessionmaker() as session,
            session.begin(),
        ):  # the replica as it was last synced
            await db.upsert_delegate(
                session,
                congress_id=f.CONGRESS,
                registration_id="r",
                version=1,
                status="confirmed",
                paid=True,
                delegate=person,
                now=datetime.now(UTC),
            )
        bearer = {"authorization": f"Bearer {organiser_token(SECRET, 'organiser@icsei.example.org')}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://station", headers=bearer) as http:
            assert (await http.get("/readyz")).status_code == 503
            status = (await http.get("/station/status")).json()
            assert status["state"] == "offline" and status["kafka_reachable"] is False
            assert person.given_name in (await http.get("/station", params={"q": "muller"})).text
            printed = await http.post(f"/station/print/{person.delegate_id}")
            assert "Printed" in printed.text  # rendered locally on demand
            token = sign(
                SECRET,
                domain.QR_PURPOSE,
                domain.qr_payload(person.delegate_id, 1, f.CONGRESS),
            )
            assert "Checked in" in (await http.post("/station/scan", data={"token": token})).text
            status = (await http.get("/station/status")).json()
            # BadgeIssued, the data key its personal fields are sealed with (congress.keys), BadgePrinted and
            # DelegateCheckedIn wait in the outbox for the link
            assert status["backlog"] == 4 and "4 event(s) kept locally" in status["label"]


class SlowToWarm(InProcessRenderer):
    """A renderer whose workers take as long to warm as the test wants (a loaded venue laptop: minutes)."""

    def __init__(self) -> None:
        super().__init__(header_for(load_congress()))
        self.names: str | None = None
        self.release = asyncio.Event()
        self.warm_done = asyncio.Event()

    def know_names(self, characters: str) -> None:
        self.names = characters

    async def warm(self, extra_chars: str = "") -> None:
        await self.release.wait()
        self.warm_done.set()


async def test_the_station_answers_before_the_render_pool_is_warm(congress_home: Path) -> None:
    settings = BadgesSettings(
        KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{dead_port()}",
        CONGRESS_SECRET=SECRET,
        database_url=f"sqlite+aiosqlite:///{congress_home / 'slow.db'}",
        store_dir=congress_home / "pdfs",
    )
    renderer = SlowToWarm()
    runtime, app = build(settings, renderer=renderer)
    person = f.delegate("山田", "Müller")
    await prepare_database(runtime.engine, settings.service_name, db.metadata)
    async with runtime.sessionmaker() as session, session.begin():
        await db.upsert_delegate(
            session,
            congress_id=f.CONGRESS,
            registration_id="r",
            version=1,
            status="confirmed",
            paid=True,
            delegate=person,
            now=datetime.now(UTC),
        )
    bearer = {"authorization": f"Bearer {organiser_token(SECRET, 'organiser@icsei.example.org')}"}
    async with asyncio.timeout(60), app.router.lifespan_context(app):  # was: start-up waited for the warm-up
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://station", headers=bearer) as http:
            readyz = (await http.get("/readyz")).json()
            assert readyz["checks"]["started"] and readyz["checks"]["database"]  # not ready only for want of Kafka
            assert person.family_name in (await http.get("/station", params={"q": "muller"})).text
            assert not renderer.warm_done.is_set()
            assert renderer.names is not None and "山" in renderer.names  # the workers' fonts cut to the replica
            renderer.release.set()
            await renderer.warm_done.wait()
            assert app.state.warming is not None
            await app.state.warming  # the background warm-up finished cleanly
