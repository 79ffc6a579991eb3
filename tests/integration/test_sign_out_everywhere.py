"""Signing out in one service ends the session in the others (issue 12, finding 3), over a real Kafka.

The abstracts service announces its sign-out through its outbox; the console, which has no
database, sends its own directly. Each service reads ``congress.sessions`` and refuses the old token.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from services.abstracts.app import build as build_abstracts
from services.abstracts.config import AbstractsSettings
from services.common.auth import ORGANISER_COOKIE
from services.console.app import build as build_console
from services.console.config import ConsoleSettings
from tests.forms import submit
from tests.kafka_helpers import eventually

SECRET = "sign-out-secret"
EMAIL = "organiser@icsei.example.org"


async def sign_in(client: httpx.AsyncClient) -> str:
    form = {"email": EMAIL, "password": "pw", "next": "/"}
    answer = await submit(client, "/organiser/login", "/organiser/login", form)
    assert answer.status_code == 303
    return answer.cookies[ORGANISER_COOKIE]


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "accept": "application/json"}


async def test_a_sign_out_in_one_service_is_refused_by_the_others(
    tmp_path: Path, kafka_bootstrap: str, topic_prefix: str
) -> None:
    shared = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": topic_prefix,
        "CONGRESS_SECRET": SECRET,
        "CONGRESS_ORGANISER_PASSWORD": "pw",
    }
    abstracts_runtime, abstracts_app = build_abstracts(
        AbstractsSettings(
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'a.sqlite3'}", relay_poll_seconds=0.2, **shared
        )
    )
    console_runtime, console_app = build_console(ConsoleSettings(**shared))
    await abstracts_runtime.start()
    await console_runtime.start()
    abstracts = httpx.AsyncClient(transport=httpx.ASGITransport(app=abstracts_app), base_url="http://abstracts")
    console = httpx.AsyncClient(transport=httpx.ASGITransport(app=console_app), base_url="http://console")
    try:
        token = await sign_in(abstracts)
        assert (await console.get("/api/figures", headers=bearer(token))).status_code == 200
        assert (await submit(abstracts, "/organiser/logout", "/organiser/logout")).status_code == 303
        assert (await abstracts.get("/api/organiser/abstracts", headers=bearer(token))).status_code == 401

        async def console_refuses() -> bool:
            return (await console.get("/api/figures", headers=bearer(token))).status_code == 401

        await eventually(console_refuses, timeout=60)

        other = await sign_in(console)
        assert (await abstracts.get("/api/organiser/abstracts", headers=bearer(other))).status_code == 200
        assert (await submit(console, "/organiser/logout", "/organiser/logout")).status_code == 303

        async def abstracts_refuses() -> bool:
            return (await abstracts.get("/api/organiser/abstracts", headers=bearer(other))).status_code == 401

        await eventually(abstracts_refuses, timeout=60)
    finally:
        await abstracts.aclose()
        await console.aclose()
        await console_runtime.stop()
        await abstracts_runtime.stop()
