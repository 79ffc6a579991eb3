"""Registration built with real parts: a fresh database of each kind, stripe-mock, and (when asked) Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI

from services.common.congress import DEFAULT_CONFIG
from services.common.db import create_tables
from services.common.runtime import ServiceRuntime
from services.registration.adapters import db
from services.registration.app import build
from services.registration.commands.records import Deps
from services.registration.config import RegistrationSettings

EARLY = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
WEBHOOK_SECRET = "whsec_test_registration"


@dataclass
class Service:
    runtime: ServiceRuntime
    app: FastAPI
    deps: Deps
    client: httpx.AsyncClient
    settings: RegistrationSettings


def congress_file(tmp_path: Path, change: Callable[[dict[str, Any]], None] | None = None) -> Path:
    doc = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    if change:
        change(doc["registration"])
    path = tmp_path / "congress.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def settings_for(
    db_url: str,
    stripe_url: str,
    config: Path,
    *,
    kafka: str = "127.0.0.1:1",
    prefix: str = "",
    rate_limits: bool = False,
) -> RegistrationSettings:
    """Settings on real parts; rate limits off unless asked (tests make far more requests a minute from one
    client than people would; ``test_doors.py`` turns them on)."""
    aliased = {
        "CONGRESS_CONFIG": str(config),
        "CONGRESS_SECRET": "test-secret",
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "KAFKA_TOPIC_PREFIX": prefix,
        "CONGRESS_ORGANISER_PASSWORD": "organiser-pass",
    }
    return RegistrationSettings(
        database_url=db_url,
        stripe_api_base=stripe_url,
        stripe_webhook_secret=WEBHOOK_SECRET,
        public_url="http://testserver",
        relay_poll_seconds=0.2,
        rate_limits=rate_limits,
        **aliased,
    )


async def open_service(settings: RegistrationSettings, *, kafka: bool, now: datetime = EARLY) -> Service:
    runtime, app = build(settings, clock=lambda: now)
    deps: Deps = app.state.deps
    if kafka:
        await runtime.start()
    else:
        await create_tables(runtime.engine, db.metadata)
        for hook in runtime.on_start:
            await hook()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    return Service(runtime, app, deps, client, settings)


async def close_service(service: Service, *, kafka: bool) -> None:
    await service.client.aclose()
    if kafka:
        await service.runtime.stop()
    else:
        await service.runtime.engine.dispose()


@pytest.fixture
async def offline(db_url: str, stripe_mock_url: str, tmp_path: Path) -> AsyncIterator[Service]:
    """The service on a fresh database of each kind, without Kafka (the outbox fills, nothing relays)."""
    service = await open_service(settings_for(db_url, stripe_mock_url, congress_file(tmp_path)), kafka=False)
    yield service
    await close_service(service, kafka=False)


def delegate(i: int = 0, **over: Any) -> dict[str, Any]:
    base = {
        "given_name": "Aiko",
        "family_name": f"田中{i}",
        "affiliation": "東京大学",
        "country": "JP",
        "email": f"aiko{i}@example.org",
        "language": "ja",
        "category": "member",
    }
    return base | over


async def webhook(service: Service, event_type: str, payer_id: str, amount: int, **over: Any) -> dict[str, Any]:
    """Post the signed Checkout Session webhook Stripe would send; returns the service's answer."""
    from services.registration.adapters.stripe import checkout_event, sign_webhook

    fields: dict[str, Any] = {
        "session_id": f"cs_{payer_id}",
        "currency": "EUR",
        "payment_status": "paid",
        "payment_intent": "pi_1PgafyB7WZ01zgkWSjxsAJo3",
    } | over
    body = checkout_event(event_type, payer_id=payer_id, amount_minor=amount, **fields)
    answer = await service.client.post(
        "/stripe/webhook", content=body, headers={"stripe-signature": sign_webhook(body, WEBHOOK_SECRET)}
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def register_and_pay(service: Service, *delegates: dict[str, Any], **body: Any) -> dict[str, Any]:
    """Register by card and send the paid webhook; returns the registration answer."""
    answer = await service.client.post("/api/registrations", json={"delegates": list(delegates)} | body)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    if created["payment_url"]:
        outcome = await webhook(service, "checkout.session.completed", created["payer_id"], created["total"])
        assert outcome["outcome"] == "confirmed"
    return created
