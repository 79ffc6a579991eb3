"""`make demo`'s organising team: the seeded admin invites each member at notify, each member opens the
invitation notify mailed to the demo's own SMTP sink and sets the demo password, then signs in with it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from services.demo.team import TEAM, invite_team
from services.devtools.processes import free_port
from services.notify.app import build
from services.notify.config import NotifySettings
from tests.forms import submit

PASSWORD = "demo-password-123"


async def test_the_admin_invites_the_team_and_each_signs_in(
    tmp_path: Path, kafka_bootstrap: str, topic_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_MAIL_DIR", str(tmp_path / "mail"))
    settings = NotifySettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'notify.sqlite3'}",
        embedded_sink=True,
        smtp_port=free_port(),
        mail_dir=str(tmp_path / "mail"),
        public_url="http://notify",
        relay_poll_seconds=0.2,
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        KAFKA_TOPIC_PREFIX=topic_prefix,
        CONGRESS_SECRET="team-secret",
        CONGRESS_ORGANISER_PASSWORD=PASSWORD,
    )
    _runtime, app = build(settings)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app):
        ready = await invite_team("http://notify", "organiser@icsei.example.org", PASSWORD, transport=transport)
        assert ready == [email for email, *_ in TEAM]
        async with httpx.AsyncClient(transport=transport, base_url="http://notify") as chair:
            data = {"email": "convener.du@icsei.example.org", "password": PASSWORD, "next": "/organiser/me"}
            assert (await submit(chair, "/organiser/login", "/organiser/login", data)).status_code == 303
            me = await chair.get("/organiser/me")
            assert me.status_code == 200 and "Network convener" in me.text
        again = await invite_team("http://notify", "organiser@icsei.example.org", PASSWORD, transport=transport)
        assert again == ready  # a demo started again finds its team
