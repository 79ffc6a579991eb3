"""Issue 14: reviewers fill a profile and bid through their link — blind — and the assignment follows what they
said: their expertise and bids, their load within the network's default, their declared conflicts, and the
edition's same-country rule. SQLite, no Kafka."""

from __future__ import annotations

import html as html_text
import re
from typing import Any

from services.abstracts.config import NetworkConfig
from services.common.countries import country_names
from tests.forms import submit as post_page
from tests.integration.abstracts.conftest import ORGANISER, Service, add_reviewer, author, submit

HTML = {"accept": "text/html"}


async def portal(service: Service) -> dict[str, str]:
    rows = (await service.client.get("/api/organiser/reviewers", headers=ORGANISER)).json()
    return {r["name"]: r["portal_link"].removeprefix("http://testserver") for r in rows}


def configure(service: Service, **changes: Any) -> None:
    """Change the edition's abstracts section for this test (the commands read it from their Deps)."""
    service.deps.deps.config = service.deps.deps.config.model_copy(update=changes)


async def assigned_pairs(service: Service) -> set[tuple[str, str]]:
    answer = await service.client.post("/api/organiser/assign", headers=ORGANISER)
    assert answer.status_code == 200, answer.text
    names = {
        r["reviewer_id"]: r["name"]
        for r in (await service.client.get("/api/organiser/reviewers", headers=ORGANISER)).json()
    }
    return {(a["abstract_id"], names[a["reviewer_id"]]) for a in answer.json()["assigned"]}


async def test_the_profile_page_keeps_the_load_within_the_networks_default(offline: Service) -> None:
    configure(offline, networks=(NetworkConfig(code="DU", name="Data Use", default_load=4),))
    await submit(offline, keywords=["data use", "assessment"])
    await add_reviewer(offline, "Amani", "University of Nairobi", ["DU"])
    link = (await portal(offline))["Amani"]
    page = await offline.client.get(f"{link}/profile", headers=HTML)
    assert page.status_code == 200 and "at most 4" in page.text and 'value="assessment"' in page.text
    fields = {
        "keywords": ["assessment"],
        "other_keywords": "school leadership",
        "own_0": "We study how principals lead.",
        "max_load": "9",
        "country": "KE",
        "conflicts": "Aiko Tanaka",
    }
    refused = await post_page(offline.client, f"{link}/profile", f"{link}/profile", fields)
    assert refused.status_code == 422 and "At most 4" in refused.text and 'aria-invalid="true"' in refused.text
    assert "We study how principals lead." in refused.text  # what was typed comes back
    saved = await post_page(offline.client, f"{link}/profile", f"{link}/profile", fields | {"max_load": "3"})
    assert saved.status_code == 303
    profile = (await offline.client.get(f"/api{link}/profile")).json()
    assert profile | {"keyword_choices": []} == {
        "keywords": ["assessment", "school leadership"],
        "own_abstracts": ["We study how principals lead."],
        "max_load": 3,
        "country": "KE",
        "conflicts": ["Aiko Tanaka"],
        "load_cap": 4,
        "keyword_choices": [],
    }
    bad = await offline.client.put(f"/api{link}/profile", json={"max_load": 5})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "max_load"


async def test_bids_are_made_blind_and_steer_the_assignment(offline: Service) -> None:
    configure(offline, reviewers_per_abstract=1)
    lead = await submit(offline, title="Principals leading improvement", keywords=["leadership"])
    data = await submit(offline, title="Teachers using assessment data", keywords=["data use"])
    for name in ("Amani", "Bo"):
        await add_reviewer(offline, name, f"University {name}", ["DU"])
    links = await portal(offline)
    page = await offline.client.get(f"{links['Amani']}/bids", headers=HTML)
    assert page.status_code == 200 and "Principals leading improvement" in page.text
    for hidden in ("Aiko", "田中", "東京大学", "aiko0@example.org", "example.org", ">JP<", "Japan"):
        assert hidden not in page.text  # double-blind: no author name, institution, address or country
    api = (await offline.client.get(f"/api{links['Amani']}/bids")).json()["abstracts"]
    assert {a["bid"] for a in api} == {"none"} and not any("authors" in a or "submitter_email" in a for a in api)
    # Amani must not review the leadership one, and is eager for the data one; Bo is eager for leadership
    bids = {f"bid.{lead['abstract_id']}": "conflict", f"bid.{data['abstract_id']}": "eager"}
    assert (
        await post_page(offline.client, f"{links['Amani']}/bids", f"{links['Amani']}/bids", bids)
    ).status_code == 303
    put = await offline.client.put(f"/api{links['Bo']}/bids", json={"bids": {lead["abstract_id"]: "eager"}})
    assert put.status_code == 200
    wrong = await offline.client.put(f"/api{links['Bo']}/bids", json={"bids": {lead["abstract_id"]: "maybe"}})
    assert wrong.status_code == 422
    assert await assigned_pairs(offline) == {(lead["abstract_id"], "Bo"), (data["abstract_id"], "Amani")}
    detail = await offline.client.get(f"/organiser/abstracts/{data['abstract_id']}", headers=HTML | ORGANISER)
    assert "bid: eager" in detail.text


