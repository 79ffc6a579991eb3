"""Messages to delegates on the organisers' page (SQLite and PostgreSQL, stripe-mock, no Kafka: the outbox fills).

Five delegates: A (BR, member, invoice unpaid), B (JP, student, card paid, the dinner), C (BR, member,
invoice, presenter of an abstract accepted in Data Use, French), D (KE, card never paid: pending),
E (BR, member, card paid, cancelled). Each segment kind is counted on the preview, the preview shows
the message as a recipient in their language, sanitised; the confirmation sends once per broadcast id,
as parts of ``BroadcastRequested`` naming delegate ids only.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from schemas.abstracts import AbstractDecided, AbstractFormat, Author, Decision
from schemas.audit import OrganiserActed
from schemas.base import decode
from schemas.registration import BroadcastRequested
from services.common.accounts import seeded_account_id
from services.common.auth import ORGANISER_COOKIE, organiser_token
from services.common.outbox import outbox_table
from services.registration.commands import presenter_deadline
from tests.forms import submit
from tests.integration.registration.conftest import Service, delegate, register_and_pay
from tests.integration.registration.test_earned_roles import register_by_invoice

AUTH = {"authorization": f"Bearer {organiser_token('test-secret', 'organiser@icsei.example.org')}"}
MESSAGE = {
    "subject_en": "Venue change",
    "body_en": "We **move** to Hall B.\n\n<script>alert(1)</script>\n\n[map](javascript:alert(2)) [site](https://icsei.example.org)",
    "subject_fr": "Changement de lieu",
    "body_fr": "Nous **déménageons** en salle B.",
    "default_language": "en",
}


async def world(service: Service) -> dict[str, str]:
    await register_by_invoice(service, 1, country="BR", email="a@example.org", language="en", given_name="Ana")
    paid = await register_and_pay(
        service, delegate(2, country="JP", category="student", email="b@example.org", add_ons=["dinner"])
    )
    await register_by_invoice(service, 3, country="BR", email="c@example.org", language="fr", given_name="Claire")
    pending = await service.client.post("/api/registrations", json={"delegates": [delegate(4, country="KE")]})
    assert pending.status_code == 201, pending.text
    cancelled = await register_and_pay(service, delegate(5, country="BR", email="e@example.org"))
    answer = await service.client.post(
        f"/api/organiser/registrations/{cancelled['registrations'][0]['registration_id']}/cancel",
        json={"reason": "changed plans"},
        headers=AUTH,
    )
    assert answer.status_code == 200, answer.text
    presenter = Author(
        given_name="Claire", family_name="X", email="C@example.org ", affiliation="U", country="BR", presenting=True
    )
    accepted = AbstractDecided(
        congress_id="icsei-2027",
        abstract_id="abs_1",
        reference="ICSEI27-A-0001",
        title="Data talks",
        decision=Decision.ACCEPTED,
        format=AbstractFormat.PAPER,
        network="Data Use",
        authors=(presenter,),
        submitter_email="c@example.org",
        decided_at=datetime(2026, 11, 20, tzinfo=UTC),
        decided_by="organiser@icsei.example.org",
    )
    async with service.deps.units.begin() as tx:
        await presenter_deadline.on_decided(tx, accepted)
    async with service.deps.units.read() as tx:
        b = await tx.registrations.get(paid["registrations"][0]["registration_id"])
    assert b is not None
    return {"b": b.delegate_id}


def reach(page: str) -> int:
    found = re.search(r'<strong id="reach">This message reaches ([\d,]+) delegate', page)
    assert found, page[:3000]
    return int(found.group(1).replace(",", ""))


def signed_in(service: Service) -> None:
    """As a browser: the organiser's sign-in cookie, and each form posted with its page's CSRF token."""
    service.client.cookies.set(ORGANISER_COOKIE, organiser_token("test-secret", "organiser@icsei.example.org"))


async def preview(service: Service, **fields: str) -> Any:
    signed_in(service)
    return await submit(service.client, "/organiser/broadcasts", "/organiser/broadcasts/preview", MESSAGE | fields)


async def send(service: Service, fields: dict[str, str]) -> Any:
    signed_in(service)
    return await submit(service.client, "/organiser/broadcasts", "/organiser/broadcasts/send", fields)


@pytest.mark.parametrize(
    ("segment", "count"),
    [
        ({}, 3),  # A, B, C: confirmed (pending D and cancelled E are not)
        ({"unpaid_invoices": "1"}, 2),  # A and C
        ({"country": "br"}, 2),  # A, C
        ({"category": "student"}, 1),  # B
        ({"add_on": "dinner"}, 1),  # B
        ({"network": "Data Use"}, 1),  # C, matched by address whatever its case and spaces
        ({"network": "Educational Leadership"}, 0),
        ({"country": "BR", "unpaid_invoices": "1", "network": "Data Use"}, 1),  # combined: C
    ],
)
async def test_each_segment_is_counted(offline: Service, segment: dict[str, str], count: int) -> None:
    await world(offline)
    answer = await preview(offline, **segment)
    assert answer.status_code == 200, answer.text
    assert reach(answer.text) == count


async def test_preview_is_the_mail_in_the_recipients_language_and_sanitised(offline: Service) -> None:
    await world(offline)
    french = await preview(offline, as_language="fr")
    assert reach(french.text) == 3
    assert 'id="preview-subject">Changement de lieu<' in french.text
    assert "Bonjour Claire" in french.text and "déménageons" in french.text
    english = await preview(offline, country="BR", as_language="en")
    srcdoc = re.search(r'srcdoc="([^"]*)"', english.text)
    assert srcdoc is not None
    mail = srcdoc.group(1)
    assert "&lt;strong&gt;move&lt;/strong&gt;" in mail  # the Markdown's HTML, escaped into the attribute
    assert "&lt;script" not in mail and "javascript:" not in mail.replace("[map](javascript:alert(2))", "")
    assert 'href="javascript' not in mail and "&lt;a href=&#34;javascript" not in mail
    text_part = re.search(r'<pre id="preview-text"[^>]*>(.*?)</pre>', english.text, re.S)
    assert text_part is not None and "We **move** to Hall B." in text_part.group(1)
    assert "<script" not in text_part.group(1) and "&lt;script" not in text_part.group(1)
    assert "alert(1)" not in text_part.group(1)


async def test_send_once_per_broadcast_id_as_parts_with_delegate_ids(offline: Service) -> None:
    ids = await world(offline)
    shown = await preview(offline, add_on="dinner")
    broadcast_id = re.search(r'name="broadcast_id" value="(b_[0-9a-f]{20})"', shown.text)
    assert broadcast_id is not None
    fields = MESSAGE | {"add_on": "dinner", "broadcast_id": broadcast_id.group(1), "confirm": "yes"}
    first = await send(offline, fields)
    assert first.status_code == 200 and "Sent to 1 delegate<" in first.text
    again = await send(offline, fields)
    assert again.status_code == 200 and "already sent" in again.text
    unconfirmed = fields | {"confirm": ""}
    refused = await send(offline, unconfirmed)
    assert refused.status_code == 422 and "tick the confirmation" in refused.text
    async with offline.runtime.sessionmaker() as session:
        values = (await session.execute(select(outbox_table.c.value))).scalars().all()
    events = [e.data for e in map(decode, values) if isinstance(e.data, BroadcastRequested)]
    assert len(events) == 1
    (event,) = events
    assert event.recipients == (ids["b"],) and event.total == 1 and event.parts == 1
    assert {v.language for v in event.versions} == {"en", "fr"}
    assert "@" not in event.model_dump_json().replace("organiser@icsei.example.org", "")
    acted = [
        e.data
        for e in map(decode, values)
        if isinstance(e.data, OrganiserActed) and e.data.action.startswith("registration.broadcast.")
    ]
    assert [(a.action, a.subject_id, a.actor) for a in acted] == [
        (
            "registration.broadcast.preview",
            broadcast_id.group(1),
            seeded_account_id("test-secret", "organiser@icsei.example.org"),
        ),
        (
            "registration.broadcast.send",
            broadcast_id.group(1),
            seeded_account_id("test-secret", "organiser@icsei.example.org"),
        ),
    ]  # the repeated confirmation did nothing, and records nothing
    assert acted[1].details == {
        "segment": "confirmed delegates; add-on: dinner",
        "recipients": 1,
        "languages": "en fr",
        "parts": 1,
    }


async def test_a_browsers_line_breaks_are_taken_and_a_hidden_control_is_refused(offline: Service) -> None:
    await world(offline)
    crlf = await preview(offline, body_en="Line one\r\nline two\r\n\r\n* item")
    assert crlf.status_code == 200 and reach(crlf.text) == 3
    assert "<li>item</li>" in crlf.text.replace("&lt;", "<").replace("&gt;", ">")
    hidden = await preview(offline, subject_en="Venue\x1bchange")
    assert hidden.status_code == 422 and "U+001B ESCAPE" in hidden.text


async def test_a_draft_without_the_default_language_is_refused(offline: Service) -> None:
    await world(offline)
    answer = await preview(offline, default_language="de")
    assert answer.status_code == 422
    assert "The default language needs a version" in answer.text


async def test_the_page_needs_an_organiser(offline: Service) -> None:
    answer = await offline.client.get("/organiser/broadcasts", headers={"accept": "text/html"})
    assert answer.status_code == 303
