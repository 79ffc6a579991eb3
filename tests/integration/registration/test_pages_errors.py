"""People see pages, not JSON: bad links, bad organiser input, and the erasure route's refusals."""

from __future__ import annotations

import re
import time

import pytest

from schemas.registration import RegistrationErased
from services.common.accounts import seeded_account_id
from services.common.auth import ORGANISER_COOKIE, organiser_token, sign
from services.registration.adapters import db
from services.registration.commands import links
from tests.forms import page_token, sign_in_by_link, submit
from tests.integration.registration.conftest import Service, delegate, register_and_pay
from tests.integration.registration.test_expiry import INVOICE, status
from tests.integration.registration.test_flows import of, published

AUTH = {"authorization": f"Bearer {organiser_token('test-secret', 'organiser@icsei.example.org')}"}


def error_beside(html: str, field_id: str) -> str:
    """The error text shown beside the field with this id (the field points at it with aria-describedby)."""
    assert f'aria-describedby="{field_id}-error"' in html or f'id="{field_id}-error"' in html, html[-3000:]
    found = re.search(rf'id="{re.escape(field_id)}-error">([^<]+)<', html)
    assert found, html[-3000:]
    return found.group(1)


async def test_bad_links_show_a_page_offering_a_new_link_and_the_api_keeps_json(
    offline: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = offline.client
    created = (await client.post("/api/registrations", json={"delegates": [delegate()]})).json()
    good = sign("test-secret", "magic-link", {"rid": created["payer_id"], "jti": "j1"})
    with monkeypatch.context() as m:  # a link signed two days ago: older than magic_link_minutes
        real = time.time
        m.setattr(time, "time", lambda: real() - 2 * 86400)
        old = sign("test-secret", "magic-link", {"rid": created["payer_id"], "jti": "j2"})
    cases = {
        f"/me/{good[:-3]}xyz": (400, "does not work"),
        f"/me/{old}": (410, "has expired"),
        "/me": (401, "sign in again"),
        f"/registrations/{created['payer_id']}?t=forged": (400, "does not work"),
        "/waiting-list/accept?t=forged": (400, "does not work"),
    }
    for path, (code, words) in cases.items():
        answer = await client.get(path)
        assert answer.status_code == code, path
        assert answer.headers["content-type"].startswith("text/html"), path
        assert words in answer.text and "<h1>" in answer.text, path
    expired = await client.get(f"/me/{old}")
    assert 'action="/new-link"' in expired.text and "Send me a new link" in expired.text
    assert 'action="/sign-in"' in (await client.get("/me")).text  # no session: the sign-in form
    assert (await sign_in_by_link(client, f"/me/{good}")).status_code == 303
    used = await client.get(f"/me/{good}")
    assert used.status_code == 410 and "already used" in used.text
    # The JSON API keeps JSON errors.
    refused = await client.post(f"/api/organiser/registrations/{created['payer_id']}/mark-paid", headers=AUTH)
    assert refused.status_code == 409 and "detail" in refused.json()


async def test_organiser_page_actions_reshow_the_page_with_the_error_beside_the_field(offline: Service) -> None:
    client = offline.client
    client.cookies.set(ORGANISER_COOKIE, organiser_token("test-secret", "organiser@icsei.example.org"))
    paid = await register_and_pay(offline, delegate(0))
    rid = paid["payer_id"]
    cases = [
        ("refund", {"amount": "abc"}, f"{rid}-refund-amount"),
        ("refund", {"amount": "-5"}, f"{rid}-refund-amount"),
        ("refund", {"amount": "999999999"}, f"{rid}-refund-amount"),
        ("cancel", {"reason": "x" * 501}, f"{rid}-cancel-reason"),
        ("income-group", {"group": "middle-ish", "reason": "why"}, f"{rid}-income-group-group"),
        ("income-group", {"group": "low"}, f"{rid}-income-group-reason"),
        ("mark-paid", {}, f"{rid}-mark-paid-button"),
    ]
    token = {"csrf_token": await page_token(client, "/organiser/registrations")}
    for action, form, field_id in cases:
        answer = await client.post(f"/organiser/registrations/{rid}/{action}", data=form | token)
        assert answer.status_code == 422, (action, form, answer.text[-500:])
        assert error_beside(answer.text, field_id), (action, form)
        assert "Nothing was changed" in answer.text
    bad = await client.post(f"/organiser/registrations/{rid}/refund", data={"amount": "abc"} | token)
    assert 'value="abc"' in bad.text  # the value typed is shown again
    assert (await client.post(f"/organiser/registrations/{rid}/explode", data=token)).status_code == 404
    row = await status(offline, rid)
    assert (row["status"], row["refunded_minor"], row["income_group"]) == ("confirmed", 0, "high")
    asked = await client.post(f"/organiser/registrations/{rid}/refund", data={"amount": "10.00"} | token)
    assert asked.status_code == 200 and "Refund 10.00 EUR?" in asked.text  # the confirmation step first
    assert (await status(offline, rid))["refunded_minor"] == 0
    confirmed = {"amount": "10.00", "confirm": "yes"} | token
    good = await client.post(f"/organiser/registrations/{rid}/refund", data=confirmed)
    assert good.status_code == 303 and "Refund" in (await client.get(good.headers["location"])).text
    assert (await status(offline, rid))["refunded_minor"] == 1000


async def test_erasure_route_refuses_while_money_is_open_then_blanks_the_delegate(offline: Service) -> None:
    client = offline.client
    invoice = (
        await client.post(
            "/api/registrations",
            json={"delegates": [delegate(0, add_ons=["dinner"])], "payment_method": "invoice", "invoice": INVOICE},
        )
    ).json()
    rid = invoice["payer_id"]
    refused = await client.post(f"/api/organiser/registrations/{rid}/erase", headers=AUTH)
    assert refused.status_code == 409 and "invoice is unpaid" in refused.json()["detail"]
    assert (await client.post(f"/api/organiser/registrations/{rid}/mark-paid", headers=AUTH)).status_code == 200
    paid_refused = await client.post(f"/api/organiser/registrations/{rid}/erase", headers=AUTH)
    assert paid_refused.status_code == 409 and "cancel" in paid_refused.json()["detail"]
    await client.post(f"/api/organiser/registrations/{rid}/cancel", json={"reason": "asked"}, headers=AUTH)
    assert (await client.post(f"/api/organiser/registrations/{rid}/erase", headers=AUTH)).status_code == 200
    row = await status(offline, rid)
    assert row["given_name"] == row["family_name"] == row["affiliation"] == "(erased)"
    assert row["email"].endswith("@invalid") and row["number"] and row["total_minor"] == invoice["total"]
    assert await links.request_sign_in(offline.deps, "aiko0@example.org") == 0
    erased = of(await published(offline), RegistrationErased)
    assert len(erased) == 1 and erased[0].erased_by == seeded_account_id("test-secret", "organiser@icsei.example.org")
    again = await client.post(f"/api/organiser/registrations/{rid}/erase", headers=AUTH)
    assert again.status_code == 409
    # An unpaid card registration is cancelled and erased at once: its places come back.
    unpaid = (await client.post("/api/registrations", json={"delegates": [delegate(1, add_ons=["dinner"])]})).json()
    client.cookies.set(ORGANISER_COOKIE, organiser_token("test-secret", "organiser@icsei.example.org"))
    erase = f"/organiser/registrations/{unpaid['payer_id']}/erase"
    page = await submit(client, "/organiser/registrations", erase, {"confirm": "yes"})
    assert page.status_code == 303
    async with offline.deps.sessionmaker() as session:
        assert (await db.seat_counts(session))["dinner"][1] == 0
    assert (await status(offline, unpaid["payer_id"]))["status"] == "cancelled"
