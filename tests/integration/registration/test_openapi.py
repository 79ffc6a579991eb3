"""Registration's OpenAPI states this edition's choices and every refusal, so tools (and the fuzzer) can use it."""

from __future__ import annotations

from typing import Any

from tests.integration.registration.conftest import Service, delegate


async def test_categories_and_add_ons_of_the_edition_are_enums_and_validation_is_unchanged(offline: Service) -> None:
    spec: dict[str, Any] = (await offline.client.get("/openapi.json")).json()
    [name] = [n for n in spec["components"]["schemas"] if n.split("-")[0] == "DelegateIn"]
    fields = spec["components"]["schemas"][name]["properties"]
    assert fields["category"]["enum"] == list(offline.deps.config.categories)
    assert fields["add_ons"]["items"]["enum"] == [a.code for a in offline.deps.config.add_ons]
    answer = await offline.client.post("/api/quote", json={"delegates": [delegate(category="astronaut")]})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["msg"] == "Unknown category 'astronaut'."


async def test_json_routes_document_their_refusals_and_bodies(offline: Service) -> None:
    paths: dict[str, Any] = (await offline.client.get("/openapi.json")).json()["paths"]
    created = paths["/api/registrations"]["post"]["responses"]
    assert {"201", "400", "409", "413", "415", "422", "429"} <= set(created)
    assert created["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/RegistrationDone"}
    assert set(created["201"]["links"]) == {
        "markInvoicePaid",
        "extendInvoiceHold",
        "refundRegistration",
        "cancelRegistration",
        "eraseRegistration",
        "setIncomeGroup",
    }
    export = paths["/organiser/registrations.csv"]["get"]["responses"]
    assert list(export["200"]["content"]) == ["text/csv"] and "application/json" in export["401"]["content"]
