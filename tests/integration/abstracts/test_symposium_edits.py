"""A symposium through the form and the edit rules (SQLite, no Kafka): the form takes its chair, discussant and
papers and names each mistake beside its field; authors change papers until it is decided, the organiser also
once it is accepted, until the programme is published."""

from __future__ import annotations

import re
from typing import Any

from tests.forms import submit as post_form
from tests.integration.abstracts.conftest import ORGANISER, TEXT, Service, abstract, submit, symposium_fields
from tests.integration.abstracts.test_audit import records

PERSON = ("given_name", "family_name", "email", "affiliation", "country")


def form_of(fields: dict[str, Any]) -> dict[str, str]:
    """A symposium as the form's flat fields, beside the abstract's own."""
    data = {"format": "symposium", "network": "DU", "title": "Data use together", "text": " ".join([TEXT] * 3)}
    data |= {"language": "en", "submitter_email": "sy-chair@uni.example"}
    for role in ("chair", "discussant"):
        data |= {f"symposium.{role}.{k}": fields[role][k] for k in PERSON}
    for i, paper in enumerate(fields["papers"]):
        data |= {f"symposium.papers.{i}.title": paper["title"], f"symposium.papers.{i}.text": paper["text"]}
        for j, author in enumerate(paper["authors"]):
            data |= {f"symposium.papers.{i}.authors.{j}.{k}": author[k] for k in PERSON}
            if author["presenting"]:
                data[f"symposium.papers.{i}.authors.{j}.presenting"] = "on"
    return data


FIRST = {
    "given_name": "Ana",
    "family_name": "Sousa",
    "email": "sy-p1@uni.example",
    "affiliation": "Porto",
    "country": "PT",
    "presenting": True,
}


async def test_the_form_takes_a_symposium_and_names_each_mistake(offline: Service) -> None:
    fields = symposium_fields(FIRST, tag="sy")
    broken = form_of(fields) | {"symposium.papers.1.authors.0.presenting": "", "symposium.chair.country": ""}
    del broken["symposium.papers.2.title"], broken["symposium.papers.2.text"]
    for key in [k for k in broken if k.startswith("symposium.papers.2.")]:
        del broken[key]  # the third block left blank: two papers
    answer = await post_form(offline.client, "/submit", "/submit", broken)
    assert answer.status_code == 422
    assert "A symposium needs 3 or 4 papers; you gave 2 papers." in answer.text
    assert "Chair, country: Choose the country of the chair&#39;s institution." in answer.text
    assert "Paper 2, Authors: Tick &#39;presenting&#39; for at least one author." in answer.text
    assert re.search(r'id="symposium-chair-country"[^>]*aria-invalid="true"', answer.text)
    assert 'value="sy paper 2"' in answer.text  # nothing typed is lost
    done = await post_form(offline.client, "/submit", "/submit", form_of(fields))
    assert done.status_code == 201, re.findall(r'class="error"[^>]*>([^<]+)', done.text)


async def test_authors_edit_until_decided_the_organiser_until_published(offline: Service) -> None:
    fields = symposium_fields(FIRST, tag="sy")
    body = abstract(format="symposium", text=" ".join([TEXT] * 3), authors=[], symposium=fields)
    done = await submit(offline, **body)
    own = f"/api/abstracts/{done['abstract_id']}?t={done['token']}"
    four = fields | {"papers": [*fields["papers"], fields["papers"][0] | {"title": "sy paper 4"}]}
    revised = await offline.client.put(own, json=body | {"symposium": four})
    assert revised.status_code == 200 and revised.json()["content_version"] == 2

    decision = {"decision": "accepted"}
    path = f"/api/organiser/abstracts/{done['abstract_id']}"
    assert (await offline.client.post(f"{path}/decision", json=decision, headers=ORGANISER)).status_code == 200
    assert (await offline.client.put(own, json=body)).status_code == 409  # decided: the authors' edits end

    two = await offline.client.put(
        f"{path}/symposium", json=fields | {"papers": fields["papers"][:2]}, headers=ORGANISER
    )
    assert two.status_code == 422 and two.json()["errors"][0]["field"] == "symposium.papers"
    renamed = four | {"papers": [four["papers"][0] | {"title": "Renamed paper"}, *four["papers"][1:]]}
    amended = await offline.client.put(f"{path}/symposium", json=renamed, headers=ORGANISER)
    assert amended.status_code == 200 and amended.json()["content_version"] == 3
    before = len(await records(offline))
    swapped = await offline.client.put(f"{path}/symposium", json=fields, headers=ORGANISER)  # a presenter less
    assert swapped.status_code == 200 and swapped.json()["content_version"] == 4  # registration follows (roles)
    (record,) = (await records(offline))[before:]
    assert (record.action, record.subject_id) == ("abstracts.symposium.amend", done["abstract_id"])
    assert record.details["people_changed"] is True and "sy-p1@" not in record.model_dump_json()
    assert (await offline.client.put(f"{path}/symposium", json=renamed)).status_code in (401, 403)  # organisers only

    assert (await offline.client.post("/api/organiser/programme/generate", headers=ORGANISER)).status_code == 200
    draft = (await offline.client.get("/api/organiser/programme", headers=ORGANISER)).json()
    assert any(s["title"] == "Data use in Japanese schools" for s in draft["sessions"])
    assert (await offline.client.post("/api/organiser/programme/publish", headers=ORGANISER)).status_code == 200
    late = await offline.client.put(f"{path}/symposium", json=renamed, headers=ORGANISER)
    assert late.status_code == 409 and "programme is published" in late.text
