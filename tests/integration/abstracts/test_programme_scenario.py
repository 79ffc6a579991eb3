"""The programme against real Kafka on each database: accept abstracts, generate, move, publish, re-publish.

Every event on ``congress.programme`` is read back and decoded through the schema models: the first
publication schedules every session once, the re-publish after a few moves emits only the change;
the public page and the .ics show the published programme in the congress timezone.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from typing import Any

from icalendar import Calendar

from schemas import topics
from schemas.programme import PresentationMoved, ProgrammePublished, SessionKind, SessionScheduled
from services.common.accounts import seeded_account_id
from tests.integration.abstracts.conftest import ORGANISER, Service, close_service, open_service, settings_for
from tests.integration.abstracts.programme_data import accept_abstracts
from tests.kafka_helpers import read_events

API = "/api/organiser/programme"
FIRST = ["DU-P1", "DU-P2", "EL-P1", "PO-1"]  # then SY-… and WS-… (their ids hold the reference)


async def test_programme_generate_move_publish_on_kafka(db_url: str, kafka_bootstrap: str, topic_prefix: str) -> None:
    service = await open_service(settings_for(db_url, kafka=kafka_bootstrap, prefix=topic_prefix), kafka=True)
    try:
        made = await accept_abstracts(service)
        ids = await generate_and_check(service, made)
        await refused_moves(service, made, ids)
        chair = {"chair": "  María José Pérez "}
        named = await service.client.post(f"{API}/sessions/DU-P1/chair", json=chair, headers=ORGANISER)
        assert named.json()["chair"] == "María José Pérez"
        first = await publish(service)
        assert first["programme_version"] == 1 and first["sessions_changed"] == 6
        el_start, el_label = await allowed_moves(service, made)
        second = await publish(service)
        assert (second["sessions_changed"], second["presentations_moved"]) == (3, 3)
        again = await service.client.post(f"{API}/publish", headers=ORGANISER)
        assert again.status_code == 409 and "Nothing changed since version 2" in again.json()["detail"]
        opened = service.runtime.keyring.opener(final=True)  # presenters' fields are sealed per person
        events = await read_events(
            kafka_bootstrap, topic_prefix + topics.PROGRAMME, until=lambda evs: len(evs) >= 14, open_=opened
        )
        await public_views(service, made, el_start, el_label)
    finally:
        await close_service(service, kafka=True)
    check_events(events, made, ids, el_start)


async def generate_and_check(service: Service, made: dict[str, dict[str, Any]]) -> list[str]:
    generated = (await service.client.post(f"{API}/generate", headers=ORGANISER)).json()
    sy, ws = f"SY-{made['s1']['reference']}", f"WS-{made['w1']['reference']}"
    assert generated["sessions"] == [*FIRST, sy, ws] and generated["unplaced"] == []
    draft = (await service.client.get(API, headers=ORGANISER)).json()
    by_id = {s["session_id"]: s for s in draft["sessions"]}
    assert by_id["DU-P1"]["abstracts"] == [made[n]["abstract_id"] for n in ("p1", "p3", "p5")]  # keywords chain
    assert by_id["DU-P2"]["abstracts"] == [made[n]["abstract_id"] for n in ("p2", "p4")]
    assert by_id["PO-1"]["abstracts"] == [made["po"]["abstract_id"]]  # accepted as a poster
    assert made["r1"]["abstract_id"] not in {a for s in draft["sessions"] for a in s["abstracts"]}
    times = {sid: s["place"].rsplit("|", 1)[0] for sid, s in by_id.items()}
    assert by_id[ws]["place"].startswith("2027-01-05|")  # the pre-congress day holds the workshops
    assert len({times["DU-P1"], times["DU-P2"], times[sy]}) == 3  # Ana (any case) never twice at once; DU apart
    assert draft["network_clashes"] == 0
    return [*FIRST, sy, ws]


async def refused_moves(service: Service, made: dict[str, dict[str, Any]], ids: list[str]) -> None:
    client, sy = service.client, ids[4]
    draft = {s["session_id"]: s["place"] for s in (await client.get(API, headers=ORGANISER)).json()["sessions"]}
    day, slot, _ = draft[sy].split("|")
    cases = [
        (sy, {"day": day, "slot": int(slot), "room": "R411"}, "does not suit a symposium session"),
        ("DU-P2", dict(zip(("day", "slot", "room"), draft["DU-P1"].split("|"), strict=True)), "already taken"),
        ("DU-P2", {"day": day, "slot": int(slot), "room": "R312"}, "ana@uni.example presents in"),
        ("DU-P1", {"day": "2027-01-05", "slot": 0, "room": "R301"}, "2027-01-05 holds no paper sessions"),
    ]
    for session_id, body, message in cases:
        answer = await client.post(f"{API}/sessions/{session_id}/move", json=body, headers=ORGANISER)
        assert answer.status_code == 422 and message in answer.json()["errors"][0]["detail"], answer.text
    moves = [
        (made["s1"]["abstract_id"], "DU-P1", "is a session of its own"),
        (made["p1"]["abstract_id"], "PO-1", "can only join another paper session"),
    ]
    for abstract_id, target, message in moves:
        body = {"to_session": target}
        answer = await client.post(f"{API}/presentations/{abstract_id}/move", json=body, headers=ORGANISER)
        assert answer.status_code == 422 and message in answer.json()["errors"][0]["detail"], answer.text


async def allowed_moves(service: Service, made: dict[str, dict[str, Any]]) -> tuple[datetime, str]:
    """Move p5 into DU-P2, and EL-P1 to the latest time where nothing runs; the new start (UTC) and its label."""
    client = service.client
    body = {"to_session": "DU-P2"}
    moved = await client.post(f"{API}/presentations/{made['p5']['abstract_id']}/move", json=body, headers=ORGANISER)
    assert moved.status_code == 200, moved.text
    draft = (await client.get(API, headers=ORGANISER)).json()
    busy = {s["place"].rsplit("|", 1)[0] for s in draft["sessions"]}
    grid = service.app.state.programme.grid
    free = [s for s in grid.slots if "paper" in s.kinds and f"{s.day}|{s.index}" not in busy][-1]
    body = {"day": str(free.day), "slot": free.index, "room": "R312"}
    answer = await client.post(f"{API}/sessions/EL-P1/move", json=body, headers=ORGANISER)
    assert answer.status_code == 200, answer.text
    start, _ = free.bounds(service.deps.congress.tz)
    return start, f"{free.day:%A %-d %B %Y}|{free.start:%H:%M}–{free.end:%H:%M}"


async def publish(service: Service) -> dict[str, Any]:
    answer = await service.client.post(f"{API}/publish", headers=ORGANISER)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def check_events(events: list[Any], made: dict[str, dict[str, Any]], ids: list[str], el_start: datetime) -> None:
    """Partitions interleave, so order is checked per key (session id; the congress id for ProgrammePublished)."""
    assert len(events) == 14 and len({e.id for e in events}) == 14  # exactly once
    for event in events:
        assert event.subject == event.data.key()
    first = [e for e in events if e.data.programme_version == 1]
    second = [e for e in events if e.data.programme_version == 2]
    assert sorted(type(e.data).__name__ for e in first) == ["ProgrammePublished"] + ["SessionScheduled"] * 6
    assert sorted(e.subject for e in first if isinstance(e.data, SessionScheduled)) == sorted(ids)
    assert Counter((type(e.data).__name__, e.subject) for e in second) == Counter(
        {
            ("SessionScheduled", "DU-P1"): 1,
            ("SessionScheduled", "DU-P2"): 1,
            ("SessionScheduled", "EL-P1"): 1,
            ("PresentationMoved", "DU-P2"): 1,
            ("PresentationMoved", "EL-P1"): 2,
            ("ProgrammePublished", "icsei-2027"): 1,
        }
    )
    per_key: dict[str, list[str]] = defaultdict(list)
    for event in events:
        per_key[event.subject].append(f"{type(event.data).__name__}.{event.data.programme_version}")
    assert per_key["DU-P2"] == ["SessionScheduled.1", "SessionScheduled.2", "PresentationMoved.2"]
    assert per_key["icsei-2027"] == ["ProgrammePublished.1", "ProgrammePublished.2"]
    sessions = {e.data.session_id: e.data for e in first if isinstance(e.data, SessionScheduled)}
    du1 = sessions["DU-P1"]
    assert isinstance(du1, SessionScheduled) and du1.kind is SessionKind.PAPER and du1.timezone == "Asia/Tokyo"
    assert du1.presentations[0].presenters[0].email == "ana@uni.example" and du1.chair == "María José Pérez"
    assert sessions["DU-P2"].chair is None
    assert du1.starts_at.tzinfo is not None and du1.starts_at.utcoffset() == UTC.utcoffset(None)
    moved = next(e.data for e in second if e.subject == "DU-P2" and isinstance(e.data, PresentationMoved))
    assert moved.abstract_id == made["p5"]["abstract_id"]
    assert (moved.old.session_id, moved.new.session_id) == ("DU-P1", "DU-P2") and moved.programme_version == 2
    el_moved = next(e.data for e in second if e.subject == "EL-P1" and isinstance(e.data, PresentationMoved))
    assert el_moved.new.starts_at == el_start and el_moved.new.room_code == "R312"
    done = next(e.data for e in second if isinstance(e.data, ProgrammePublished))
    assert isinstance(done, ProgrammePublished) and done.programme_version == 2 and done.presentations == 12
    # 12: nine abstracts of their own and the symposium's three papers
    assert done.published_by == seeded_account_id("test-secret", "organiser@icsei.example.org") and done.sessions == 6


async def public_views(service: Service, made: dict[str, dict[str, Any]], el_start: datetime, el_label: str) -> None:
    page = (await service.client.get("/programme")).text
    for name in ("p1", "p5", "s1", "w1", "po"):
        assert made[name]["title"] in page and made[name]["presenter"] in page
    assert made["r1"]["title"] not in page and "@uni.example" not in page  # no emails on the public page
    day, times = el_label.split("|")
    assert day in page and times in page  # EL-P1's new time, local
    ics = await service.client.get("/programme.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(ics.content)
    vevents = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert len(vevents) == 6
    el = vevents["EL-P1@icsei-2027"]
    assert el.decoded("dtstart") == el_start
    assert str(el["location"]).startswith("Room 312") and made["e1"]["title"] in str(el["description"])
    api = (await service.client.get("/api/programme")).json()
    assert len(api) == 6 and "email" not in str(api)
    assert date.fromisoformat(api[0]["day"]) == date(2027, 1, 5)
