"""A network convener sees and acts on their own network only (issue 13): the abstracts and reviewers lists
show theirs, another network's abstract or reviewer answers 404 on every page and action, a reviewer for
another network cannot be added; the programme chair sees everything. The convener is an organiser of the
edition file with ``roles: [convener]`` and ``networks: [DU]`` (the YAML's seeded accounts)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import yaml

from services.common.auth import organiser_token
from services.common.congress import DEFAULT_CONFIG
from tests.integration.abstracts.conftest import (
    ORGANISER,
    SECRET,
    Service,
    add_reviewer,
    close_service,
    open_service,
    settings_for,
    submit,
)

CONVENER = "convener.du@example.org"


def as_convener() -> dict[str, str]:
    return {"authorization": f"Bearer {organiser_token(SECRET, CONVENER)}", "accept": "application/json"}


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    doc = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    doc["organisers"].append(
        {"email": CONVENER, "name": "Data Use Convener", "roles": ["convener"], "networks": ["DU"]}
    )
    config = tmp_path / "congress.yaml"
    config.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    settings = settings_for(f"sqlite+aiosqlite:///{tmp_path / 'a.sqlite3'}").model_copy(
        update={"congress_config": str(config)}
    )
    opened = await open_service(settings, kafka=False)
    yield opened
    await close_service(opened, kafka=False)


async def test_a_convener_sees_and_acts_on_their_network_only(service: Service) -> None:
    du = (await submit(service, network="DU"))["abstract_id"]
    el = (await submit(service, network="EL", title="Leadership for learning"))["abstract_id"]
    du_reviewer = await add_reviewer(service, "Dora", "Uni A", ["DU"])
    el_reviewer = await add_reviewer(service, "Elif", "Uni B", ["EL"])
    client, mine = service.client, as_convener()

    chair_view = await client.get("/api/organiser/abstracts", headers=ORGANISER)
    assert {a["abstract_id"] for a in chair_view.json()} >= {du, el}
    listed = await client.get("/api/organiser/abstracts", headers=mine)
    assert listed.status_code == 200 and {a["abstract_id"] for a in listed.json()} == {du}
    assert {r["reviewer_id"] for r in (await client.get("/api/organiser/reviewers", headers=mine)).json()} == {
        du_reviewer
    }
    page = await client.get("/organiser/abstracts", headers=mine | {"accept": "text/html"})
    assert page.status_code == 200 and "Leadership for learning" not in page.text

    assert (await client.get(f"/organiser/abstracts/{du}", headers=mine)).status_code == 200
    assert (await client.get(f"/organiser/abstracts/{el}", headers=mine)).status_code == 404
    decision = {"decision": "accepted"}
    assert (
        await client.post(f"/api/organiser/abstracts/{el}/decision", json=decision, headers=mine)
    ).status_code == 403  # deciding at once is the chair's, whatever the network
    unassign = {"reviewer_id": el_reviewer}
    assert (
        await client.post(f"/api/organiser/abstracts/{el}/unassign", json=unassign, headers=mine)
    ).status_code == 404
    assert (await client.post(f"/api/organiser/reviewers/{el_reviewer}/revoke", headers=mine)).status_code == 404
    assert (await client.post(f"/api/organiser/reviewers/{du_reviewer}/revoke", headers=mine)).status_code == 200
    other = {"name": "Eve", "email": "eve@rev.example.org", "affiliation": "Uni C", "networks": ["EL"]}
    assert (await client.post("/api/organiser/reviewers", json=other, headers=mine)).status_code == 403
    assert (await client.post("/api/organiser/assign", headers=mine)).status_code == 403  # the chair's
    # Deciding one abstract at once mails its authors: the chair's; a convener stages instead.
    at_once = await client.post(f"/api/organiser/abstracts/{du}/decision", json=decision, headers=mine)
    assert at_once.status_code == 403
    detail = await client.get(f"/organiser/abstracts/{du}", headers=mine | {"accept": "text/html"})
    assert "/decide" not in detail.text and "Stage a decision" in detail.text
    chair_detail = await client.get(f"/organiser/abstracts/{du}", headers=ORGANISER | {"accept": "text/html"})
    assert f"/organiser/abstracts/{du}/decide" in chair_detail.text
    decided = await client.post(f"/api/organiser/abstracts/{du}/decision", json=decision, headers=ORGANISER)
    assert decided.status_code == 200 and decided.json()["status"] == "accepted"
    assert (await client.get("/api/organiser/programme", headers=mine)).status_code == 403


async def test_a_convener_stages_their_networks_decisions_and_only_the_chair_releases(service: Service) -> None:
    du = (await submit(service, network="DU"))["abstract_id"]
    el = (await submit(service, network="EL", title="Leadership for learning"))["abstract_id"]
    client, mine = service.client, as_convener()

    async def stage(body: dict[str, object], headers: dict[str, str]) -> httpx.Response:
        return await client.post("/api/organiser/decisions/stage", json=body, headers=headers)

    assert (await stage({"choice": "accept", "abstract_ids": [el]}, mine)).status_code == 404
    assert (await stage({"choice": "accept", "top": 5}, mine)).status_code == 403
    assert (await stage({"choice": "accept", "top": 5, "network": "EL"}, mine)).status_code == 403
    staged = await stage({"choice": "accept", "abstract_ids": [du]}, mine)
    assert staged.status_code == 200 and staged.json()["staged"] == [du]
    assert (await stage({"choice": "reject", "abstract_ids": [el]}, ORGANISER)).status_code == 200

    seen = await client.get("/api/organiser/decisions", headers=mine)
    assert seen.status_code == 200 and [s["abstract_id"] for s in seen.json()] == [du]
    assert (await client.delete(f"/api/organiser/decisions/{el}", headers=mine)).status_code == 404
    page = await client.get("/organiser/decisions", headers=mine | {"accept": "text/html"})
    assert page.status_code == 200 and "Leadership for learning" not in page.text

    release = {"network": "DU"}
    assert (await client.post("/api/organiser/decisions/release", json=release, headers=mine)).status_code == 403
    released = await client.post("/api/organiser/decisions/release", json=release, headers=ORGANISER)
    assert released.status_code == 200 and released.json()["decided"] == 1
    chair_view = await client.get("/api/organiser/decisions", headers=ORGANISER)
    assert [s["abstract_id"] for s in chair_view.json()] == [el]
