"""The organisers' registrations list (filters, search in any script, sort, pages with totals, the same filters
in JSON and CSV) and the page of one registration (what it shows, amounts in currency units, confirmation steps)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from services.common.auth import ORGANISER_COOKIE, organiser_token
from tests.forms import token_in
from tests.integration.registration.conftest import Service, delegate, register_and_pay
from tests.integration.registration.test_expiry import INVOICE, status
from tests.integration.registration.test_pages_errors import error_beside

AUTH = {"authorization": f"Bearer {organiser_token('test-secret', 'organiser@icsei.example.org')}"}
PEOPLE = [
    {"given_name": "José", "family_name": "Núñez", "country": "CL", "affiliation": "Universidad de Chile"},
    {"given_name": "Дмитрий", "family_name": "Соколов", "country": "RU", "affiliation": "МГУ"},
    {"given_name": "Ελένη", "family_name": "Παπαδοπούλου", "country": "GR", "affiliation": "ΕΚΠΑ"},
    {"given_name": "Aiko", "family_name": "田中", "country": "JP", "affiliation": "東京大学"},
    {"given_name": "Jürgen", "family_name": "Straße", "country": "DE", "affiliation": "TU München"},
    {"given_name": "Amina", "family_name": "Okafor", "country": "NG", "affiliation": "University of Lagos"},
]


async def seed(service: Service) -> list[dict[str, Any]]:
    """Six delegates in six scripts; the last two pay by invoice, the first is paid by card."""
    made = [await register_and_pay(service, delegate(0, **PEOPLE[0], email="jose@example.org", language="es"))]
    for i, person in enumerate(PEOPLE[1:4], start=1):
        answer = await service.client.post("/api/registrations", json={"delegates": [delegate(i, **person)]})
        made.append(answer.json())
    for i, person in enumerate(PEOPLE[4:], start=4):
        body = {"delegates": [delegate(i, **person)], "payment_method": "invoice", "invoice": INVOICE}
        made.append((await service.client.post("/api/registrations", json=body)).json())
    return made


def numbers(html: str) -> list[str]:
    """The registration numbers in the list's rows, in the order shown."""
    return re.findall(r'<tr><td><a href="/organiser/registrations/[^"]+">([^<]+)</a>', html)


def signed_in(service: Service) -> None:
    service.client.cookies.set(ORGANISER_COOKIE, organiser_token("test-secret", "organiser@icsei.example.org"))


async def test_the_list_filters_searches_in_any_script_sorts_and_pages_with_totals(offline: Service) -> None:
    made = await seed(offline)
    signed_in(offline)
    client = offline.client
    everyone = await client.get("/organiser/registrations")
    assert everyone.status_code == 200 and "Showing 1–6 of 6" in everyone.text
    assert len(numbers(everyone.text)) == 6
    for query, family in {
        "nunez": "Núñez",  # accents folded
        "ДМИТРИЙ": "Соколов",  # Cyrillic case folded (SQLite's lower() folds ASCII only)
        "παπαδοπουλου": "Παπαδοπούλου",  # Greek accents and case
        "田中": "田中",
        "strasse": "Straße",  # ß folds to ss
        "jose@example": "Núñez",  # email
        "lagos": "Okafor",  # institution
        "Aiko 東京": "田中",  # every word must match, across fields
    }.items():
        found = await client.get("/organiser/registrations", params={"q": query})
        assert "Showing 1–1 of 1" in found.text, query
        assert family in found.text, query
    by_number = await client.get("/organiser/registrations", params={"q": made[2]["registrations"][0]["number"]})
    assert numbers(by_number.text) == [made[2]["registrations"][0]["number"]]
    assert "Nothing to show" in (await client.get("/organiser/registrations", params={"q": "100%_"})).text

    invoices = await client.get("/organiser/registrations", params={"method": "invoice", "sort": "name"})
    assert "Showing 1–2 of 2" in invoices.text
    assert invoices.text.index("Okafor") < invoices.text.index("Straße")
    down = await client.get("/organiser/registrations", params={"method": "invoice", "sort": "name", "dir": "desc"})
    assert down.text.index("Straße") < down.text.index("Okafor")
    assert "Showing 1–1 of 1" in (await client.get("/organiser/registrations", params={"country": "jp"})).text
    pending = await client.get("/organiser/registrations", params={"status": "pending", "method": "card"})
    assert "Showing 1–3 of 3" in pending.text and "Núñez" not in pending.text  # the paid one is confirmed

    first = await client.get("/organiser/registrations", params={"size": 4, "sort": "country"})
    assert "Showing 1–4 of 6" in first.text and "page 1 of 2" in first.text
    next_url = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert next_url
    kept = parse_qs(urlsplit(next_url.group(1).replace("&amp;", "&")).query)
    assert kept == {"sort": ["country"], "page": ["2"], "size": ["4"]}  # the URL says everything shown
    second = await client.get(next_url.group(1).replace("&amp;", "&"))
    assert "Showing 5–6 of 6" in second.text
    shown = re.findall(r"<td>([A-Z]{2})</td>", first.text + second.text)
    assert shown == sorted(shown) == ["CL", "DE", "GR", "JP", "NG", "RU"]
    for odd in ({"sort": "nonsense"}, {"status": "\x00"}, {"q": "\u202e\x00"}, {"country": "JPN!"}, {"dir": "x"}):
        assert (await client.get("/organiser/registrations", params=odd)).status_code == 200, odd


