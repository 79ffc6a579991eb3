"""A delegate's export of everything (issue 16): registration asks abstracts, badges and notify — each a
real app with its own database, reached through its authenticated ``/internal/export`` — and hands over one
zip whose JSON and summary hold the registration, the payments, the documents, the abstracts authored and
the emails sent; the request and the delivery are audited. SQLite and PostgreSQL for registration."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select

from schemas import decode
from schemas.audit import ActorKind, OrganiserActed
from services.badges.adapters import db as badges_db
from services.badges.app import build as build_badges
from services.badges.config import BadgesSettings
from services.common.auth import organiser_token, sign
from services.common.db import create_tables
from services.common.outbox import outbox_table
from services.notify.adapters.db import messages, notify_metadata
from services.notify.app import build as build_notify
from services.notify.config import NotifySettings
from services.registration.adapters.export_sources import HttpExportSources
from services.registration.web.self_service import DELEGATE_COOKIE
from tests.forms import page_token
from tests.integration.abstracts import conftest as abstracts
from tests.integration.badges import factories as f
from tests.integration.registration.conftest import Service, delegate, register_and_pay

SECRET = "test-secret"


@pytest.fixture
async def others(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """Abstracts, badges and notify on SQLite files of their own, without Kafka."""
    paper = await abstracts.open_service(
        abstracts.settings_for(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"), kafka=False
    )
    badges_settings = BadgesSettings(
        KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
        CONGRESS_SECRET=SECRET,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'b.db'}",
        store_dir=tmp_path / "pdfs",
    )
    badges_runtime, badges_app = build_badges(badges_settings)
    await create_tables(badges_runtime.engine, badges_db.metadata)
    notify_settings = NotifySettings(
        KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
        CONGRESS_SECRET=SECRET,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'n.db'}",
        smtp_host="127.0.0.1",
    )
    notify_runtime, notify_app = build_notify(notify_settings)
    await create_tables(notify_runtime.engine, notify_metadata)
    yield {
        "abstracts": paper,
        "badges": (badges_runtime, badges_app),
        "notify": (notify_runtime, notify_app),
    }
    await abstracts.close_service(paper, kafka=False)
    await badges_runtime.engine.dispose()
    await notify_runtime.engine.dispose()


async def test_the_archive_holds_everything_from_every_service(offline: Service, others: dict[str, Any]) -> None:
    created = await register_and_pay(offline, delegate(1, given_name="Wanjiru", badge_name="Wanjiru Kamau"))
    async with offline.deps.units.read() as tx:
        reg = await tx.registrations.get(created["payer_id"])
    assert reg is not None
    person = f.delegate("Wanjiru", "Kamau", delegate_id=reg.delegate_id)

    paper = others["abstracts"]
    submitted = await paper.client.post(
        "/api/abstracts",
        json=abstracts.abstract(title="Data use in Nairobi", authors=[abstracts.author(0, email=reg.email)]),
    )
    assert submitted.status_code == 201, submitted.text
    badges_runtime, badges_app = others["badges"]
    async with badges_runtime.sessionmaker() as session, session.begin():
        now = datetime.now(UTC)
        await badges_db.upsert_delegate(
            session,
            congress_id=f.CONGRESS,
            registration_id=reg.id,
            version=1,
            status="confirmed",
            paid=True,
            delegate=person,
            now=now,
        )
        await session.execute(
            insert(badges_db.documents).values(
                kind="receipt",
                number="ICSEI27-R-0042",
                delegate_id=reg.delegate_id,
                cause="c1",
                sha256="0" * 64,
                location="/nowhere",
                issued_at=now,
            )
        )
    notify_runtime, notify_app = others["notify"]
    async with notify_runtime.engine.begin() as conn:
        await conn.execute(
            insert(messages).values(
                message_id="<m@x>",
                cause_event_id="e",
                template="confirmation",
                recipient_id=reg.delegate_id,
                to=reg.email,
                subject="Welcome to ICSEI 2027, Wanjiru",
                status="sent",
                detail="250",
                attempts=1,
                recorded_at=now,
            )
        )
    transports = {
        "abstracts": httpx.ASGITransport(app=paper.app),
        "badges": httpx.ASGITransport(app=badges_app),
        "notify": httpx.ASGITransport(app=notify_app),
    }
    urls = {name: f"http://{name}" for name in transports}
    offline.deps.exports = HttpExportSources(SECRET, urls, transports=transports)

    async with httpx.AsyncClient(transport=transports["badges"], base_url="http://badges") as raw:
        assert (await raw.get("/internal/export")).status_code == 401  # no token, no answer
        forged = sign("another-secret", "personal-export", {"delegate_id": reg.delegate_id, "email": reg.email})
        assert (await raw.get("/internal/export", headers={"authorization": f"Bearer {forged}"})).status_code == 401

    offline.client.cookies.set(DELEGATE_COOKIE, sign(SECRET, "delegate-session", {"rid": reg.id}))
    token = await page_token(offline.client, "/me")
    answer = await offline.client.post("/me/export", data={"csrf_token": token})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    files = zipfile.ZipFile(io.BytesIO(answer.content))
    assert sorted(files.namelist()) == ["data.json", "summary.html"]
    data = json.loads(files.read("data.json"))
    mine = data["registration"]
    assert mine["registration"]["number"] == reg.number and mine["registration"]["given_name"] == "Wanjiru"
    assert mine["payments"]["paid"] is True and mine["payments"]["payment_reference"]
    assert [d["number"] for d in data["badges"]["documents"]] == ["ICSEI27-R-0042"]
    assert [a["title"] for a in data["abstracts"]["abstracts"]] == ["Data use in Nairobi"]
    assert [m["subject"] for m in data["notify"]["emails"]] == ["Welcome to ICSEI 2027, Wanjiru"]
    summary = files.read("summary.html").decode()
    assert "Wanjiru Kamau" in summary and "ICSEI27-R-0042" in summary and "Data use in Nairobi" in summary

    organiser = {"authorization": f"Bearer {organiser_token(SECRET, 'organiser@icsei.example.org')}"}
    again = await offline.client.post(f"/organiser/personal-export/{reg.id}", headers=organiser)
    assert again.status_code == 200 and zipfile.ZipFile(io.BytesIO(again.content)).read("data.json")

    async with offline.runtime.engine.connect() as conn:
        values = (await conn.execute(select(outbox_table.c.value))).scalars().all()
    audit = [e for e in (decode(v).data for v in values if v) if isinstance(e, OrganiserActed)]
    exports = [(a.action, a.actor_kind) for a in audit if "personal-export" in a.action]
    assert exports == [
        ("registration.personal-export.request", ActorKind.DELEGATE),
        ("registration.personal-export.deliver", ActorKind.DELEGATE),
        ("registration.personal-export.request", ActorKind.ORGANISER),
        ("registration.personal-export.deliver", ActorKind.ORGANISER),
    ]
    assert all(a.delegate_id == reg.delegate_id for a in audit if "personal-export" in a.action)
