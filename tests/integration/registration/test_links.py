"""Links mailed on request: each opens the registration it was issued for, none travels usable on the
stream, and an expired one offers a new link that goes to the address on record."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from schemas.registration import LinkKind, MagicLinkRequestedV2
from services.common.auth import sign
from services.common.outbox import outbox_table
from services.common.sealing import NOTIFY_LINK, unseal
from services.registration.adapters import db
from services.registration.commands import links
from tests.forms import sign_in_by_link, token_in
from tests.integration.registration.conftest import Service, delegate
from tests.integration.registration.test_flows import of, published

SIGNED_TOKEN = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")
"""What a signed token (a sign-in, view, waiting-list link) looks like: itsdangerous, a JSON payload."""


def opened(event: MagicLinkRequestedV2) -> str:
    """The link as notify opens it (the test's secret is the congress secret)."""
    return unseal("test-secret", NOTIFY_LINK, event.sealed_link, bound_to=event.registration_id)


def path_of(link: str) -> str:
    return link.removeprefix("http://testserver")


@contextmanager
def signed_ago(monkeypatch: pytest.MonkeyPatch, seconds: float) -> Iterator[None]:
    """Tokens signed inside are ``seconds`` old (itsdangerous reads ``time.time``)."""
    with monkeypatch.context() as m:
        real = time.time
        m.setattr(time, "time", lambda: real() - seconds)
        yield


async def sign_in_with(service: Service, link: str) -> str:
    """Follow a sign-in link; the ``/me`` page it leads to."""
    service.client.cookies.clear()
    answer = await sign_in_by_link(service.client, path_of(link))
    assert answer.status_code == 303, answer.text[-500:]
    return (await service.client.get("/me")).text


async def share_address(service: Service, registration_id: str, email: str) -> None:
    """Give a registration another's address, as an organiser's correction or data from before one address
    per registration was enforced can leave it: the address then holds two live registrations."""
    async with service.deps.sessionmaker.begin() as session:
        await db.save(session, registration_id, service.deps.clock(), email=email)


async def test_a_second_registration_with_the_victims_address_does_not_take_over_her_sign_in(offline: Service) -> None:
    client = offline.client
    victim = (await client.post("/api/registrations", json={"delegates": [delegate(0)]})).json()
    intruder = delegate(0, given_name="Mallory", family_name="Intruder", badge_name="Mallory Intruder")
    refused = await client.post("/api/registrations", json={"delegates": [intruder]})
    assert refused.status_code == 422  # one live registration per address (the registration doors)
    other = delegate(9, given_name="Mallory", family_name="Intruder", badge_name="Mallory Intruder")
    taker = (await client.post("/api/registrations", json={"delegates": [other]})).json()
    await share_address(offline, taker["payer_id"], "aiko0@example.org")  # newer, and with her address

    assert await links.request_sign_in(offline.deps, "aiko0@example.org") == 2
    sent = {e.registration_id: e for e in of(await published(offline), MagicLinkRequestedV2)}
    assert set(sent) == {victim["payer_id"], taker["payer_id"]}  # one link per registration, each named
    assert sent[victim["payer_id"]].badge_name == "Aiko 田中0"
    assert sent[taker["payer_id"]].badge_name == "Mallory Intruder"

    mine = await sign_in_with(offline, opened(sent[victim["payer_id"]]))
    assert "田中0" in mine and "Mallory" not in mine  # her link opens her registration, not the newest
    theirs = await sign_in_with(offline, opened(sent[taker["payer_id"]]))
    assert "Mallory" in theirs


async def test_a_sign_in_link_keeps_opening_the_registration_it_was_issued_for(offline: Service) -> None:
    client = offline.client
    first = (await client.post("/api/registrations", json={"delegates": [delegate(0)]})).json()
    await links.request_sign_in(offline.deps, "aiko0@example.org")
    (issued,) = of(await published(offline), MagicLinkRequestedV2)
    later = delegate(9, given_name="Mallory", family_name="Later", badge_name="Mallory Later")
    second = (await client.post("/api/registrations", json={"delegates": [later]})).json()
    await share_address(offline, second["payer_id"], "aiko0@example.org")
    page = await sign_in_with(offline, opened(issued))
    assert issued.registration_id == first["payer_id"] and "田中0" in page and "Mallory" not in page


async def test_no_usable_link_is_staged_on_the_stream(offline: Service) -> None:
    await offline.client.post("/api/registrations", json={"delegates": [delegate(0)]})
    await links.request_sign_in(offline.deps, "aiko0@example.org")
    async with offline.runtime.engine.connect() as conn:
        values = (await conn.execute(select(outbox_table.c.value))).scalars().all()
    (raw,) = [bytes(v).decode() for v in values if b"MagicLinkRequested.v2" in bytes(v)]
    (event,) = of(await published(offline), MagicLinkRequestedV2)
    link = opened(event)
    assert link.startswith("http://testserver/me/")
    assert "/me/" not in raw and link not in raw and not SIGNED_TOKEN.search(raw)
    with pytest.raises(Exception, match="bound to something else"):  # cut and pasted onto another registration
        unseal("test-secret", NOTIFY_LINK, event.sealed_link, bound_to="reg-other")


async def test_an_expired_view_link_offers_a_new_one_sent_to_the_address_on_record(
    offline: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = offline.client
    payer = (await client.post("/api/registrations", json={"delegates": [delegate(0)]})).json()["payer_id"]
    days = offline.deps.config.view_link_days
    with signed_ago(monkeypatch, (days + 1) * 86400):
        old = links.view_token(offline.deps, payer)
    expired = await client.get(f"/registrations/{payer}?t={old}")
    assert expired.status_code == 410 and "has expired" in expired.text
    assert 'action="/new-link"' in expired.text and "Send me a new link" in expired.text
    assert 'type="email"' not in expired.text.split('action="/new-link"')[1].split("</form>")[0]  # no address typed

    answer = await client.post(
        "/new-link",
        data={"kind": "view", "t": old, "email": "mallory@example.org", "csrf_token": token_in(expired.text)},
    )
    assert answer.status_code == 200 and "on its way" in answer.text
    (renewed,) = of(await published(offline), MagicLinkRequestedV2)
    assert renewed.kind is LinkKind.VIEW and renewed.email == "aiko0@example.org"  # on record, not typed in
    fresh = await client.get(path_of(opened(renewed)))
    assert fresh.status_code == 200 and "田中0" in fresh.text

    forged = await client.post(
        "/new-link", data={"kind": "view", "t": old[:-4] + "AAAA", "csrf_token": token_in(expired.text)}
    )
    assert forged.text == answer.text  # the same neutral answer, and nothing sent
    assert len(of(await published(offline), MagicLinkRequestedV2)) == 1


async def test_an_expired_or_spent_sign_in_link_offers_a_new_one_that_works(
    offline: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = offline.client
    rid = (await client.post("/api/registrations", json={"delegates": [delegate(0)]})).json()["payer_id"]
    with signed_ago(monkeypatch, (offline.deps.config.magic_link_minutes + 1) * 60):
        old = sign("test-secret", links.SIGN_IN, {"rid": rid, "jti": "old"})
    expired = await client.get(f"/me/{old}")
    assert expired.status_code == 410 and 'action="/new-link"' in expired.text
    await client.post("/new-link", data={"kind": "sign-in", "t": old, "csrf_token": token_in(expired.text)})
    (renewed,) = of(await published(offline), MagicLinkRequestedV2)
    assert renewed.kind is LinkKind.SIGN_IN and renewed.registration_id == rid
    assert "田中0" in await sign_in_with(offline, opened(renewed))
    spent = await client.get(path_of(opened(renewed)))
    assert spent.status_code == 410 and "already used" in spent.text and 'action="/new-link"' in spent.text
