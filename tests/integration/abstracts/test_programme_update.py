"""Updating a published programme against real Kafka on each database, and the page's Generate/Update forms.

Generate, move a session and name a chair by hand, publish; then accept a paper and a roundtable and
withdraw an accepted paper; update: the move and the chair stay, the paper joins a session of its
network, the roundtable gets a new session placed around the others, the withdrawn paper is gone.
The re-publish emits only the three changed sessions and no PresentationMoved.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from schemas import topics
from schemas.programme import ProgrammePublished, SessionScheduled
from tests.integration.abstracts.conftest import (
    ORGANISER,
    TEXT,
    Service,
    author,
    close_service,
    open_service,
    settings_for,
    submit,
)
from tests.integration.abstracts.programme_data import accept_abstracts
from tests.kafka_helpers import read_events

API = "/api/organiser/programme"


async def test_update_keeps_manual_work_and_publishes_only_the_differences(
    db_url: str, kafka_bootstrap: str, topic_prefix: str
) -> None:
    service = await open_service(settings_for(db_url, kafka=kafka_bootstrap, prefix=topic_prefix), kafka=True)
    try:
        made = await accept_abstracts(service)
        assert (await service.client.post(f"{API}/generate", headers=ORGANISER)).status_code == 200
        moved_to = await move_el_by_hand(service)
        chair = await service.client.post(f"{API}/sessions/DU-P2/chair", json={"chair": "Grace Ọlá"}, headers=ORGANISER)
        assert chair.status_code == 200
        assert (await publish(service))["sessions_changed"] == 6
        before = await draft(service)

        late = await accept_late(service)
        gone = made["e2"]
        withdrawn = await service.client.post(
            f"/api/abstracts/{gone['abstract_id']}/withdraw", params={"t": gone["token"]}, json={"reason": "visa"}
        )
        assert withdrawn.status_code == 200, withdrawn.text
        updated = (await service.client.post(f"{API}/update", headers=ORGANISER)).json()
        rt = f"RT-{late['n2']['reference']}"
        assert updated["generated"] is False
        assert updated["added_to_sessions"] == {late["n1"]["abstract_id"]: "DU-P2"}  # its network, keyword "trust"
        assert list(updated["placed"]) == [rt] and updated["unplaced"] == []
        assert updated["removed_presentations"] == {gone["abstract_id"]: "EL-P1"} and updated["removed_sessions"] == []

        after = await draft(service)
        assert {sid: s["place"] for sid, s in after.items() if sid != rt} == {
            sid: s["place"] for sid, s in before.items()
        }  # nothing placed before has moved
        assert after["EL-P1"]["place"] == moved_to and after["DU-P2"]["chair"] == "Grace Ọlá"
        assert after["EL-P1"]["abstracts"] == [made["e1"]["abstract_id"]]
        assert after["DU-P2"]["abstracts"] == [*before["DU-P2"]["abstracts"], late["n1"]["abstract_id"]]
        assert after[rt]["place"] is not None and after[rt]["abstracts"] == [late["n2"]["abstract_id"]]

        second = await publish(service)
        assert (second["sessions_changed"], second["presentations_moved"], second["sessions_cancelled"]) == (3, 0, 0)
        opened = service.runtime.keyring.opener(final=True)  # presenters' fields are sealed per person
        events = await read_events(
            kafka_bootstrap, topic_prefix + topics.PROGRAMME, until=lambda evs: len(evs) >= 11, open_=opened
        )
    finally:
        await close_service(service, kafka=True)
    check_second_publication(events, made, late, rt, moved_to)


async def move_el_by_hand(service: Service) -> str:
    """Move EL-P1 to the latest time where nothing runs, room R312; the new place."""
    busy = {s["place"].rsplit("|", 1)[0] for s in (await draft(service)).values()}
    grid = service.app.state.programme.grid
    free = [s for s in grid.slots if "paper" in s.kinds and f"{s.day}|{s.index}" not in busy][-1]
    body = {"day": str(free.day), "slot": free.index, "room": "R312"}
    answer = await service.client.post(f"{API}/sessions/EL-P1/move", json=body, headers=ORGANISER)
    assert answer.status_code == 200, answer.text
    return f"{free.day}|{free.index}|R312"


async def accept_late(service: Service) -> dict[str, dict[str, Any]]:
    """A DU paper and a PLN roundtable, accepted after the first publication."""
    late: dict[str, dict[str, Any]] = {}
    for name, fmt, network, keyword in (("n1", "paper", "DU", "trust"), ("n2", "roundtable", "PLN", "networks")):
        presenter = author(0, email=f"{name}@late.example", given_name=f"Late {name}")
        done = await submit(
            service,
            network=network,
            format=fmt,
            title=f"Late {fmt} {name}",
            text=TEXT,
            keywords=[keyword],
            authors=[presenter, author(1)],
            submitter_email=presenter["email"],
        )
        body = {"decision": "accepted", "format": fmt}
        decided = await service.client.post(
            f"/api/organiser/abstracts/{done['abstract_id']}/decision", json=body, headers=ORGANISER
        )
        assert decided.status_code == 200, decided.text
        late[name] = done
    return late


async def draft(service: Service) -> dict[str, dict[str, Any]]:
    sessions = (await service.client.get(API, headers=ORGANISER)).json()["sessions"]
    return {s["session_id"]: s for s in sessions}


async def publish(service: Service) -> dict[str, Any]:
    answer = await service.client.post(f"{API}/publish", headers=ORGANISER)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def check_second_publication(
    events: list[Any], made: dict[str, dict[str, Any]], late: dict[str, dict[str, Any]], rt: str, moved_to: str
) -> None:
    assert len(events) == 11 and len({e.id for e in events}) == 11  # 6 + ProgrammePublished, then 3 + it
    second = [e.data for e in events if e.data.programme_version == 2]
    assert Counter((type(d).__name__, d.key()) for d in second) == Counter(
        {
            ("SessionScheduled", "DU-P2"): 1,
            ("SessionScheduled", "EL-P1"): 1,
            ("SessionScheduled", rt): 1,
            ("ProgrammePublished", "icsei-2027"): 1,
        }
    )
    by_id = {d.session_id: d for d in second if isinstance(d, SessionScheduled)}
    assert by_id["DU-P2"].chair == "Grace Ọlá"
    assert by_id["DU-P2"].presentations[-1].abstract_id == late["n1"]["abstract_id"]
    day, _, room = moved_to.split("|")
    assert (str(by_id["EL-P1"].day), by_id["EL-P1"].room_code) == (day, room)
    assert [p.abstract_id for p in by_id["EL-P1"].presentations] == [made["e1"]["abstract_id"]]
    assert [p.abstract_id for p in by_id[rt].presentations] == [late["n2"]["abstract_id"]]
    done = next(d for d in second if isinstance(d, ProgrammePublished))
    # 13 presentations: the symposium counts its three papers
    assert (done.sessions, done.presentations, done.sessions_changed, done.presentations_moved) == (7, 13, 3, 0)


async def test_generate_asks_first_when_a_draft_exists_and_update_says_what_it_did(offline: Service) -> None:
    client = offline.client
    await accept_abstracts(offline)
    first = await client.post("/organiser/programme/update", headers=ORGANISER, follow_redirects=True)
    assert "There was no draft, so one was generated: 6 session(s) placed, 0 not placed." in first.text
    await client.post("/organiser/programme/chair", data={"session_id": "DU-P1", "chair": "Ada"}, headers=ORGANISER)
    page = (await client.get("/organiser/programme", headers=ORGANISER)).text
    assert "Update the draft (keep what is placed)</button>" in page and "replaces the moves and chairs" in page

    asked = await client.post("/organiser/programme/generate", headers=ORGANISER)
    assert asked.status_code == 200 and "Replace the whole draft?" in asked.text
    assert 'name="confirm" value="replace"' in asked.text and 'chair: <span dir="auto">Ada</span>' in asked.text

    same = await client.post("/organiser/programme/update", headers=ORGANISER, follow_redirects=True)
    assert (
        "Draft updated: 0 presentation(s) added to existing sessions, 0 new session(s) placed, "
        "0 presentation(s) removed (0 emptied session(s) removed), 0 not placed." in same.text
    )
    assert 'chair: <span dir="auto">Ada</span>' in same.text
    replaced = await client.post(
        "/organiser/programme/generate", data={"confirm": "replace"}, headers=ORGANISER, follow_redirects=True
    )
    assert "Draft generated: 6 session(s) placed" in replaced.text and "Ada" not in replaced.text
