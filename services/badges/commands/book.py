"""The book of abstracts: keep the replica from the events, and make the books of each publication once.

The consumer's handlers (``record_content``, ``withdraw``, ``record_session``, ``cancel_session``,
``record_publication``, and ``erase_person`` on an author's or delegate's erasure) only write the replica, in the
batch's transaction. The books are made off the consumer path by the periodic job ``badges.book`` (``make_books``,
under its lease): when the newest publication is ready (``domain.book.ready``) and the content of each of its
abstracts is in (or ten minutes have passed since it was published: ``content_complete``) it renders the whole
book and one per network on the render pool, stores the files, and settles the publication in one transaction
whose conditional update lets only one copy record them (docs/ARCHITECTURE.md, decision 41).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from schemas.abstracts import AbstractContent, AbstractWithdrawn
from schemas.programme import ProgrammePublished, SessionCancelled, SessionScheduled
from services.badges.domain import book_people
from services.badges.domain.book import (
    WHOLE,
    Book,
    BookFile,
    Json,
    Publication,
    book_view,
    content_complete,
    missing_content,
    ready,
)
from services.badges.domain.book_people import Pseudonym
from services.badges.ports import BookDeps, BookStore
from services.common.congress import ConfigError
from services.common.page_language import DEFAULT, OFFERED

log = logging.getLogger("congress.badges.book")

NO_PRESENTER_EMAILS: Any = {"presentations": {"__all__": {"presenters": {"__all__": {"email"}}}}}
MAX_REASON = 200
"""The longest failure reason kept (the row's column holds 300)."""
WITHDRAWN_VERSION = 1_000_000
"""A withdrawn abstract's version: no later content brings it back (withdrawal is final)."""


async def record_content(store: BookStore, data: AbstractContent, pseudonym: Pseudonym) -> None:
    """An abstract's newest content (submitted or revised); an older or repeated version changes nothing.
    The book prints no address, so the replica keeps none: each person's pseudonym stands in its place
    (``domain.book_people``), so that their erasure can find them."""
    known = await store.abstract_version(data.abstract_id)
    if known is None or data.content_version > known:
        kept = book_people.pseudonymised(data.model_dump(mode="json"), pseudonym)
        await store.save_abstract(data.abstract_id, data.content_version, kept)


async def erase_person(store: BookStore, ref: str) -> int:
    """Erase the person with pseudonym ``ref`` from the replica's abstracts outside the published programme
    (their name and institution read ``erased``); the published programme's keep them as printed. Returns how
    many abstracts changed; a repeated erasure changes nothing."""
    published = book_people.in_programme(await store.live_sessions())
    changed = 0
    for abstract_id, content in (await store.abstracts()).items():
        if abstract_id in published or not book_people.names_person(content, ref):
            continue
        after = book_people.erased(content, ref)
        if after != content:
            await store.save_abstract(abstract_id, int(await store.abstract_version(abstract_id) or 0), after)
            changed += 1
    if changed:
        log.info("person erased from the book's replica", extra={"person_ref": ref, "abstracts": changed})
    return changed


async def withdraw(store: BookStore, data: AbstractWithdrawn) -> None:
    await store.save_abstract(data.abstract_id, WITHDRAWN_VERSION, None)


async def record_session(store: BookStore, data: SessionScheduled) -> None:
    """A published session's state; an event of an older publication than the one held changes nothing."""
    known = await store.session_version(data.session_id)
    if known is None or data.programme_version > known:
        await store.save_session(
            data.session_id, data.programme_version, data.model_dump(mode="json", exclude=NO_PRESENTER_EMAILS)
        )


async def cancel_session(store: BookStore, data: SessionCancelled) -> None:
    known = await store.session_version(data.session_id)
    if known is None or data.programme_version > known:
        await store.save_session(data.session_id, data.programme_version, None)


async def record_publication(store: BookStore, data: ProgrammePublished) -> None:
    publication = Publication(
        data.programme_version, data.sessions, data.sessions_changed, data.sessions_cancelled, data.published_at
    )
    await store.add_publication(publication, data.published_at)


def networks(congress: Any) -> dict[str, str]:
    """Network code → name from the congress file's ``abstracts.networks``."""
    listed = congress.section("abstracts").get("networks") or ()
    return {str(n["code"]): str(n.get("name") or n["code"]) for n in listed if isinstance(n, Mapping) and "code" in n}


def book_language(congress: Any) -> str:
    """The language the edition's book speaks: ``badges.book_language`` in the congress file (default English),
    one of the pages' languages; anything else is refused with a ``ConfigError`` naming the setting."""
    wanted = congress.section("badges").get("book_language", DEFAULT)
    if wanted not in OFFERED:
        raise ConfigError(f"badges.book_language: {wanted!r} is not one of {', '.join(OFFERED)}")
    return str(wanted)


def books(
    deps: BookDeps,
    sessions: list[Mapping[str, Any]],
    abstracts: dict[str, Mapping[str, Any]],
    language: str | None = None,
) -> list[tuple[str, Book]]:
    """The whole book, then one per network that has something in the programme, in ``language`` (default: the
    edition's)."""
    congress = deps.congress
    title, names, language = congress.short_name, networks(congress), language or book_language(congress)
    whole = book_view(title, sessions, abstracts, congress.tz, subtitle=congress.name, names=names, language=language)
    out = [(WHOLE, whole)]
    for code, name in names.items():
        book = book_view(
            title, sessions, abstracts, congress.tz, network=code, subtitle=name, names=names, language=language
        )
        if book.days:
            out.append((code, book))
    return out


async def make_books(deps: BookDeps) -> int | None:
    """One pass of the job: the books of the newest publication if it is ready; its version, else None.

    A render that fails is counted once in the publication's row with the time of the next try (``_failed``);
    until then the passes of every copy leave it be."""
    now = deps.clock.now()
    async with deps.units.read() as store:
        publication = await store.pending_publication()
        if publication is None or (publication.retry_at is not None and now < publication.retry_at):
            return None
        if not await replica_holds(store, publication):
            return None
        sessions, abstracts = await store.live_sessions(), await store.abstracts()
        missing = missing_content(sessions, await store.known_abstracts())
    if not content_complete(publication, missing, now):
        log.info("book of abstracts waits for abstracts' content", extra={"missing": len(missing)})
        return None
    try:
        files = await render_books(deps, publication.version, sessions, abstracts)
    except Exception as exc:  # noqa: BLE001 -- any failure of the render pool or WeasyPrint is retried later
        await _failed(deps, publication, exc)
        return None
    async with deps.units.begin() as store:
        settled = await store.settle(publication.version, files)
    log.info(
        "book of abstracts made" if settled else "book of abstracts already made by another copy",
        extra={"programme_version": publication.version, "books": len(files), "attempt": publication.attempts + 1},
    )
    return publication.version if settled else None


async def render_books(
    deps: BookDeps, version: int, sessions: list[Json], abstracts: dict[str, Json], language: str | None = None
) -> list[BookFile]:
    """Render and store ``version``'s books (in ``language``, default the edition's); nothing is recorded."""
    now, files = deps.clock.now(), []
    for network, book in books(deps, sessions, abstracts, language):
        pdf = await deps.renderer.render_book(book)
        stored = deps.store.put(pdf)  # content-addressed: a second copy writes the same file
        files.append(BookFile(version, network, stored.sha256, len(pdf), now))
    return files


def failure_reason(exc: BaseException) -> str:
    """What the row, the log and the organiser's page say about a failure: its kind and first line, short."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}"[:MAX_REASON] if first else type(exc).__name__


async def _failed(deps: BookDeps, publication: Publication, exc: Exception) -> None:
    """Count the failure once (the row's ``attempts`` as this pass saw it) and set the next try's time."""
    attempt, reason = publication.attempts + 1, failure_reason(exc)
    wait = deps.backoff.delay(attempt, deps.draw())
    async with deps.units.begin() as store:
        counted = await store.record_failure(publication.version, publication.attempts, reason, deps.clock.now() + wait)
    if not counted:
        log.info("book of abstracts failure already counted by another copy", extra={"attempt": attempt})
        return
    log.warning(
        "book of abstracts failed; it is tried again later",
        extra={
            "programme_version": publication.version,
            "attempt": attempt,
            "reason": reason,
            "retry_in_seconds": round(wait.total_seconds(), 1),
        },
        exc_info=exc,
    )


async def replica_holds(store: BookStore, publication: Publication) -> bool:
    """Whether the replica holds exactly ``publication`` (its session events in, none of a later one)."""
    return ready(publication, await store.counts(publication.version))
