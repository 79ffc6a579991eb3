"""An organiser changes an accepted symposium's chair and a paper's presenter, through abstracts, registration
and badges on real Kafka: the roles follow per email (the new chair gets CHAIR and a badge with its ribbon, the
old chair and the replaced presenter lose theirs, the presenter of another paper keeps presenting), the rule that
a presenter must register chases the new presenter, and once the programme is published the change is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from schemas import CloudEvent, topics
from schemas.registration import RegistrationConfirmed, RegistrationUpdated
from schemas.values import Role
from tests.integration.abstracts.conftest import TEXT, abstract, symposium_fields
from tests.integration.abstracts.test_symposium_to_badge import ORGANISER, badge_of, register, three_services
from tests.kafka_helpers import read_events

FIRST = {
    "given_name": "Ana",
    "family_name": "Sousa",
    "email": "pc-p1@uni.example",
    "affiliation": "Porto",
    "country": "PT",
    "presenting": True,
}
NEW_CHAIR = {
    "given_name": "Noor",
    "family_name": "Haddad",
    "email": "pc-newchair@uni.example",
    "affiliation": "Birzeit",
    "country": "NL",
}
NEW_PRESENTER = NEW_CHAIR | {"given_name": "Pita", "email": "pc-p4@uni.example", "presenting": True}


def roles_now(events: list[CloudEvent[Any]]) -> dict[str, set[Role]]:
    """Each delegate's roles in their latest confirmed or updated registration, by email."""
    latest: dict[str, set[Role]] = {}
    for e in events:
        if isinstance(e.data, (RegistrationConfirmed, RegistrationUpdated)):
            latest[e.data.delegate.email] = set(e.data.delegate.roles)
    return latest


async def test_the_organiser_changes_an_accepted_symposiums_people_and_registration_follows(
    tmp_path: Path, kafka_bootstrap: str, topic_prefix: str, stripe_mock_url: str, congress_home: Path
) -> None:
    fields = symposium_fields(FIRST, tag="pc")
    old_chair, old_presenter = fields["chair"], fields["papers"][1]["authors"][0]
    body = abstract(format="symposium", title="Data use, recast", text=" ".join([TEXT] * 3), authors=[])
    async with three_services(tmp_path, kafka_bootstrap, topic_prefix, stripe_mock_url) as services:
        abstracts, registration = services["abstracts"], services["registration"]
        for person in (old_chair, old_presenter, FIRST, NEW_CHAIR, NEW_PRESENTER):
            await register(registration, person)
        done = await abstracts.post("/api/abstracts", json=body | {"symposium": fields})
        assert done.status_code == 201, done.text
        path = f"/api/organiser/abstracts/{done.json()['abstract_id']}"
        decided = await abstracts.post(f"{path}/decision", json={"decision": "accepted"}, headers=ORGANISER)
        assert decided.status_code == 200, decided.text

        topic, opened = topic_prefix + topics.REGISTRATION, services["registration-opener"]

        async def roles_once(until: Any) -> dict[str, set[Role]]:
            events = await read_events(kafka_bootstrap, topic, until=lambda e: until(roles_now(e)), open_=opened)
            return roles_now(events)

        before = await roles_once(lambda r: Role.CHAIR in r.get(old_chair["email"], set()))
        assert Role.PRESENTER in before[old_presenter["email"]] and Role.PRESENTER in before[FIRST["email"]]

        # Chair handed to Noor; paper 2 now presented by Pita (its old presenter stays a co-author, not presenting);
        # Ana presents paper 1 still.
        paper_two = fields["papers"][1] | {
            "authors": [NEW_PRESENTER, old_presenter | {"presenting": False}, *fields["papers"][1]["authors"][1:]]
        }
        recast = fields | {"chair": NEW_CHAIR, "papers": [fields["papers"][0], paper_two, fields["papers"][2]]}
        changed = await abstracts.put(f"{path}/symposium", json=recast, headers=ORGANISER)
        assert changed.status_code == 200, changed.text

        def followed(r: dict[str, set[Role]]) -> bool:
            return (
                Role.CHAIR in r.get(NEW_CHAIR["email"], set())
                and Role.CHAIR not in r.get(old_chair["email"], {Role.CHAIR})
                and Role.PRESENTER in r.get(NEW_PRESENTER["email"], set())
                and Role.PRESENTER not in r.get(old_presenter["email"], {Role.PRESENTER})
            )

        after = await roles_once(followed)
        assert after[FIRST["email"]] == {Role.DELEGATE, Role.PRESENTER}  # still presents paper 1: untouched
        assert after[old_chair["email"]] == {Role.DELEGATE} and after[old_presenter["email"]] == {Role.DELEGATE}

        # The new chair's badge is reissued with the CHAIR ribbon.
        badges = await read_events(
            kafka_bootstrap,
            topic_prefix + topics.BADGES,
            until=lambda evs: bool(badge_of(evs, NEW_CHAIR["email"], "CHAIR")),
            timeout=120,
            open_=services["badges-opener"],
        )
        assert badge_of(badges, NEW_CHAIR["email"], "CHAIR") is not None

        # The presenter rule now chases Pita for paper 2, not the presenter who was replaced.
        rows = (await registration.get("/api/organiser/presenters", headers=ORGANISER)).json()
        (row,) = [r for r in rows if r["reference"] == done.json()["reference"]]
        assert {p["email"] for p in row["presenters"]} == {FIRST["email"], NEW_PRESENTER["email"], "pc-p3@uni.example"}

        assert (await abstracts.post("/api/organiser/programme/generate", headers=ORGANISER)).status_code == 200
        assert (await abstracts.post("/api/organiser/programme/publish", headers=ORGANISER)).status_code == 200
        late = await abstracts.put(f"{path}/symposium", json=fields, headers=ORGANISER)
        assert late.status_code == 409 and "programme is published" in late.json()["detail"]
