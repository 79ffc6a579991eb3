"""Reviewer and edit links expire: the old link shows "this link has expired" with "send me a new link", which
mails (through LinkSent, sealed for notify) a fresh link to the address on record; the fresh link works."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from schemas import decode
from schemas.abstracts import AbstractsLinkSent
from schemas.access import AccessKind
from services.abstracts.commands.links import edit_token, reviewer_token
from services.common.outbox import outbox_table
from services.common.sealing import NOTIFY_LINK, unseal
from tests.forms import token_in
from tests.integration.abstracts.conftest import ORGANISER, SECRET, Service, add_reviewer, submit


@contextmanager
def signed_ago(monkeypatch: pytest.MonkeyPatch, days: int) -> Iterator[None]:
    with monkeypatch.context() as m:
        real = time.time
        m.setattr(time, "time", lambda: real() - days * 86400)
        yield


async def links_sent(service: Service) -> list[AbstractsLinkSent]:
    async with service.runtime.engine.connect() as conn:
        values = (await conn.execute(select(outbox_table.c.value).order_by(outbox_table.c.id))).scalars().all()
    opened = service.runtime.keyring.opener(final=True)  # personal fields (the address) opened with abstracts' keys
    return [e for e in (decode(v, opened).data for v in values if v is not None) if isinstance(e, AbstractsLinkSent)]


def opened(sent: AbstractsLinkSent) -> str:
    return unseal(SECRET, NOTIFY_LINK, sent.sealed_link, bound_to=sent.subject_id).removeprefix("http://testserver")


async def test_an_expired_reviewer_link_offers_a_new_one_to_the_reviewer_on_record(
    offline: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = offline.client
    reviewer = await add_reviewer(offline, "Mwangi", "University of Nairobi", ["DU"])
    with signed_ago(monkeypatch, offline.deps.config.reviewer_link_days + 1):
        old = reviewer_token(offline.deps, reviewer, 1)
    page = await client.get(f"/review/{old}")
    assert page.status_code == 410 and "has expired" in page.text
    assert 'action="/new-link"' in page.text and "Send me a new link" in page.text
    assert (await client.get(f"/api/review/{old}")).status_code == 410  # the JSON API says so too

    answer = await client.post(
        "/new-link", data={"kind": "reviewer", "t": old, "email": "x@evil.example", "csrf_token": token_in(page.text)}
    )
    assert answer.status_code == 200 and "on its way" in answer.text
    (sent,) = await links_sent(offline)
    assert (sent.kind, sent.subject_id, sent.email) == (AccessKind.REVIEWER, reviewer, "mwangi@rev.example.org")
    assert (await client.get(opened(sent))).status_code == 200

    revoked = await client.post(f"/api/organiser/reviewers/{reviewer}/revoke", headers=ORGANISER)
    assert revoked.status_code == 200
    forged = await client.post(
        "/new-link", data={"kind": "reviewer", "t": old, "csrf_token": token_in(page.text)}
    )  # revoked since: nothing sent
    assert forged.text == answer.text and len(await links_sent(offline)) == 1


async def test_an_expired_edit_link_offers_a_new_one_to_the_submitter(
    offline: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = offline.client
    done = await submit(offline)
    abstract_id = done["abstract_id"]
    with signed_ago(monkeypatch, offline.deps.config.edit_link_days + 1):
        old = edit_token(offline.deps, abstract_id)
    page = await client.get(f"/abstracts/{abstract_id}", params={"t": old})
    assert page.status_code == 410 and 'action="/new-link"' in page.text
    await client.post("/new-link", data={"kind": "abstract-edit", "t": old, "csrf_token": token_in(page.text)})
    (sent,) = await links_sent(offline)
    assert (sent.kind, sent.email, sent.about) == (AccessKind.ABSTRACT_EDIT, "aiko0@example.org", done["reference"])
    fresh = await client.get(opened(sent))
    assert fresh.status_code == 200 and "Data use in Japanese schools" in fresh.text
    await client.post(
        "/new-link", data={"kind": "abstract-edit", "t": old[:-3] + "xyz", "csrf_token": token_in(page.text)}
    )  # forged: nothing
    assert len(await links_sent(offline)) == 1
