"""Inputs the fuzzer found answered with 500 (issue 12, finding 5): now a clear refusal."""

from __future__ import annotations

from tests.forms import submit
from tests.integration.registration.conftest import Service, delegate


async def test_register_with_a_number_of_delegates_that_is_not_a_number(offline: Service) -> None:
    for n in ("abc", "²", "9" * 40):
        answer = await submit(offline.client, "/", "/register", {"n": n, "delegates.0.given_name": "Aiko"})
        assert answer.status_code == 422, (n, answer.status_code)
        assert "number of delegates must be a whole number" in answer.text


async def test_test_checkout_with_a_charge_beyond_any_row(offline: Service) -> None:
    client = offline.client
    answer = await client.post("/api/registrations", json={"delegates": [delegate()]})
    assert answer.status_code == 201, answer.text
    checkout = (await client.get(answer.json()["payment_url"].removeprefix("http://testserver"))).headers["location"]
    for charge in (str(2**64), str(2**31), "-1", "x"):
        page = await client.get(f"{checkout}&charge={charge}")
        assert page.status_code == 404, (charge, page.status_code)
        assert "No such payment" in page.text
    assert (await client.get(checkout)).status_code == 200  # the link itself still works
