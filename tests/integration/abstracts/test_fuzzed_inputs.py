"""Inputs the fuzzer found answered with 500 (issue 12, finding 5): now a clear refusal."""

from __future__ import annotations

from tests.forms import page_token
from tests.integration.abstracts.conftest import Service, abstract


async def test_deeply_nested_json_is_a_400_problem(offline: Service) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    for body in (f'{{"format": "paper", "network": "ECE", "keywords": {deep}}}', deep):
        # Refused at the door (services/common/web_guard.py) before the route parses anything.
        answer = await offline.client.post("/api/abstracts", content=body, headers={"content-type": "application/json"})
        assert answer.status_code == 400 and "nested more than" in answer.json()["detail"]
    for body in ("{not json",):
        answer = await offline.client.post("/api/abstracts", content=body, headers={"content-type": "application/json"})
        assert answer.status_code == 400, answer.status_code
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["errors"] == [{"field": "body", "detail": "Send the abstract as a JSON object."}]


async def test_overlong_fields_are_refused_per_field(offline: Service) -> None:
    answer = await offline.client.post("/api/abstracts", json=abstract(keywords=["k" * 5000], title="t" * 5000))
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {"keywords.0", "title"}


async def test_form_numbers_that_are_not_small_whole_numbers(offline: Service) -> None:
    token = {"csrf_token": await page_token(offline.client, "/submit")}  # the form's page first, as a browser
    for rows in ("²", "9" * 5000, "-1"):
        added = await offline.client.post("/submit", data={"rows": rows, "action": "add-author", "title": "T"} | token)
        assert added.status_code == 200, (rows, added.status_code)
    removed = await offline.client.post("/submit", data={"rows": "3", "action": "remove-" + "9" * 5000} | token)
    assert removed.status_code in (201, 422)  # not a button it knows: the form is simply submitted


async def test_method_not_allowed_names_every_method_of_the_path(offline: Service) -> None:
    answer = await offline.client.request("OPTIONS", "/api/organiser/reviewers")
    assert answer.status_code == 405
    assert set(answer.headers["allow"].split(", ")) == {"GET", "POST"}


async def test_openapi_names_the_formats_and_networks_of_the_congress(offline: Service) -> None:
    spec = (await offline.client.get("/openapi.json")).json()
    body = spec["paths"]["/api/abstracts"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["format"]["enum"] == ["paper", "symposium", "poster", "workshop", "roundtable"]
    assert body["properties"]["network"]["enum"] == sorted(offline.deps.config.network_names)
    assert "$defs" not in str(body)  # written in place: '#/$defs/…' would point at the document's root
    refusals = spec["paths"]["/api/abstracts/{abstract_id}"]["put"]["responses"]
    assert {"400", "403", "404", "409", "410", "413", "415", "422"} <= set(refusals)
    assert "application/problem+json" in refusals["404"]["content"]


async def test_openapi_names_an_abstracts_status_and_format_as_the_values_they_are(offline: Service) -> None:
    schemas = (await offline.client.get("/openapi.json")).json()["components"]["schemas"]
    assert schemas["Status"]["enum"] == ["submitted", "accepted", "rejected", "withdrawn"]
    assert schemas["AbstractFormat"]["enum"] == ["paper", "symposium", "poster", "workshop", "roundtable"]
    for model in ("AbstractRow", "Decided", "Withdrawn", "AssignedAbstract"):
        assert schemas[model]["properties"]["status"] == {"$ref": "#/components/schemas/Status"}, model
