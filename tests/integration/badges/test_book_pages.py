"""The public book page speaks the visitor's language (``Accept-Language``, then the switch's cookie) with the
book's date in the congress timezone, and says when a newer programme's book is still being made."""

from __future__ import annotations

from pathlib import Path

from schemas.programme import ProgrammePublished
from services.badges.adapters.book_db import SqlBookUnits
from services.badges.adapters.store import DiskPdfStore
from services.badges.commands import book
from services.common.outbox import Outbox
from tests.integration.badges.test_book_once import NOW
from tests.integration.badges.test_book_retry import FlakyRenderer, MovableClock, book_deps, publish
from tests.integration.badges.test_station_pages import Badges, badges  # noqa: F401 - the fixture


async def test_the_public_book_page_in_the_visitors_language(badges: Badges, tmp_path: Path) -> None:  # noqa: F811
    client = badges.client
    french = {"accept-language": "fr-CH, en;q=0.5"}
    empty = (await client.get("/book", headers=french)).text
    assert '<html lang="fr">' in empty and "Livre des résumés" in empty
    assert "Le livre des résumés est réalisé à la publication du programme" in empty
    assert 'href="/language?lang=de&amp;next=%2Fbook"' in empty  # the switch, back to this page

    deps = book_deps(
        SqlBookUnits(badges.runtime.sessionmaker, Outbox("/badges")),
        FlakyRenderer(failures=0),
        MovableClock(NOW),
        DiskPdfStore(tmp_path / "pdfs"),
    )
    await publish(deps)
    assert await book.make_books(deps) == 1
    made = (await client.get("/book", headers=french)).text
    assert "Réalisé le 5 janvier 2027, 10:00." in made  # 01:00 UTC is 10:00 in Tokyo
    assert '<a href="/book/abstracts.pdf">Le programme complet</a>' in made and 'id="newer-coming"' not in made

    async with deps.units.begin() as store:
        await book.record_publication(store, second_publication())
    switched = await client.get("/language", params={"lang": "de", "next": "/book"})
    assert switched.status_code == 303 and switched.headers["location"] == "/book"
    german = (await client.get("/book", headers=french)).text  # the switch's cookie wins over Accept-Language
    assert "Erstellt am 5 Januar 2027, 10:00." in german
    assert "sein neuer Abstractband wird gerade erstellt" in german
    client.cookies.clear()
    english = (await client.get("/book")).text
    assert "Made on 5 January 2027, 10:00." in english and "The whole programme" in english


def second_publication() -> ProgrammePublished:
    return ProgrammePublished(
        congress_id="icsei-2027",
        programme_version=2,
        sessions=1,
        presentations=1,
        sessions_changed=1,
        presentations_moved=0,
        published_at=NOW,
        published_by="chair@x.example",
    )
