"""The books in another page language, on demand (``domain.book_languages``).

``/book?lang=fr`` (``want``) records the wish for the newest made publication; the job ``badges.book``
(``book_pass``: the edition's books first, then the wishes, under one lease) renders them on the render pool
and settles them once, with the same backoff as the edition's books when a render fails. A wish waits while a
newer publication is coming (the replica then no longer holds the one asked for); that publication's own
books replace it, and a visitor asks again.
"""

from __future__ import annotations

import logging

from services.badges.commands.book import book_language, failure_reason, make_books, render_books, replica_holds
from services.badges.domain.book import BookFile
from services.badges.domain.book_languages import Translation
from services.badges.ports import BookDeps
from services.common.page_language import OFFERED

log = logging.getLogger("congress.badges.book")


async def book_pass(deps: BookDeps) -> None:
    """One pass of the job ``badges.book``: the edition's books, then one wished-for language."""
    await make_books(deps)
    await make_translation(deps)


async def want(deps: BookDeps, language: str) -> tuple[Translation | None, list[BookFile]]:
    """A visitor asks for the newest books in ``language`` (one of the other page languages): the wish (recorded
    if new) and its files once made. (None, []) when no book is made yet."""
    if language not in OFFERED or language == book_language(deps.congress):
        raise ValueError(f"lang must be another of {', '.join(OFFERED)}")
    async with deps.units.read() as store:
        made = await store.latest_files()
        if not made:
            return None, []
        version = made[0].programme_version
        wish = await store.translation(version, language)
        if wish is not None and wish.made:
            return wish, await store.translation_files(version, language)
    if wish is None:
        async with deps.units.begin() as store:
            await store.request_translation(version, language, deps.clock.now())
        wish = Translation(version, language)
    return wish, []


async def make_translation(deps: BookDeps) -> tuple[int, str] | None:
    """Make the oldest due wish for the newest made publication, if the replica still holds that publication."""
    now = deps.clock.now()
    async with deps.units.read() as store:
        newest = await store.newest_publication()
        if newest is None or not newest[1]:
            return None  # nothing made yet, or a newer publication comes first
        publication = newest[0]
        wish = next((w for w in await store.pending_translations(publication.version) if w.due(now)), None)
        if wish is None or not await replica_holds(store, publication):
            return None
        sessions, abstracts = await store.live_sessions(), await store.abstracts()
    try:
        files = await render_books(deps, wish.version, sessions, abstracts, wish.language)
    except Exception as exc:  # noqa: BLE001 -- as for the edition's books: counted, retried after the backoff
        await _failed(deps, wish, exc)
        return None
    async with deps.units.begin() as store:
        settled = await store.settle_translation(wish.version, wish.language, files)
    log.info(
        "book of abstracts made in another language" if settled else "book in that language made by another copy",
        extra={"programme_version": wish.version, "language": wish.language, "books": len(files)},
    )
    return (wish.version, wish.language) if settled else None


async def _failed(deps: BookDeps, wish: Translation, exc: Exception) -> None:
    attempt, reason = wish.attempts + 1, failure_reason(exc)
    wait = deps.backoff.delay(attempt, deps.draw())
    async with deps.units.begin() as store:
        counted = await store.record_translation_failure(
            wish.version, wish.language, wish.attempts, reason, deps.clock.now() + wait
        )
    if counted:
        log.warning(
            "book of abstracts in another language failed; it is tried again later",
            extra={
                "programme_version": wish.version,
                "language": wish.language,
                "attempt": attempt,
                "reason": reason,
                "retry_in_seconds": round(wait.total_seconds(), 1),
            },
            exc_info=exc,
        )