async def test_the_profile_feeds_the_affinity_and_declared_conflicts_hold(offline: Service) -> None:
    configure(offline, reviewers_per_abstract=1)
    ana = author(0, given_name="Ana", family_name="Ruiz", email="ana@uam.es", affiliation="UAM", country="ES")
    lead = await submit(
        offline, title="Principals as leaders", keywords=["leadership"], authors=[ana], submitter_email=ana["email"]
    )
    for name in ("Amani", "Bo", "Chen"):
        await add_reviewer(offline, name, f"University {name}", ["DU"])
    links = await portal(offline)
    # Amani knows leadership but declared Ana Ruiz; Bo wrote about leadership; Chen said nothing
    await offline.client.put(
        f"/api{links['Amani']}/profile", json={"keywords": ["leadership"], "conflicts": ["ana  RUIZ"]}
    )
    await offline.client.put(
        f"/api{links['Bo']}/profile", json={"own_abstracts": ["How principals lead: leadership in practice."]}
    )
    assert await assigned_pairs(offline) == {(lead["abstract_id"], "Bo")}
    detail = await offline.client.get(f"/organiser/abstracts/{lead['abstract_id']}", headers=HTML | ORGANISER)
    why = detail.text.split("Bo (University Bo)", 1)[1].split("</td>", 1)[0]
    assert "leadership" in why  # the profile's words are why Bo fits


async def test_same_country_is_a_conflict_only_when_the_edition_says_so(offline: Service) -> None:
    configure(offline, reviewers_per_abstract=1, conflict_same_country=True)
    first = await submit(offline, title="Japanese schools")  # authors from JP
    await add_reviewer(offline, "Kenji", "Osaka University", ["DU"])
    await add_reviewer(offline, "Lena", "Universität Wien", ["DU"])
    links = await portal(offline)
    await offline.client.put(f"/api{links['Kenji']}/profile", json={"country": "JP", "keywords": ["data use"]})
    await offline.client.put(f"/api{links['Lena']}/profile", json={"country": "AT", "max_load": 1})
    assert await assigned_pairs(offline) == {(first["abstract_id"], "Lena")}
    configure(offline, conflict_same_country=False)
    second = await submit(offline, title="More Japanese schools")
    assert await assigned_pairs(offline) == {(second["abstract_id"], "Kenji")}  # Lena is full; Kenji may now


def country_options(html: str) -> list[tuple[str, str]]:
    """The (code, name) options of the profile's country list, in page order."""
    select = html.split('name="country"', 1)[1].split("</select>", 1)[0]
    found = re.findall(r'<option value="([A-Z]{2})"[^>]*>([^<]+)</option>', select)
    return [(code, html_text.unescape(name)) for code, name in found]


async def test_the_profiles_country_list_is_the_kernels_sorted_as_its_readers_expect(offline: Service) -> None:
    """Reviewer pages are the team's (English, ``page_language.ORGANISER_PATHS``): CLDR's English names,
    accents aside in the order (Åland next to Albania, not after Zimbabwe), the same codes as every form."""
    await add_reviewer(offline, "Amani", "University of Nairobi", ["DU"])
    link = (await portal(offline))["Amani"]
    page = await offline.client.get(f"{link}/profile", headers=HTML | {"accept-language": "fr"})
    options = country_options(page.text)
    names = [name for _, name in options]
    assert dict(options)["DE"] == "Germany" and "XK" in dict(options) and "EU" not in dict(options)
    assert names.index("Åland Islands") < names.index("Albania") < names.index("Zimbabwe")
    assert names.index("Costa Rica") < names.index("Côte d’Ivoire") < names.index("Croatia")
    assert options == list(country_names(page_lang(page.text)))
    saved = await offline.client.put(f"/api{link}/profile", json={"country": "XK"})  # what the list offers is taken
    assert saved.status_code == 200, saved.text


def page_lang(html: str) -> str:
    found = re.search(r'<html lang="([a-z]+)"', html)
    assert found
    return found.group(1)
