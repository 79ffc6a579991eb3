"""A symposium from submission to badge ribbons, through abstracts, registration and badges on real Kafka.

Submitted with a chair, a discussant and three papers (a fourth-less, two-paper one is refused field by
field); reviewed as one unit on the rubric plus the symposium's own criterion; accepted as a whole; the
programme places it as one session whose presentations are its papers in order, with its chair and
discussant; registration makes every paper's presenter a presenter and the chair and discussant theirs, and
their badges carry the CHAIR and DISCUSSANT ribbons (read back from the PDFs with poppler).
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from schemas import CloudEvent, topics
from schemas.abstracts import AbstractDecided
from schemas.badges import BadgeIssued
from schemas.programme import SessionKind, SessionScheduled
from services.abstracts.app import build as build_abstracts
from services.badges.adapters.pool import InProcessRenderer
from services.badges.app import build as build_badges
from services.badges.app import header_for
from services.common.auth import organiser_token
from services.common.congress import load_congress
from services.registration.app import build as build_registration
from tests.integration.abstracts.conftest import TEXT, abstract, symposium_fields
from tests.integration.organisers.harness import ADMIN, SECRET, _settings
from tests.kafka_helpers import read_events

ORGANISER = {"authorization": f"Bearer {organiser_token(SECRET, ADMIN)}"}
INVOICE = {"institution_name": "Universiteit Utrecht", "institution_address": "Heidelberglaan 8", "email": "f@uu.nl"}
FIRST = {
    "given_name": "Ana",
    "family_name": "Sousa",
    "email": "sy-p1@uni.example",
    "affiliation": "Porto",
    "country": "PT",
    "presenting": True,
}


@contextlib.asynccontextmanager
async def three_services(
    tmp: Path, kafka: str, prefix: str, stripe: str
) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """abstracts (its call open a month more), registration and badges, each with its lifespan, in-process."""
    settings = _settings(tmp, kafka, prefix, stripe, smtp_port=1)
    settings["abstracts"] = settings["abstracts"].model_copy(update={"deadline": date.today() + timedelta(days=30)})
    apps = {
        "abstracts": build_abstracts(settings["abstracts"])[1],
        "registration": build_registration(settings["registration"])[1],
        "badges": build_badges(
            settings["badges"],
            renderer=InProcessRenderer(header_for(load_congress()), font_cache=settings["badges"].font_cache),
        )[1],
    }
    async with contextlib.AsyncExitStack() as stack:
        clients: dict[str, Any] = {
            "badges-opener": apps["badges"].state.runtime.keyring.opener(final=True),
            "abstracts-opener": apps["abstracts"].state.runtime.keyring.opener(final=True),
            "registration-opener": apps["registration"].state.runtime.keyring.opener(final=True),
        }
        for name, app in apps.items():
            await stack.enter_async_context(app.router.lifespan_context(app))
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")
            clients[name] = await stack.enter_async_context(client)
        yield clients


async def register(registration: httpx.AsyncClient, person: dict[str, Any]) -> None:
    """Register and confirm (by invoice) the person typed into the symposium."""
    delegate = {k: person[k] for k in ("given_name", "family_name", "email", "affiliation", "country")}
    body = {"delegates": [delegate | {"category": "member"}], "payment_method": "invoice", "invoice": INVOICE}
    answer = await registration.post("/api/registrations", json=body)
    assert answer.status_code == 201, answer.text


def pdf_text(path: str) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True, text=True, check=True).stdout


def badge_of(events: list[CloudEvent[Any]], email: str, label: str) -> BadgeIssued | None:
    """The latest badge issued to ``email`` whose PDF reads ``label`` (a ribbon), if any (a badge whose file a
    newer version replaced meanwhile reads nothing)."""
    for e in reversed(events):
        if isinstance(e.data, BadgeIssued) and e.data.email == email:
            try:
                text = pdf_text(e.data.location)
            except subprocess.CalledProcessError:
                continue
            if label in text:
                return e.data
    return None


async def test_a_symposium_from_submission_to_the_chair_and_discussant_ribbons(
    tmp_path: Path, kafka_bootstrap: str, topic_prefix: str, stripe_mock_url: str, congress_home: Path
) -> None:
    fields = symposium_fields(FIRST, tag="sy")
    chair, discussant = fields["chair"], fields["discussant"]
    body = abstract(format="symposium", title="Data use as one system", text=" ".join([TEXT] * 3), authors=[])
    async with three_services(tmp_path, kafka_bootstrap, topic_prefix, stripe_mock_url) as services:
        abstracts, registration = services["abstracts"], services["registration"]

        two = await abstracts.post(
            "/api/abstracts", json=body | {"symposium": fields | {"papers": fields["papers"][:2]}}
        )
        assert two.status_code == 422
        assert {"field": "symposium.papers", "detail": "A symposium needs 3 or 4 papers; you gave 2 papers."} in (
            two.json()["errors"]
        )
        done = await abstracts.post("/api/abstracts", json=body | {"symposium": fields})
        assert done.status_code == 201, done.text
        abstract_id = done.json()["abstract_id"]

        # Reviewed as one unit, blind: the papers without their authors, and the symposium's own criterion.
        reviewer = {"name": "Kwame Mensah", "email": "kwame@rev.example", "affiliation": "KNUST", "networks": ["DU"]}
        added = await abstracts.post("/api/organiser/reviewers", json=reviewer, headers=ORGANISER)
        token = added.json()["portal_link"].rstrip("/").rsplit("/", 1)[1]
        assert (await abstracts.post("/api/organiser/assign", headers=ORGANISER)).status_code == 200
        seen = await abstracts.get(f"/api/review/{token}/{abstract_id}")
        assert [p["title"] for p in seen.json()["papers"]] == ["sy paper 1", "sy paper 2", "sy paper 3"]
        assert seen.json()["rubric"][-1] == "coherence" and "sy-chair@" not in seen.text and "sy-p2@" not in seen.text
        scores = dict.fromkeys(seen.json()["rubric"], 4)
        review = {"scores": scores, "recommendation": "accept"}
        lacking = await abstracts.post(
            f"/api/review/{token}/{abstract_id}", json=review | {"scores": scores | {"coherence": None}}
        )
        assert lacking.status_code == 422 and "scores.coherence" in lacking.text
        assert (await abstracts.post(f"/api/review/{token}/{abstract_id}", json=review)).status_code == 200

        await register(registration, chair)  # before the decision: the role comes as an update
        decision = {"decision": "accepted"}
        decided = await abstracts.post(
            f"/api/organiser/abstracts/{abstract_id}/decision", json=decision, headers=ORGANISER
        )
        assert decided.status_code == 200, decided.text

        assert (await abstracts.post("/api/organiser/programme/generate", headers=ORGANISER)).status_code == 200
        assert (await abstracts.post("/api/organiser/programme/publish", headers=ORGANISER)).status_code == 200

        def scheduled(events: list[CloudEvent[Any]]) -> list[SessionScheduled]:
            return [e.data for e in events if isinstance(e.data, SessionScheduled)]

        programme = await read_events(
            kafka_bootstrap,
            topic_prefix + topics.PROGRAMME,
            until=lambda evs: bool(scheduled(evs)),
            timeout=60,
            open_=services["abstracts-opener"],  # presenters' fields are sealed per person
        )
        (session,) = scheduled(programme)
        assert session.kind is SessionKind.SYMPOSIUM and session.title == "Data use as one system"
        assert [(p.paper, p.title, p.abstract_id) for p in session.presentations] == [
            (1, "sy paper 1", abstract_id),
            (2, "sy paper 2", abstract_id),
            (3, "sy paper 3", abstract_id),
        ]
        assert [[x.email for x in p.presenters] for p in session.presentations] == [
            ["sy-p1@uni.example"],
            ["sy-p2@uni.example"],
            ["sy-p3@uni.example"],
        ]
        assert (session.chair, session.discussant) == ("Chidi sy", "Dana sy")
        public = await abstracts.get("/programme")
        assert "chair: Chidi sy · discussant: Dana sy" in public.text and "sy paper 3" in public.text
        assert "sy-p1@" not in public.text  # names only, never addresses

        decided_events = await read_events(
            kafka_bootstrap,
            topic_prefix + topics.ABSTRACTS,
            until=lambda evs: any(isinstance(e.data, AbstractDecided) for e in evs),
            open_=services["abstracts-opener"],
        )
        (accepted,) = [e.data for e in decided_events if isinstance(e.data, AbstractDecided)]
        assert accepted.symposium is not None and accepted.symposium.chair.email == chair["email"]
        assert {a.email for a in accepted.authors if a.presenting} == {f"sy-p{n}@uni.example" for n in (1, 2, 3)}

        badges_topic = topic_prefix + topics.BADGES
        opened = services["badges-opener"]  # a badge's address is sealed; badges' keys open it
        badges = await read_events(
            kafka_bootstrap,
            badges_topic,
            until=lambda evs: bool(badge_of(evs, chair["email"], "CHAIR")),
            timeout=120,
            open_=opened,
        )
        chair_badge = badge_of(badges, chair["email"], "CHAIR")
        assert chair_badge is not None and chair_badge.registration_version == 2  # reissued with the role

        await register(registration, discussant)  # once the decision is in: the role from the start
        badges = await read_events(
            kafka_bootstrap,
            badges_topic,
            until=lambda evs: bool(badge_of(evs, discussant["email"], "DISCUSSANT")),
            timeout=120,
            open_=opened,
        )
        discussant_badge = badge_of(badges, discussant["email"], "DISCUSSANT")
        assert discussant_badge is not None and discussant_badge.registration_version == 1
