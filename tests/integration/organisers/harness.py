"""Every service app in one process on real Kafka, SQLite and an SMTP sink: the organiser-access tests' world.

Each app runs its own lifespan (runtime, consumers, sign-out and account readers) as ``make demo``
would, and is reached in-process through ``httpx.ASGITransport``. notify mails through a
``RecordingSink`` (a real aiosmtpd server). Badges renders in-process (no pool to warm).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from services.abstracts.app import build as build_abstracts
from services.abstracts.config import AbstractsSettings
from services.badges.adapters.pool import InProcessRenderer
from services.badges.app import build as build_badges
from services.badges.app import header_for
from services.badges.config import BadgesSettings
from services.common.congress import load_congress
from services.console.app import build as build_console
from services.console.config import ConsoleSettings
from services.notify.app import build as build_notify
from services.notify.commands.accounts import Accounts
from services.notify.config import NotifySettings
from services.registration.app import build as build_registration
from services.registration.config import RegistrationSettings
from tests.integration.registration.conftest import WEBHOOK_SECRET

SECRET = "organisers-secret"
ADMIN = "organiser@icsei.example.org"
"""The edition file's organiser: the seeded admin (every role), password ``ADMIN_PASSWORD``."""
ADMIN_PASSWORD = "seeded-admin-pass"
SERVICES = ("console", "registration", "abstracts", "badges", "notify")


@dataclass
class World:
    apps: dict[str, FastAPI]
    clients: dict[str, httpx.AsyncClient]
    accounts: Accounts
    notify_url: str


def _settings(tmp: Path, kafka: str, prefix: str, stripe_url: str, smtp_port: int) -> dict[str, Any]:
    shared = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "KAFKA_TOPIC_PREFIX": prefix,
        "CONGRESS_SECRET": SECRET,
        "CONGRESS_ORGANISER_PASSWORD": ADMIN_PASSWORD,
    }

    def db(name: str) -> str:
        return f"sqlite+aiosqlite:///{tmp / f'{name}.sqlite3'}"

    return {
        "console": ConsoleSettings(journal_path=str(tmp / "journal.sqlite3"), **shared),
        "registration": RegistrationSettings(
            database_url=db("registration"),
            stripe_api_base=stripe_url,
            stripe_webhook_secret=WEBHOOK_SECRET,
            public_url="http://registration",
            relay_poll_seconds=0.2,
            rate_limits=False,
            **shared,
        ),
        "abstracts": AbstractsSettings(
            database_url=db("abstracts"), public_url="http://abstracts", relay_poll_seconds=0.2, **shared
        ),
        "badges": BadgesSettings(database_url=db("badges"), store_dir=tmp / "pdfs", relay_poll_seconds=0.2, **shared),
        "notify": NotifySettings(
            database_url=db("notify"),
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            embedded_sink=False,
            mail_dir=str(tmp / "mail"),
            public_url="http://notify",
            relay_poll_seconds=0.2,
            **shared,
        ),
    }


@contextlib.asynccontextmanager
async def every_service(tmp: Path, kafka: str, prefix: str, stripe_url: str, smtp_port: int) -> AsyncIterator[World]:
    settings = _settings(tmp, kafka, prefix, stripe_url, smtp_port)
    apps = {
        "console": build_console(settings["console"])[1],
        "registration": build_registration(settings["registration"])[1],
        "abstracts": build_abstracts(settings["abstracts"])[1],
        "badges": build_badges(
            settings["badges"],
            renderer=InProcessRenderer(header_for(load_congress()), font_cache=settings["badges"].font_cache),
        )[1],
        "notify": build_notify(settings["notify"])[1],
    }
    async with contextlib.AsyncExitStack() as stack:
        clients: dict[str, httpx.AsyncClient] = {}
        for name, app in apps.items():
            await stack.enter_async_context(app.router.lifespan_context(app))
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")
            clients[name] = await stack.enter_async_context(client)
        yield World(apps, clients, apps["notify"].state.accounts, "http://notify")
