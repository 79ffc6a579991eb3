"""Issue 12's findings at registration's door: forged posts, a 20 MB body, and the pages' headers.

Reproduces what was probed from outside: a cross-origin form post cancelled a registration with
an organiser's cookie, a ``text/plain`` post marked an invoice paid, and a 20 MB field sent to
``/api/quote`` came back as a 126 MB 422.
"""

from __future__ import annotations

from typing import Any

from services.common.auth import ORGANISER_COOKIE, organiser_token
from tests.forms import page_token
from tests.integration.registration.conftest import Service, delegate, register_and_pay
from tests.integration.registration.test_expiry import INVOICE, status

ORGANISER = organiser_token("test-secret", "organiser@icsei.example.org")


def signed_in(service: Service) -> Any:
    service.client.cookies.set(ORGANISER_COOKIE, ORGANISER)
    return service.client


async def test_a_cross_origin_form_post_with_the_organiser_cookie_cannot_cancel(offline: Service) -> None:
    rid = (await register_and_pay(offline, delegate()))["registrations"][0]["registration_id"]
    client = signed_in(offline)
    token = await page_token(client, "/organiser/registrations")
    action = f"/organiser/registrations/{rid}/cancel"
    forged = {"reason": "forged"}
    # Another port on the same host: SameSite=Lax sends the cookie, the origin check does not let it by.
    other_port = await client.post(action, data=forged, headers={"origin": "http://testserver:9999"})
    sibling = await client.post(action, data=forged | {"csrf_token": token}, headers={"sec-fetch-site": "same-site"})
    no_token = await client.post(action, data=forged)
    assert (other_port.status_code, sibling.status_code, no_token.status_code) == (403, 403, 403)
    assert (await status(offline, rid))["status"] == "confirmed"
    # The organiser's own page, posting its form with the token, still works.
    own = await client.post(
        action,
        data={"reason": "asked by email", "confirm": "yes", "csrf_token": token},
        headers={"origin": "http://testserver"},
    )
    assert own.status_code == 303, own.text[-500:]
    assert (await status(offline, rid))["status"] == "cancelled"


async def test_a_text_plain_post_cannot_mark_an_invoice_paid(offline: Service) -> None:
    created = await register_and_pay(offline, delegate(), payment_method="invoice", invoice=INVOICE)
    rid = created["registrations"][0]["registration_id"]
    client = signed_in(offline)
    answer = await client.post(
        f"/api/organiser/registrations/{rid}/mark-paid", content=b"{}", headers={"content-type": "text/plain"}
    )
    assert answer.status_code == 415
    assert not (await status(offline, rid))["paid"]


async def test_a_20_mb_field_to_the_quote_is_refused_with_413(offline: Service) -> None:
    sent: list[int] = []

    async def body() -> Any:
        yield b'{"delegates": [{"given_name": "'
        for _ in range(320):  # 320 x 64 KiB = 20 MiB
            sent.append(1)
            yield b"a" * 65536
        yield b'"}]}'

    answer = await offline.client.post("/api/quote", content=body(), headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert "larger than this endpoint accepts" in answer.json()["detail"]
    assert len(sent) < 10  # refused while it streamed, not after reading 20 MB


async def test_an_invalid_quote_echoes_only_a_prefix_of_its_input(offline: Service) -> None:
    # 200 kB fits the limit of a group's quote (256 KiB), so it reaches validation: the 422 stays small.
    answer = await offline.client.post("/api/quote", json={"delegates": [delegate(given_name="x" * 200_000)]})
    assert answer.status_code == 422
    assert len(answer.content) < 3_000
    assert answer.json()["detail"][0]["input"] == "x" * 100 + "…"


async def test_registration_pages_carry_the_security_headers(offline: Service) -> None:
    client = offline.client
    for path in ("/", "/sign-in", "/organiser/login", "/openapi.json", "/nowhere"):
        answer = await client.get(path)
        assert "script-src 'self'" in answer.headers["content-security-policy"], path
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"], path
        assert answer.headers["x-frame-options"] == "DENY", path
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert answer.headers["referrer-policy"] == "no-referrer", path
        assert answer.headers["cache-control"] == "no-store", path
