"""A sign-in link crosses the stream sealed: registration's relay puts it on real Kafka where it cannot be
used, notify opens it into the email (real SMTP), and the link in the email signs the delegate in."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

from schemas import decode, topics
from schemas.registration import MagicLinkRequestedV2
from services.notify.app import build as build_notify
from services.notify.config import NotifySettings
from services.registration.commands import links
from tests.forms import sign_in_by_link
from tests.integration.notify.sink import RecordingSink
from tests.integration.registration.conftest import close_service, congress_file, delegate, open_service, settings_for
from tests.kafka_helpers import eventually, read_records

SIGNED_TOKEN = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")


def plain(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


async def test_the_topic_holds_no_usable_link_and_the_email_holds_a_working_one(
    kafka_bootstrap: str, topic_prefix: str, db_url: str, stripe_mock_url: str, tmp_path: Path
) -> None:
    reg_settings = settings_for(
        f"sqlite+aiosqlite:///{tmp_path / 'reg.sqlite3'}",
        stripe_mock_url,
        congress_file(tmp_path),
        kafka=kafka_bootstrap,
        prefix=topic_prefix,
    )
    registration = await open_service(reg_settings, kafka=True)
    try:
        client = registration.client
        payer = (await client.post("/api/registrations", json={"delegates": [delegate(0)]})).json()["payer_id"]
        assert await links.request_sign_in(registration.deps, "aiko0@example.org") == 1
        records = await read_records(
            kafka_bootstrap,
            topic_prefix + topics.REGISTRATION,
            until=lambda rs: any(b"MagicLinkRequested.v2" in (r.value or b"") for r in rs),
        )
        raw = next(r.value for r in records if b"MagicLinkRequested.v2" in (r.value or b""))
        assert raw is not None and b"/me/" not in raw and not SIGNED_TOKEN.search(raw.decode())
        sealed = decode(raw).data
        assert isinstance(sealed, MagicLinkRequestedV2) and sealed.registration_id == payer

        with RecordingSink() as sink:
            notify_settings = NotifySettings(
                kafka_bootstrap_servers=kafka_bootstrap,
                kafka_topic_prefix=topic_prefix,
                database_url=db_url,
                smtp_host="127.0.0.1",
                smtp_port=sink.port,
                embedded_sink=False,
                mail_dir=str(tmp_path / "mail"),
                CONGRESS_SECRET="test-secret",
            )
            _runtime, app = build_notify(notify_settings)
            async with app.router.lifespan_context(app):
                await eventually(
                    lambda: any(m["X-Congress-Template"] == "magic_link" for m in sink.handler.snapshot()), timeout=60
                )
        mail = next(m for m in sink.handler.snapshot() if m["X-Congress-Template"] == "magic_link")
        assert mail["To"].addresses[0].addr_spec == "aiko0@example.org"
        found = re.search(r"http://testserver(/me/\S+)", plain(mail))
        assert found, plain(mail)
        signed_in = await sign_in_by_link(client, found.group(1))
        assert signed_in.status_code == 303
        assert "田中0" in (await client.get("/me")).text
    finally:
        await close_service(registration, kafka=True)
