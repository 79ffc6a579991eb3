"""A visa-request link expires: the old one shows "this link has expired" with "send me a new link", which
mails (LinkSent, sealed for notify) a fresh link to the delegate's address on record; the fresh link works."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from schemas import decode
from schemas.access import AccessKind
from schemas.badges import BadgesLinkSent
from services.badges.adapters import db
from services.badges.adapters.pool import InProcessRenderer
from services.badges.app import build, header_for
from services.badges.commands.visa import visa_request_token
from services.badges.config import BadgesSettings
from services.common.congress import load_congress
from services.common.outbox import outbox_table
from services.common.sealing import NOTIFY_LINK, unseal
from tests.forms import token_in
from tests.integration.badges import factories as f

SECRET = "visa-secret"


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_an_expired_visa_link_offers_a_new_one_sent_to_the_address_on_record(
    congress_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = BadgesSettings(
        KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{dead_port()}",
        CONGRESS_SECRET=SECRET,
        database_url=f"sqlite+aiosqlite:///{congress_home / 'badges.db'}",
        store_dir=congress_home / "pdfs",
        public_url="http://station",
    )
    runtime, app = build(
        settings, renderer=InProcessRenderer(header_for(load_congress()), font_cache=settings.font_cache)
    )
    person = f.delegate("Jürgen", "Müller")
    async with app.router.lifespan_context(app):
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
        with monkeypatch.context() as m:
            real = time.time
            m.setattr(time, "time", lambda: real() - (settings.visa_link_days + 1) * 86400)
            old = visa_request_token(SECRET, person.delegate_id)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://station") as http:
            page = await http.get(f"/visa/{old}")
            assert page.status_code == 410 and "has expired" in page.text
            assert 'action="/visa-link/new"' in page.text and "Send me a new link" in page.text
            form = {"passport_name": "J M", "nationality": "DE", "passport_number": "C1", "arrival": "2027-01-04"}
            api = await http.post(f"/api/visa/{old}", json=form | {"departure": "2027-01-09"})
            assert api.status_code == 410 and "expired" in api.json()["error"]
            answer = await http.post("/visa-link/new", data={"t": old, "csrf_token": token_in(page.text)})
            assert answer.status_code == 200 and "on its way" in answer.text
            forged = await http.post("/visa-link/new", data={"t": old[:-3] + "xyz", "csrf_token": token_in(page.text)})
            assert forged.text == answer.text
            async with runtime.engine.connect() as conn:
                values = (await conn.execute(select(outbox_table.c.value))).scalars().all()
            sent = [
                e
                for e in (decode(v, runtime.keyring.opener(final=True)).data for v in values if v)
                if isinstance(e, BadgesLinkSent)
            ]
            assert len(sent) == 1 and sent[0].kind is AccessKind.VISA and sent[0].email == person.email
            link = unseal(SECRET, NOTIFY_LINK, sent[0].sealed_link, bound_to=person.delegate_id)
            fresh = await http.get(link.removeprefix("http://station"))
            assert fresh.status_code == 200 and "Passport number" in fresh.text