async def test_the_json_list_and_the_csv_follow_the_same_filters(offline: Service) -> None:
    await seed(offline)
    client = offline.client
    api = await client.get("/api/organiser/registrations", params={"q": "дмитрий"}, headers=AUTH)
    assert api.json()["total"] == 1 and api.json()["items"][0]["family_name"] == "Соколов"
    paged = await client.get(
        "/api/organiser/registrations", params={"sort": "amount", "dir": "desc", "size": 2, "page": 2}, headers=AUTH
    )
    body = paged.json()
    assert body["total"] == 6 and len(body["items"]) == 2 and "sort=amount" in body["next"]
    exported = await client.get("/organiser/registrations.csv", params={"method": "invoice"}, headers=AUTH)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert sorted(r["family_name"] for r in rows) == ["Okafor", "Straße"]
    by_country = await client.get("/organiser/registrations.csv", params={"country": "GR", "q": "ελενη"}, headers=AUTH)
    assert [r["given_name"] for r in csv.DictReader(io.StringIO(by_country.text))] == ["Ελένη"]


async def test_the_registration_page_shows_its_money_and_history_and_refunds_in_currency_units(
    offline: Service,
) -> None:
    paid = await register_and_pay(offline, delegate(0, **PEOPLE[0], email="jose@example.org"))
    rid = paid["payer_id"]
    signed_in(offline)
    client = offline.client
    listed = await client.get("/organiser/registrations")
    assert f'href="/organiser/registrations/{rid}"' in listed.text
    page = await client.get(f"/organiser/registrations/{rid}")
    assert page.status_code == 200 and "Núñez" in page.text
    total = paid["total"]
    assert f"{total // 100}.{total % 100:02d} EUR" in page.text  # the total in the currency's units
    assert "RegistrationCreated" in page.text and "RegistrationConfirmed" in page.text  # its history
    assert 'id="audit"' in page.text and "No organiser or automatic action recorded yet." in page.text
    assert (await client.get("/organiser/registrations/nope")).status_code == 404
    token = {"csrf_token": token_in(page.text)}
    for typed, message in {
        "74000.005": "EUR amounts have 2 decimals",
        "abc": "with digits only",
        "0": "above zero",
        "": "Please enter an amount in EUR",
        "99999": "At most",
    }.items():
        refused = await client.post(f"/organiser/registrations/{rid}/refund", data={"amount": typed} | token)
        assert refused.status_code == 422, typed
        assert message in error_beside(refused.text, f"{rid}-refund-amount"), typed
    asked = await client.post(f"/organiser/registrations/{rid}/refund", data={"amount": "12,50"} | token)
    assert asked.status_code == 200 and "Refund 12.50 EUR?" in asked.text
    assert 'name="confirm" value="yes"' in asked.text and 'name="amount" value="12,50"' in asked.text
    assert (await status(offline, rid))["refunded_minor"] == 0  # nothing happens before the confirmation
    done = await client.post(
        f"/organiser/registrations/{rid}/refund", data={"amount": "12,50", "confirm": "yes"} | token
    )
    assert done.status_code == 303 and done.headers["location"].startswith(f"/organiser/registrations/{rid}?")
    assert (await status(offline, rid))["refunded_minor"] == 1250
    after = await client.get(done.headers["location"])
    assert "RefundIssued" in after.text and "Refund " in after.text


