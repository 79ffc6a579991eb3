"""Rate limits on the buttons a mailed link's page carries: signing in, answering a waiting-list offer.

Each counts per client (IP) and per link's address (the registration or waiting-list entry the link was
mailed for): the 11th press in a minute gets 429, a page that says how long to wait, in the page's
language, with ``Retry-After``. Asking for a sign-in link answers alike for any address, over the limit too.
"""

from __future__ import annotations

import re

import httpx

from services.common.auth import sign
from tests.forms import submit
from tests.integration.registration.conftest import Service, delegate
from tests.integration.registration.test_offer_link import form_token, full_with_waiters, state, token_of
from tests.integration.registration.test_offers import offer_link
from tests.integration.registration.test_rate_limits import from_ip, limited, refused

__all__ = ["limited"]  # the fixture: the service with 10 a minute per client and per address


async def press(device: httpx.AsyncClient, action: str, token: str, **headers: str) -> httpx.Response:
    """Press a link page's button (``/me/sign-in``, ``/waiting-list/accept``…) with this browser's page token."""
    data = {"t": token, "csrf_token": await form_token(device)}
    return await device.post(action, data=data, headers=headers)


async def test_the_sign_in_button_is_limited_per_link_and_per_client(limited: Service) -> None:
    created = await limited.client.post("/api/registrations", json={"delegates": [delegate(given_name="Aiko")]})
    token = sign("test-secret", "magic-link", {"rid": created.json()["payer_id"], "jti": "j-many"})
    for i in range(10):  # ten devices press it: the first signs in, the others learn it was used
        async with from_ip(limited, f"192.0.2.{i}") as device:
            assert (await press(device, "/me/sign-in", token)).status_code == (303 if i == 0 else 410)
    async with from_ip(limited, "192.0.2.99") as device:
        over = await press(device, "/me/sign-in", token)
        refused(over)
        assert "Please wait a little" in over.text and over.headers["content-type"].startswith("text/html")
    async with from_ip(limited, "198.51.100.1") as script:
        for i in range(10):  # links it made up: a page each about the broken link, counted for the client
            assert (await press(script, "/me/sign-in", f"made.up.{i}")).status_code == 400
        refused(await press(script, "/me/sign-in", "made.up.again"))


async def test_an_offers_buttons_are_limited_per_offer_and_say_so_in_the_pages_language(limited: Service) -> None:
    [waiter] = await full_with_waiters(limited, "dinner")
    link = await offer_link(limited, waiter)
    for i in range(10):
        async with from_ip(limited, f"203.0.113.{i}") as device:
            pressed = await press(device, "/waiting-list/decline", token_of(link))
            assert pressed.status_code in (200, 409, 410), pressed.text[-300:]
    before = await state(limited, "dinner", [waiter])
    async with from_ip(limited, "203.0.113.99") as device:
        over = await press(device, "/waiting-list/accept", token_of(link), **{"accept-language": "fr"})
    refused_in_french(over)
    assert await state(limited, "dinner", [waiter]) == before  # nothing taken past the limit


def refused_in_french(answer: httpx.Response) -> None:
    assert answer.status_code == 429 and 1 <= int(answer.headers["retry-after"]) <= 60
    assert "Trop de demandes depuis votre réseau" in answer.text and "Veuillez réessayer dans" in answer.text


async def test_asking_for_a_link_answers_alike_for_any_address_also_over_the_limit(limited: Service) -> None:
    assert (await limited.client.post("/api/registrations", json={"delegates": [delegate(0)]})).status_code == 201
    answers = {}
    for email in ("aiko0@example.org", "nobody@example.org"):
        pages = []
        for i in range(11):
            async with from_ip(limited, f"192.0.2.{i}") as device:
                pages.append(await submit(device, "/sign-in", "/sign-in", {"email": email}))
        assert [p.status_code for p in pages] == [200] * 10 + [429], email
        answers[email] = [without_token(p.text) for p in (pages[0], pages[-1])]
    assert answers["aiko0@example.org"] == answers["nobody@example.org"]


def without_token(page: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", page)
