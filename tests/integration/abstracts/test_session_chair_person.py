"""A paper session's chair as a person, through abstracts, registration and notify on real Kafka and a real SMTP
server: the organiser names the chair with an email (a missing name or a malformed address is refused field by
field), the publication makes them a chair in registration, and notify mails them the slot with an ``.ics``
(parsed with the icalendar library); moving the session sends an update with the same UID and a higher SEQUENCE;
another chair takes the role from them, and they hear that they no longer chair it, with the entry cancelled. The
chair's name and address travel sealed with their own key."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from schemas import topics
from schemas.values import Role
from services.abstracts.app import build as build_abstracts
from services.notify.app import build as build_notify
from services.registration.app import build as build_registration
from tests.integration.abstracts.conftest import abstract
from tests.integration.abstracts.test_symposium_people_change import roles_now
from tests.integration.abstracts.test_symposium_to_badge import ORGANISER, register
from tests.integration.notify.sink import RecordingSink
from tests.integration.notify.test_notify_programme_kafka_smtp import calendar, key, text
from tests.integration.organisers.harness import _settings
from tests.kafka_helpers import eventually, read_events, read_records

NOOR = {
    "given_name": "Noor",
    "family_name": "Haddad",
    "email": "noor.chair@uni.example",
    "affiliation": "Birzeit",
    "country": "NL",
}
API = "/api/organiser/programme"


@contextlib.asynccontextmanager
async def services(tmp: Path, kafka: str, prefix: str, stripe: str, smtp: int) -> AsyncIterator[dict[str, Any]]:
    """abstracts (its call open a month more), registration and notify, each with its lifespan, in-process."""
    settings = _settings(tmp, kafka, prefix, stripe, smtp_port=smtp)
    settings["abstracts"] = settings["abstracts"].model_copy(update={"deadline": date.today() + timedelta(days=30)})
    apps = {
        "abstracts": build_abstracts(settings["abstracts"])[1],
        "registration": build_registration(settings["registration"])[1],
        "notify": build_notify(settings["notify"])[1],
    }
    async with contextlib.AsyncExitStack() as stack:
        out: dict[str, Any] = {"registration-opener": apps["registration"].state.runtime.keyring.opener(final=True)}
        for name, app in apps.items():
            await stack.enter_async_context(app.router.lifespan_context(app))
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")
            out[name] = await stack.enter_async_context(client)
        yield out


async def test_a_session_chair_named_with_an_email_gets_the_role_and_the_slot_with_its_ics(
    tmp_path: Path, kafka_bootstrap: str, topic_prefix: str, stripe_mock_url: str, congress_home: Path
) -> None:
    with RecordingSink() as sink:
        async with services(tmp_path, kafka_bootstrap, topic_prefix, stripe_mock_url, sink.port) as apps:
            abstracts, registration = apps["abstracts"], apps["registration"]
            await register(registration, NOOR)
            done = await abstracts.post("/api/abstracts", json=abstract(title="Dashboards in class"))
            assert done.status_code == 201, done.text
            path = f"/api/organiser/abstracts/{done.json()['abstract_id']}/decision"
            assert (await abstracts.post(path, json={"decision": "accepted"}, headers=ORGANISER)).status_code == 200
            assert (await abstracts.post(f"{API}/generate", headers=ORGANISER)).status_code == 200
            (session,) = (await abstracts.get(API, headers=ORGANISER)).json()["sessions"]
            chair_path = f"{API}/sessions/{session['session_id']}/chair"

            for body, field, words in (
                ({"chair": "Noor Haddad", "email": "noor@"}, "chair_email", "does not look right"),
                ({"chair": "", "email": NOOR["email"]}, "chair", "name as well as their email"),
                ({"chair": "Noor Haddad", "email": NOOR["email"], "language": "xx"}, "chair_language", "one of"),
            ):
                refused = await abstracts.post(chair_path, json=body, headers=ORGANISER)
                assert refused.status_code == 422, refused.text
                assert [(e["field"], words in e["detail"]) for e in refused.json()["errors"]] == [(field, True)]
            named = {"chair": "Noor Haddad", "email": NOOR["email"], "language": "fr"}
            saved = await abstracts.post(chair_path, json=named, headers=ORGANISER)
            assert saved.status_code == 200 and saved.json()["email"] == NOOR["email"], saved.text
            (drafted,) = (await abstracts.get(API, headers=ORGANISER)).json()["sessions"]
            assert (drafted["chair"], drafted["chair_email"]) == ("Noor Haddad", NOOR["email"])
            assert (await abstracts.post(f"{API}/publish", headers=ORGANISER)).status_code == 200

            # Registration: the chair's role by the session.
            opened = apps["registration-opener"]
            events = await read_events(
                kafka_bootstrap,
                topic_prefix + topics.REGISTRATION,
                until=lambda evs: Role.CHAIR in roles_now(evs).get(NOOR["email"], set()),
                timeout=60,
                open_=opened,
            )
            assert roles_now(events)[NOOR["email"]] == {Role.DELEGATE, Role.CHAIR}

            # Notify: the slot, in French, with the session's calendar entry.
            wanted = (NOOR["email"], "session_chaired")
            await eventually(lambda: wanted in {key(m) for m in sink.handler.snapshot()}, timeout=90)
            first = next(m for m in sink.handler.snapshot() if key(m) == wanted)
            assert "vous présidez la session" in str(first["Subject"]) and "Dashboards in class" in text(first)
            [entry] = calendar(first)
            uid = f"session-{session['session_id']}@icsei-2027"
            assert str(entry["UID"]) == uid and int(entry["SEQUENCE"]) == 1
            day, slot, room = session["place"].split("|")
            assert str(entry["LOCATION"]) == f"Room {room[1:]}"

            # The chair's name and address are sealed on the programme topic, never in clear.
            records = await read_records(kafka_bootstrap, topic_prefix + topics.PROGRAMME, until=lambda rs: bool(rs))
            raw = b"".join(r.value for r in records if r.value)
            assert NOOR["email"].encode() not in raw and b"Noor Haddad" not in raw

            # The session moves to another room: an update with the same UID and a higher SEQUENCE.
            other = "R303" if room != "R303" else "R304"
            moved = await abstracts.post(
                f"{API}/sessions/{session['session_id']}/move",
                json={"day": day, "slot": int(slot), "room": other},
                headers=ORGANISER,
            )
            assert moved.status_code == 200, moved.text
            assert (await abstracts.post(f"{API}/publish", headers=ORGANISER)).status_code == 200

            def updates() -> list[Any]:
                return [m for m in sink.handler.snapshot() if key(m) == wanted]

            await eventually(lambda: len(updates()) == 2, timeout=90)
            update = updates()[1]
            assert "la session que vous présidez a changé" in str(update["Subject"])
            [again] = calendar(update)
            assert str(again["UID"]) == uid and int(again["SEQUENCE"]) == 2
            assert str(again["LOCATION"]) == f"Room {other[1:]}"

            # Another chair: Noor loses the role (nothing else earns it), Sam hears of the slot.
            sam = {"chair": "Sam Lee", "email": "sam.chair@uni.example", "language": "en"}
            assert (await abstracts.post(chair_path, json=sam, headers=ORGANISER)).status_code == 200
            assert (await abstracts.post(f"{API}/publish", headers=ORGANISER)).status_code == 200
            events = await read_events(
                kafka_bootstrap,
                topic_prefix + topics.REGISTRATION,
                until=lambda evs: Role.CHAIR not in roles_now(evs).get(NOOR["email"], {Role.CHAIR}),
                timeout=60,
                open_=opened,
            )
            assert roles_now(events)[NOOR["email"]] == {Role.DELEGATE}
            told = ("sam.chair@uni.example", "session_chaired")
            await eventually(lambda: told in {key(m) for m in sink.handler.snapshot()}, timeout=90)

            # Noor hears once, in French, that she no longer chairs it: the session's entry cancelled.
            gone = (NOOR["email"], "session_unchaired")
            await eventually(lambda: gone in {key(m) for m in sink.handler.snapshot()}, timeout=90)
            [dropped] = [m for m in sink.handler.snapshot() if key(m) == gone]
            assert "vous ne présidez plus la session" in str(dropped["Subject"])
            [cancelled] = calendar(dropped)  # METHOD:CANCEL (every entry cancelled)
            assert str(cancelled["UID"]) == uid and str(cancelled["STATUS"]) == "CANCELLED"
            assert int(cancelled["SEQUENCE"]) == 3
