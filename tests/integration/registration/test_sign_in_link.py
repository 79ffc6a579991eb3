"""The sign-in link in a mail only shows whom it signs in; its page's button spends it (decision 57).

Mail scanners and link previews open (GET, HEAD) every link in a mail: neither may spend the link. The
button posts the token in the form with the page's CSRF token; a post without it is refused.
"""

from __future__ import annotations

from services.common.auth import sign
from services.registration.web.self_service import DELEGATE_COOKIE
from tests.forms import sign_in_by_link, token_in
from tests.integration.registration.conftest import Service, delegate


async def link_for(service: Service, jti: str) -> str:
    created = await service.client.post("/api/registrations", json={"delegates": [delegate(given_name="Aiko")]})
    assert created.status_code == 201, created.text
    return sign("test-secret", "magic-link", {"rid": created.json()["payer_id"], "jti": jti})


async def test_opening_the_link_shows_whom_it_signs_in_and_spends_nothing(offline: Service) -> None:
    client = offline.client
    token = await link_for(offline, "j-open")
    for _ in range(2):  # a scanner, then a preview
        page = await client.get(f"/me/{token}")
        assert page.status_code == 200 and "Sign in as Aiko" in page.text
        assert 'action="/me/sign-in"' in page.text and DELEGATE_COOKIE not in page.headers.get("set-cookie", "")
        assert (await client.head(f"/me/{token}")).status_code < 500
    assert (await client.get("/me")).status_code == 401  # not signed in by opening
    signed_in = await sign_in_by_link(client, f"/me/{token}")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/me"
    assert (await client.get("/me")).status_code == 200


async def test_the_button_without_the_pages_csrf_token_is_refused_and_the_link_still_works(offline: Service) -> None:
    client = offline.client
    token = await link_for(offline, "j-forged")
    forged = await client.post("/me/sign-in", data={"t": token})  # a program holding the link, no page shown
    assert forged.status_code == 403 and "security cookie is missing" in forged.text
    page = await client.get(f"/me/{token}")
    assert (await client.post("/me/sign-in", data={"t": token, "csrf_token": "x" * 43})).status_code == 403
    assert DELEGATE_COOKIE not in client.cookies
    pressed = await client.post("/me/sign-in", data={"t": token, "csrf_token": token_in(page.text)})
    assert pressed.status_code == 303


async def test_the_button_signs_in_once_then_the_link_is_spent(offline: Service) -> None:
    client = offline.client
    token = await link_for(offline, "j-once")
    page = await client.get(f"/me/{token}")
    form = {"t": token, "csrf_token": token_in(page.text)}
    assert (await client.post("/me/sign-in", data=form)).status_code == 303
    again = await client.post("/me/sign-in", data=form)  # another tab, or the back button
    assert again.status_code == 410 and "already used" in again.text and 'action="/new-link"' in again.text
    reopened = await client.get(f"/me/{token}")
    assert reopened.status_code == 410 and "already used" in reopened.text
    broken = await client.post("/me/sign-in", data={"t": token[:-3] + "xyz", "csrf_token": form["csrf_token"]})
    assert broken.status_code == 400 and "does not work" in broken.text
