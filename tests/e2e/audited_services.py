"""Each service served on a free port for the accessibility audit, with enough made to fill its pages.

Each talks to the tests' real Kafka under the test's own topic prefix. Each context manager yields the
base URL and the values for the ``{placeholders}`` in ``tests/e2e/pages.py``.
"""

from __future__ import annotations

import asyncio
import re
import smtplib
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from schemas import topics
from schemas.values import PaymentMethod
from services.abstracts.app import build as build_abstracts
from services.abstracts.config import AbstractsSettings
from services.badges.app import build as build_badges
from services.badges.commands import visa
from services.badges.config import BadgesSettings
from services.common.auth import ORGANISER_COOKIE, organiser_token, sign
from services.common.roles import Role
from services.console.app import build as build_console
from services.console.config import ConsoleSettings
from services.devtools.processes import free_port
from services.notify.app import build as build_notify
from services.notify.commands.accounts import INVITATION, Accounts
from services.notify.config import NotifySettings
from services.registration.app import build as build_registration
from services.registration.commands import links
from services.registration.config import RegistrationSettings
from tests.e2e.audited_registration import payment_values
from tests.e2e.chromium import served
from tests.integration.abstracts.conftest import BEFORE_DEADLINE, ORGANISER, SECRET, Service, submit
from tests.integration.abstracts.programme_data import accept_abstracts
from tests.kafka_helpers import eventually, publish
from tests.unit.console.events import delegate, eur, registered

ORGANISER_EMAIL = "organiser@icsei.example.org"
Values = dict[str, str]
DELEGATE_SIGN_IN = "delegate_sign_in"
"""The value naming the link that signs a delegate in, for the pages ``who="delegate"`` opens."""
Serving = Callable[["Place"], AbstractAsyncContextManager[tuple[str, Values]]]
DELEGATE = {
    "given_name": "Amani",
    "family_name": "Njeri",
    "affiliation": "University of Nairobi",
    "country": "KE",
    "email": "amani@example.org",
    "category": "member",
}
INVOICE = {"institution_name": "Uni", "institution_address": "Street 1", "email": "billing@example.org"}


@dataclass(frozen=True)
class Place:
    """Where a service under audit keeps its files and finds Kafka."""

    tmp: Path
    kafka: str
    prefix: str
    stripe: str = ""


def common(place: Place, name: str, port: int) -> dict[str, Any]:
    """Settings every service takes: its own SQLite file, a port, the shared secret, Kafka and the prefix."""
    return {
        "database_url": f"sqlite+aiosqlite:///{place.tmp / f'{name}.sqlite3'}",
        "http_port": port,
        "KAFKA_BOOTSTRAP_SERVERS": place.kafka,
        "KAFKA_TOPIC_PREFIX": place.prefix,
        "CONGRESS_SECRET": SECRET,
    }


@asynccontextmanager
async def abstracts_service(place: Place) -> AsyncIterator[Service]:
    """The abstracts service on a free port with an API client (shared with the programme's phone test)."""
    port = free_port()
    settings = AbstractsSettings(public_url=f"http://127.0.0.1:{port}", **common(place, "abstracts", port))
    runtime, app = build_abstracts(settings, clock=lambda: BEFORE_DEADLINE)
    async with served(app, port) as base, httpx.AsyncClient(base_url=base) as client:
        yield Service(runtime, app, app.state.deps, client, [BEFORE_DEADLINE])


@asynccontextmanager
async def abstracts(place: Place) -> AsyncIterator[tuple[str, Values]]:
    async with abstracts_service(place) as service:
        await accept_abstracts(service)
        for step in ("generate", "publish"):
            answer = await service.client.post(f"/api/organiser/programme/{step}", headers=ORGANISER)
            assert answer.status_code == 200, answer.text
        pending = await submit(service, title="Pending: trust in data teams")
        edit = urlsplit(pending["edit_link"])
        body = {"name": "Grace", "email": "grace@rev.example.org", "affiliation": "University of Ghana"}
        answer = await service.client.post(
            "/api/organiser/reviewers", json=body | {"networks": ["DU"]}, headers=ORGANISER
        )
        assert answer.status_code == 201, answer.text
        reviewer = answer.json()
        portal = urlsplit(reviewer["portal_link"]).path
        assigned = await service.client.post("/api/organiser/assign", headers=ORGANISER)
        assert assigned.status_code == 200, assigned.text
        values = {
            "abstract_id": pending["abstract_id"],
            "edit": f"{edit.path}?{edit.query}",
            "reviewer_id": reviewer["reviewer_id"],
            "portal": portal,
        }
        yield str(service.client.base_url), values


