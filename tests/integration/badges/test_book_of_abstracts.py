"""The book of abstracts through a real publication: the abstracts service publishes its programme on real Kafka,
badges consumes it and makes the books; poppler reads them back (text in session order, fonts embedded, the
author index's page numbers), pikepdf reads the bookmarks. A re-publish replaces the book behind the same URL.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from services.badges.adapters.book_db import book_files
from services.badges.adapters.pdf import CongressHeader
from services.badges.adapters.pool import InProcessRenderer
from services.badges.app import build
from services.badges.config import BadgesSettings
from tests.integration.abstracts.conftest import (
    ORGANISER,
    SECRET,
    TEXT,
    Service,
    author,
    close_service,
    open_service,
    submit,
)
from tests.integration.abstracts.conftest import settings_for as abstracts_settings
from tests.integration.abstracts.programme_data import accept_abstracts
from tests.integration.badges import book_checks as pdf
from tests.kafka_helpers import eventually

API = "/api/organiser/programme"
SCRIPTS = [
    # key, network, title, given, family, affiliation, country, language, text
    ("ar", "EL", "القيادة المدرسية في مصر", "محمد", "حسن", "جامعة القاهرة", "EG", "ar", TEXT),
    ("ru", "EL", "Школьное лидерство в России", "Иван", "Петров", "МГУ", "RU", "en", TEXT),
    ("el", "EL", "Σχολική ηγεσία στην Ελλάδα", "Ελένη", "Παπαδοπούλου", "Πανεπιστήμιο Αθηνών", "GR", "en", TEXT),
    ("hi", "EL", "भारत में विद्यालय नेतृत्व", "राहुल", "वर्मा", "आईआईटी मुंबई", "IN", "en", TEXT),
    ("zh", "EL", "中国的学校领导力研究", "伟", "王", "北京师范大学", "CN", "zh", "学校改进" * 30),
]
FONTS = {"ar": "Noto-Sans-Arabic", "hi": "Noto-Sans-Devanagari", "zh": "Noto-Sans-CJK-SC"}


@contextlib.asynccontextmanager
async def running_badges(kafka: str, prefix: str, home: Path) -> AsyncIterator[Any]:
    settings = BadgesSettings(
        KAFKA_BOOTSTRAP_SERVERS=kafka,
        KAFKA_TOPIC_PREFIX=prefix,
        CONGRESS_SECRET=SECRET,  # abstracts' (authors' fields are sealed with keys only that secret unwraps)
        database_url=f"sqlite+aiosqlite:///{home / 'badges.db'}",
        store_dir=home / "pdfs",
        relay_poll_seconds=0.2,
        book_poll_seconds=0.3,
    )
    renderer = InProcessRenderer(CongressHeader("ICSEI 2027", "Tokyo"), font_cache=settings.font_cache)
    runtime, app = build(settings, renderer=renderer)
    async with app.router.lifespan_context(app):
        yield runtime, app


async def accept_scripts(service: Service) -> dict[str, dict[str, Any]]:
    made = {}
    for key, network, title, given, family, place, country, lang, text in SCRIPTS:
        first = author(
            0, given_name=given, family_name=family, affiliation=place, country=country, email=f"{key}@x.example"
        )
        done = await submit(
            service,
            network=network,
            title=title,
            text=text,
            language=lang,
            keywords=["leadership"],
            authors=[first, author(1)],
            submitter_email=first["email"],
        )
        decided = await service.client.post(
            f"/api/organiser/abstracts/{done['abstract_id']}/decision",
            json={"decision": "accepted", "format": "paper"},
            headers=ORGANISER,
        )
        assert decided.status_code == 200, decided.text
        made[key] = done | {"title": title}
    return made


async def fetch_book(badges: httpx.AsyncClient, home: Path, name: str, *, holding: str) -> Path:
    """The book at ``/book/<name>.pdf`` once it holds ``holding`` (made by the job after the publication)."""

    async def made() -> Path | None:
        answer = await badges.get(f"/book/{name}.pdf")
        if answer.status_code != 200:
            return None
        path = home / f"{name}-{answer.headers['etag'].strip(chr(34))[:8]}.pdf"
        path.write_bytes(answer.content)
        return path if pdf.squash(holding) in pdf.squash(" ".join(pdf.pages(path))) else None

    return await eventually(made, timeout=180, interval=0.5)  # type: ignore[no-any-return]


async def test_published_programme_becomes_a_book_of_abstracts(
    kafka_bootstrap: str, topic_prefix: str, congress_home: Path
) -> None:
    db = f"sqlite+aiosqlite:///{congress_home / 'abstracts.db'}"
    service = await open_service(abstracts_settings(db, kafka=kafka_bootstrap, prefix=topic_prefix), kafka=True)
    try:
        async with running_badges(kafka_bootstrap, topic_prefix, congress_home) as (runtime, app):
            badges = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://badges")
            assert (await badges.get("/book/abstracts.pdf")).status_code == 404  # nothing published yet
            made = await accept_abstracts(service) | await accept_scripts(service)
            assert (await service.client.post(f"{API}/generate", headers=ORGANISER)).status_code == 200
            assert (await service.client.post(f"{API}/publish", headers=ORGANISER)).status_code == 200
            programme = (await service.client.get("/api/programme")).json()
            whole = await fetch_book(badges, congress_home, "abstracts", holding=made["zh"]["title"])
            check_book(whole, programme, made)
            check_network_book(await fetch_book(badges, congress_home, "EL", holding=made["ar"]["title"]), made)
            page = (await badges.get("/book")).text
            assert 'href="/book/abstracts.pdf"' in page and 'href="/book/EL.pdf"' in page

            await republish_without(service, made["e2"])
            again = await fetch_book(badges, congress_home, "abstracts", holding="Chair: Grace Ọlá")
            assert pdf.squash(made["e2"]["title"]) not in pdf.squash(" ".join(pdf.pages(again)))
            async with runtime.sessionmaker() as session:
                rows = (
                    await session.execute(
                        select(book_files.c.programme_version, func.count()).group_by(book_files.c.programme_version)
                    )
                ).all()
            assert {version for version, _ in rows} == {1, 2}  # one set of books per publication
            await badges.aclose()
        link = (await service.client.get("/programme")).text
        assert 'href="http://127.0.0.1:8003/book/abstracts.pdf"' in link
    finally:
        await close_service(service, kafka=True)


def check_book(path: Path, programme: list[dict[str, Any]], made: dict[str, dict[str, Any]]) -> None:
    text_pages = pdf.pages(path)
    body = pdf.squash(" ".join(text_pages[2:]))  # after the cover and the contents
    ordered = sorted(programme, key=lambda s: (s["starts_at"], s["room_name"], s["session_id"]))
    titles = [p["title"] for s in ordered for p in s["presentations"]]
    positions = [body.find(pdf.squash(t)) for t in titles if t != made["hi"]["title"]]  # poppler moves Indic marks
    assert -1 not in positions and positions == sorted(positions), "abstracts in session order"
    assert pdf.squash(made["r1"]["title"]) not in body  # rejected: not in the programme
    for key, _, _, given, family, place, *_ in SCRIPTS:
        if key == "hi":  # poppler moves Devanagari vowel signs and drops letters of conjuncts: the name's start
            assert pdf.squash(given) in body
            continue
        assert pdf.squash(f"{given} {family}") in body or pdf.squash(f"{family} {given}") in body, key
        assert pdf.squash(place) in body, key
    assert "Universidade do Porto, PT" in " ".join(text_pages)  # an affiliation with its country

    embedded = pdf.fonts(path)
    assert embedded and all(emb == "yes" for _, emb in embedded), embedded
    names = {name for name, _ in embedded}
    assert {"Noto-Sans", *FONTS.values()} <= names, names

    marks = pdf.outline(path)
    tops = [title for level, title, _ in marks if level == 1]
    assert tops[0] == "Contents" and tops[-1] == "Author index" and len(tops) >= 3
    sessions = [title for level, title, _ in marks if level == 2]
    assert sessions == [s["title"] for s in ordered]
    abstracts = [(title, page) for level, title, page in marks if level == 3]
    assert [t for t, _ in abstracts] == titles

    for key, name in (("p1", "Sousa, Ana p1"), ("e1", "Sousa, e1"), ("ru", "Петров, Иван")):
        shown_on = pdf.index_numbers(text_pages, name)
        found_on = pdf.page_of(text_pages, made[key]["title"], after=2)
        assert shown_on == [found_on] == [dict(abstracts)[made[key]["title"]]], (name, shown_on, found_on)
    ana = pdf.index_numbers(text_pages, "Sousa, Ana p2")  # p2's presenter: Ana p2, one abstract
    assert ana == [pdf.page_of(text_pages, made["p2"]["title"], after=2)]


def check_network_book(path: Path, made: dict[str, dict[str, Any]]) -> None:
    text = pdf.squash(" ".join(pdf.pages(path)))
    assert "EducationalLeadership" in text
    for key in ("e1", "e2", "ar", "hi", "zh"):
        assert pdf.squash(made[key]["title"]) in text, key
    for key in ("p1", "s1", "w1"):
        assert pdf.squash(made[key]["title"]) not in text, key


async def republish_without(service: Service, gone: dict[str, Any]) -> None:
    """Withdraw an accepted paper, name a chair, update the draft and publish version 2."""
    answer = await service.client.post(
        f"/api/abstracts/{gone['abstract_id']}/withdraw", params={"t": gone["token"]}, json={"reason": "visa"}
    )
    assert answer.status_code == 200, answer.text
    assert (await service.client.post(f"{API}/update", headers=ORGANISER)).status_code == 200
    chair = await service.client.post(f"{API}/sessions/DU-P1/chair", json={"chair": "Grace Ọlá"}, headers=ORGANISER)
    assert chair.status_code == 200, chair.text
    published = await service.client.post(f"{API}/publish", headers=ORGANISER)
    assert published.status_code == 200 and published.json()["programme_version"] == 2, published.text
