"""A waiting-list offer's link shows the offer; only the page's own forms take or decline it.

Mail scanners and link previews open (GET, HEAD) every link in a mail: that must take no seat and
start no payment. A post needs the page's CSRF token; it takes an offer once; a lapsed, taken or
broken offer is a clear page.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from schemas.audit import OrganiserActed
from schemas.registration import WaitingListOfferedV2
from services.common.auth import sign
from services.registration.adapters import db, db_tasks
from services.registration.commands import manage
from tests.forms import token_in
from tests.integration.registration.conftest import EARLY, Service, delegate, register_and_pay
from tests.integration.registration.test_expiry import status
from tests.integration.registration.test_flows import of, published
from tests.integration.registration.test_offers import offer_link


async def full_with_waiters(service: Service, code: str, waiters: int = 1) -> list[str]:
    """``code`` has one seat, taken by a first delegate who then cancels: the first waiter is offered it.

    Returns the waiters' registration ids, in waiting order.
    """
    async with service.deps.sessionmaker.begin() as session:
        await session.execute(db.capacity.update().where(db.capacity.c.code == code).values(capacity=1))
    first = await register_and_pay(service, delegate(0, add_ons=[code]))
    ids = []
    for i in range(1, waiters + 1):
        waiter = await register_and_pay(service, delegate(i, add_ons=[code], waitlist_if_full=True))
        ids.append(waiter["payer_id"])
    await manage.cancel(service.deps, first["payer_id"], by="organiser", reason="visa refused")
    return ids


async def state(service: Service, code: str, waiters: list[str]) -> tuple[Any, ...]:
    """What taking or declining an offer would change: entries, seats, the waiters' charges, staged events."""
    async with service.deps.sessionmaker() as session:
        entries = [(e["id"], e["status"]) for e in await db.waiting_entries(session, code)]
        seats = (await db.seat_counts(session))[code]
        charges = [c["id"] for rid in waiters for c in await db.charges_of(session, rid)]
    return entries, seats, charges, len(await published(service))


async def form_token(client: httpx.AsyncClient) -> str:
    """This browser's CSRF token, from any page with a form."""
    return token_in((await client.get("/sign-in")).text)


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["t"][0]


async def answer(client: httpx.AsyncClient, link: str, action: str) -> httpx.Response:
    """Open the offer's page, then press one of its buttons (``accept`` or ``decline``) as a browser does."""
    page = await client.get(link)
    assert page.status_code == 200, page.text[-500:]
    return await client.post(f"/waiting-list/{action}", data={"t": token_of(link), "csrf_token": token_in(page.text)})


async def test_opening_the_link_shows_the_offer_and_changes_nothing(offline: Service) -> None:
    [waiter] = await full_with_waiters(offline, "dinner")
    link = await offer_link(offline, waiter)
    before = await state(offline, "dinner", [waiter])
    page = await offline.client.get(link)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert offline.deps.rules.add_ons["dinner"].label in page.text
    assert "€85.00" in page.text and "2026" in page.text  # the price, and until when it is held
    assert 'action="/waiting-list/accept"' in page.text and 'action="/waiting-list/decline"' in page.text
    head = await offline.client.head(link)
    assert head.status_code < 500
    fresh = httpx.AsyncClient(transport=offline.client._transport, base_url=str(offline.client.base_url))
    async with fresh:  # a link preview: no cookie, opens the link twice
        assert (await fresh.get(link)).status_code == 200
        assert (await fresh.head(link)).status_code < 500
    assert await state(offline, "dinner", [waiter]) == before
    french = await offline.client.get(link, headers={"accept-language": "fr"})
    assert "Accepter la place" in french.text and "85,00" in french.text


async def test_a_post_without_the_pages_token_is_refused_and_changes_nothing(offline: Service) -> None:
    [waiter] = await full_with_waiters(offline, "dinner")
    link = await offer_link(offline, waiter)
    before = await state(offline, "dinner", [waiter])
    offline.client.cookies.clear()
    for action in ("accept", "decline"):
        bare = await offline.client.post(f"/waiting-list/{action}", data={"t": token_of(link)})
        assert bare.status_code == 403 and "security cookie is missing" in bare.text, bare.text[-300:]
    page = await offline.client.get(link)  # a cookie now, but a form that is not the page's
    assert page.status_code == 200
    forged = await offline.client.post("/waiting-list/accept", data={"t": token_of(link), "csrf_token": "x" * 43})
    assert forged.status_code == 403
    assert await state(offline, "dinner", [waiter]) == before


async def test_an_offer_is_taken_once_and_the_token_stays_out_of_events_and_logs(
    offline: Service, caplog: pytest.LogCaptureFixture
) -> None:
    [waiter] = await full_with_waiters(offline, "bm-leadership")
    link = await offer_link(offline, waiter, "bm-leadership")
    caplog.set_level(logging.DEBUG)
    taken = await answer(offline.client, link, "accept")
    assert taken.status_code == 303 and taken.headers["location"].startswith(f"/registrations/{waiter}?t=")
    row = await status(offline, waiter)
    assert row["add_ons"].count("bm-leadership") == 1
    after_first = await state(offline, "bm-leadership", [waiter])
    again = await offline.client.post(
        "/waiting-list/accept", data={"t": token_of(link), "csrf_token": await form_token(offline.client)}
    )
    assert again.status_code == 409 and "already taken up" in again.text
    assert (await status(offline, waiter))["add_ons"].count("bm-leadership") == 1
    assert await state(offline, "bm-leadership", [waiter]) == after_first
    shown = await offline.client.get(link)
    assert shown.status_code == 409 and "already taken up" in shown.text
    assert 'action="/waiting-list/accept"' not in shown.text
    token = token_of(link)
    # the test's own HTTP client logs the URLs it asks for; the service's loggers must not
    assert not [r for r in caplog.records if not r.name.startswith("httpx") and token in r.getMessage()]
    assert not [e for e in await published(offline) if token in e.model_dump_json()]