@asynccontextmanager
async def registration(place: Place) -> AsyncIterator[tuple[str, Values]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    fields = common(place, "registration", port)
    settings = RegistrationSettings(public_url=url, stripe_api_base=place.stripe or None, **fields)
    _runtime, app = build_registration(settings, clock=lambda: datetime(2026, 6, 1, tzinfo=UTC))
    async with served(app, port) as base, httpx.AsyncClient(base_url=base) as http:
        body = {"delegates": [DELEGATE], "payment_method": "invoice", "invoice": INVOICE}
        created = await http.post("/api/registrations", json=body)
        assert created.status_code == 201, created.text
        made = created.json()
        rid, payer = made["registrations"][0]["registration_id"], made["payer_id"]
        sign_in = sign(SECRET, links.SIGN_IN, {"rid": rid, "jti": uuid.uuid4().hex})  # as the emailed link holds
        values = {"rid": rid, "payer_id": payer, "view": sign(SECRET, links.VIEW, {"payer": payer})}
        values |= await payment_values(http, app.state.deps, SECRET)
        shown = sign(SECRET, links.SIGN_IN, {"rid": rid, "jti": uuid.uuid4().hex})  # a link's page, left unused
        yield base, values | {DELEGATE_SIGN_IN: f"/me/{sign_in}", "sign_in_page": f"/me/{shown}"}


@asynccontextmanager
async def badges(place: Place) -> AsyncIterator[tuple[str, Values]]:
    port = free_port()
    settings = BadgesSettings(store_dir=place.tmp / "pdfs", render_workers=1, **common(place, "badges", port))
    _runtime, app = build_badges(settings)
    async with served(app, port) as base:
        yield base, {"visa": visa.visa_request_token(SECRET, "d-0001")}


@asynccontextmanager
async def notify(place: Place) -> AsyncIterator[tuple[str, Values]]:
    port = free_port()
    smtp = free_port()
    mail_dir = str(place.tmp / "mail")
    settings = NotifySettings(embedded_sink=True, smtp_port=smtp, mail_dir=mail_dir, **common(place, "notify", port))
    _runtime, app = build_notify(settings)
    async with served(app, port) as base:
        yield base, {"mail": await one_mail(base, smtp), "invitation": await invitation(app.state.accounts)}


async def invitation(accounts: Accounts) -> str:
    """The token of the link an invited organiser opens to set their password."""
    account_id = await accounts.invite(
        ORGANISER_EMAIL, "ines@icsei.example.org", "Ines", frozenset({Role.DESK}), frozenset()
    )
    record = next(r for r in await accounts.listing() if r.account_id == account_id)
    claims = {"account": account_id, "invitation": record.invitation_id, "until": datetime(2100, 1, 1).timestamp()}
    return quote(sign(SECRET, INVITATION, claims))


async def one_mail(base: str, smtp_port: int) -> str:
    """Send one message to notify's demo sink; the path of its page on ``/mail``."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "icsei@example.org", "amani@example.org", "Your badge"
    message.set_content("Your badge is ready.")
    message.add_alternative("<p>Your badge is <strong>ready</strong>.</p>", subtype="html")
    await asyncio.to_thread(send_mail, smtp_port, message)
    cookie = {ORGANISER_COOKIE: organiser_token(SECRET, ORGANISER_EMAIL)}
    async with httpx.AsyncClient(base_url=base, cookies=cookie) as http:
        listing = (await http.get("/mail")).text
    found = re.search(r'href="(?:/)?(mail/[^"/]+)"', listing)
    assert found, listing
    return "/" + found.group(1)


def send_mail(port: int, message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)


@asynccontextmanager
async def console(place: Place) -> AsyncIterator[tuple[str, Values]]:
    port = free_port()
    fields = common(place, "console", port)
    del fields["database_url"]
    _runtime, app = build_console(ConsoleSettings(journal_path=str(place.tmp / "journal.sqlite3"), **fields))
    who = delegate("d-0001", country="KE", category="member", name="Amani Njeri")
    events = registered("d-0001", who, eur(42000), PaymentMethod.INVOICE)
    async with served(app, port) as base, httpx.AsyncClient(base_url=base) as http:
        await publish(place.kafka, place.prefix + topics.REGISTRATION, events)
        cookie = {ORGANISER_COOKIE: organiser_token(SECRET, ORGANISER_EMAIL)}
        await eventually(lambda: delegate_seen(http, cookie), timeout=60)
        yield base, {"delegate_id": "d-0001"}


async def delegate_seen(http: httpx.AsyncClient, cookie: dict[str, str]) -> bool:
    http.cookies.update(cookie)
    return (await http.get("/delegates/d-0001")).status_code == 200


SERVICES: dict[str, Serving] = {
    "registration": registration,
    "abstracts": abstracts,
    "badges": badges,
    "notify": notify,
    "console": console,
}