async def test_cancelling_and_erasing_ask_for_confirmation_first(offline: Service) -> None:
    created = (await offline.client.post("/api/registrations", json={"delegates": [delegate(3, **PEOPLE[3])]})).json()
    rid = created["payer_id"]
    signed_in(offline)
    client = offline.client
    token = {"csrf_token": token_in((await client.get(f"/organiser/registrations/{rid}")).text)}
    asked = await client.post(f"/organiser/registrations/{rid}/cancel", data={"reason": "visa refused"} | token)
    assert asked.status_code == 200 and "Cancel registration" in asked.text and "visa refused" in asked.text
    assert (await status(offline, rid))["status"] == "pending"
    done = await client.post(
        f"/organiser/registrations/{rid}/cancel", data={"reason": "visa refused", "confirm": "yes"} | token
    )
    assert done.status_code == 303 and (await status(offline, rid))["status"] == "cancelled"
    again = await client.post(f"/organiser/registrations/{rid}/cancel", data={"reason": "twice"} | token)
    assert again.status_code == 422 and "cancelled already" in error_beside(again.text, f"{rid}-cancel-reason")

    erase = await client.post(f"/organiser/registrations/{rid}/erase", data=token)
    assert erase.status_code == 200 and "cannot be undone" in erase.text
    assert (await status(offline, rid))["family_name"] == "田中"
    erased = await client.post(f"/organiser/registrations/{rid}/erase", data={"confirm": "yes"} | token)
    assert erased.status_code == 303 and (await status(offline, rid))["family_name"] == "(erased)"
    page = await client.get(f"/organiser/registrations/{rid}")
    assert "田中" not in page.text and "RegistrationErased" in page.text
    refused = await client.post(f"/organiser/registrations/{rid}/erase", data=token)
    assert refused.status_code == 422 and "already erased" in error_beside(refused.text, f"{rid}-erase-button")
    assert "Nothing to show" in (await client.get("/organiser/registrations", params={"q": "田中"})).text  # its key too


async def test_odd_registration_ids_and_forms_get_a_page_not_a_500(offline: Service) -> None:
    created = (await offline.client.post("/api/registrations", json={"delegates": [delegate()]})).json()
    signed_in(offline)
    client = offline.client
    token = {"csrf_token": token_in((await client.get(f"/organiser/registrations/{created['payer_id']}")).text)}
    for rid in ("%00", "x" * 300, "%E2%80%AE", "..%2F..%2Fetc"):
        assert (await client.get(f"/organiser/registrations/{rid}")).status_code == 404, rid
        assert (await client.post(f"/organiser/registrations/{rid}/refund", data=token)).status_code == 404, rid
        for api in ("mark-paid", "erase", "extend-hold"):
            answer = await client.post(f"/api/organiser/registrations/{rid}/{api}", json={}, headers=AUTH)
            assert answer.status_code in (404, 409), (rid, api)  # no route for a path, no registration for an id
    rid = created["payer_id"]
    for action, form in {
        "refund": {"amount": "\x00"},
        "cancel": {"reason": "\x00"},
        "extend-hold": {"days": "1e9"},
    }.items():
        answer = await client.post(f"/organiser/registrations/{rid}/{action}", data=form | token)
        assert answer.status_code == 422, (action, answer.text[-300:])