async def test_a_lapsed_offer_or_an_unknown_one_is_a_clear_page(offline: Service) -> None:
    [waiter] = await full_with_waiters(offline, "dinner")
    link = await offer_link(offline, waiter)
    offline.deps.clock = lambda: EARLY + timedelta(hours=49)  # the 48-hour hold has passed
    lapsed = await offline.client.get(link)
    assert lapsed.status_code == 410 and "no longer open" in lapsed.text
    posted = await offline.client.post(
        "/waiting-list/accept", data={"t": token_of(link), "csrf_token": await form_token(offline.client)}
    )
    assert posted.status_code == 410 and "no longer open" in posted.text
    assert "dinner" not in (await status(offline, waiter))["add_ons"]
    unknown = await offline.client.get(f"/waiting-list/accept?t={sign('test-secret', 'waitlist', {'entry': 99999})}")
    assert unknown.status_code == 404 and "does not work" in unknown.text
    shapeless = await offline.client.get(f"/waiting-list/accept?t={sign('test-secret', 'waitlist', {'x': 1})}")
    assert shapeless.status_code == 400 and "does not work" in shapeless.text


async def test_declining_passes_the_seat_to_the_next_in_line_at_once(offline: Service) -> None:
    first, second = await full_with_waiters(offline, "dinner", waiters=2)
    link = await offer_link(offline, first)
    declined = await answer(offline.client, link, "decline")
    assert declined.status_code == 200 and "You declined the place" in declined.text
    events = await published(offline)
    assert [e.registration_id for e in of(events, WaitingListOfferedV2) if e.add_on_code == "dinner"] == [first, second]
    decline = [e for e in of(events, OrganiserActed) if e.action == "registration.waiting-list.decline"]
    assert len(decline) == 1 and decline[0].subject_id == first
    again = await offline.client.post(
        "/waiting-list/accept", data={"t": token_of(link), "csrf_token": await form_token(offline.client)}
    )
    assert again.status_code == 410 and "no longer open" in again.text
    assert "dinner" not in (await status(offline, first))["add_ons"]


async def test_accepting_and_declining_at_once_one_of_them_wins(offline: Service) -> None:
    first, second = await full_with_waiters(offline, "bm-leadership", waiters=2)
    link = await offer_link(offline, first, "bm-leadership")
    page = await offline.client.get(link)
    form = {"t": token_of(link), "csrf_token": token_in(page.text)}
    answers = await asyncio.gather(
        *(offline.client.post(f"/waiting-list/{action}", data=form) for action in ("accept", "decline") * 4)
    )
    accepted = [a for a in answers if a.status_code == 303]
    declined = [a for a in answers if a.status_code == 200 and "You declined the place" in a.text]
    assert len(accepted) + len(declined) == 1, [a.status_code for a in answers]
    assert all(a.status_code in (303, 200, 409, 410) for a in answers)
    async with offline.deps.sessionmaker() as session:
        entries = {e["registration_id"]: e["status"] for e in await db.waiting_entries(session, "bm-leadership")}
        seats = (await db.seat_counts(session))["bm-leadership"]
    taken = (await status(offline, first))["add_ons"].count("bm-leadership")
    assert seats == (1, 1)  # one seat, held by exactly one of them
    if accepted:
        assert taken == 1 and entries == {second: "waiting"}
    else:
        assert taken == 0 and entries == {second: "offered"}


async def test_declining_after_starting_to_pay_closes_that_payment(offline: Service) -> None:
    first, second = await full_with_waiters(offline, "dinner", waiters=2)
    link = await offer_link(offline, first)
    started = await answer(offline.client, link, "accept")  # a priced add-on: off to pay for it
    assert started.status_code == 303 and "charge=" in started.headers["location"]
    declined = await answer(offline.client, link, "decline")  # then thought better of it
    assert declined.status_code == 200 and "You declined the place" in declined.text
    async with offline.deps.sessionmaker() as session:
        charges = await db.charges_of(session, first)
        entries = {e["registration_id"]: e["status"] for e in await db.waiting_entries(session, "dinner")}
    assert [c["status"] for c in charges] == ["lapsed"] and entries == {second: "offered"}
    async with offline.deps.sessionmaker() as session:
        owed = await db_tasks.of_registration(session, first)
    session_id = parse_qs(urlsplit(started.headers["location"]).query)["session_id"][0]
    assert [(t["kind"], t["target"]) for t in owed] == [("expire", session_id)]  # Stripe is asked to close it
    assert "dinner" not in (await status(offline, first))["add_ons"]


async def test_accepting_a_priced_offer_again_closes_the_first_checkout(offline: Service) -> None:
    [waiter] = await full_with_waiters(offline, "dinner")
    link = await offer_link(offline, waiter)
    first = await answer(offline.client, link, "accept")
    offline.deps.clock = lambda: EARLY + timedelta(minutes=5)  # pressed again a little later: a new Checkout
    again = await answer(offline.client, link, "accept")
    sessions = [parse_qs(urlsplit(a.headers["location"]).query)["session_id"][0] for a in (first, again)]
    async with offline.deps.sessionmaker() as session:
        charges = await db.charges_of(session, waiter)
        owed = await db_tasks.of_registration(session, waiter)
    assert len(charges) == 1 and charges[0]["checkout_session_id"] == sessions[1]  # still one charge, one seat
    assert [(t["kind"], t["target"]) for t in owed] == [("expire", sessions[0])]
