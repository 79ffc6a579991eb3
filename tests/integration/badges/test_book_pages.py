"""The public book page speaks the visitor's language (``Accept-Language``, then the switch's cookie) with the
book's date in the congress timezone, and says when a newer programme's book is still being made."""

from __future__ import annotations

from pathlib import Path

from schemas.programme import ProgrammePublished
from services.badges.adapters.book_db import SqlBookUnits
from services.badges.adapters.store import DiskPdfStore
from services.badges.commands import book, book_languages
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


async def test_a_book_in_another_language_is_made_on_demand_once_and_kept(
    badges: Badges,  # noqa: F811
    congress_home: Path,
) -> None:
    client, renderer = badges.client, FlakyRenderer(failures=0)
    deps = book_deps(
        SqlBookUnits(badges.runtime.sessionmaker, Outbox("/badges")),
        renderer,
        MovableClock(NOW),
        DiskPdfStore(congress_home / "pdfs"),  # where the app reads them,
    )
    assert (await client.get("/book", params={"lang": "fr"})).status_code == 200  # nothing made: nothing to ask for
    await publish(deps)
    await book_languages.book_pass(deps)
    assert renderer.languages == ["en", "en"]  # the edition's language (badges.book_language): whole book, DU

    for _ in range(2):  # asked twice (or by two visitors): one wish
        asked = (await client.get("/book", params={"lang": "fr"})).text
        assert 'id="being-made"' in asked and "Français" in asked
    assert (await client.get("/book/abstracts.pdf", params={"lang": "fr"})).status_code == 404  # not made yet
    await book_languages.book_pass(deps)
    await book_languages.book_pass(deps)  # made: nothing rendered again
    assert renderer.languages == ["en", "en", "fr", "fr"]

    made = (await client.get("/book", params={"lang": "fr"})).text
    assert 'id="being-made"' not in made and 'href="/book/abstracts.pdf?lang=fr"' in made
    french = await client.get("/book/abstracts.pdf", params={"lang": "fr"})
    assert french.status_code == 200 and french.content.startswith(b"%PDF fr ")
    assert "book-of-abstracts-fr.pdf" in french.headers["content-disposition"]
    assert (await client.get("/book/abstracts.pdf")).content.startswith(b"%PDF en ")  # the edition's stays
    assert (await client.get("/book/DU.pdf", params={"lang": "fr"})).content.startswith(b"%PDF fr ")
    assert 'href="/book?lang=de"' in made and 'href="/book?lang=fr"' not in made  # the other languages offered

    refused = await client.get("/book", params={"lang": "pt"})
    assert refused.status_code == 422 and "en, fr, es, de" in refused.text
    assert (await client.get("/book", params={"lang": "en"})).text.count('id="being-made"') == 0  # the edition's


async def test_a_wish_for_another_language_waits_out_a_failures_backoff(badges: Badges, tmp_path: Path) -> None:  # noqa: F811
    renderer, clock = FlakyRenderer(failures=0), MovableClock(NOW)
    deps = book_deps(
        SqlBookUnits(badges.runtime.sessionmaker, Outbox("/badges")), renderer, clock, DiskPdfStore(tmp_path)
    )
    await publish(deps)
    await book_languages.book_pass(deps)
    await badges.client.get("/book", params={"lang": "es"})
    renderer.failures = renderer.calls + 1  # the next render fails
    assert await book_languages.make_translation(deps) is None
    async with deps.units.read() as store:
        wish = await store.translation(1, "es")
    assert wish is not None and wish.attempts == 1 and wish.retry_at is not None and not wish.made
    assert await book_languages.make_translation(deps) is None and renderer.calls == 3  # waits: no render
    clock.at = wish.retry_at
    assert await book_languages.make_translation(deps) == (1, "es")
