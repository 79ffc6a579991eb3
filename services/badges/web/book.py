"""The book of abstracts, public (no sign-in): ``/book`` lists the books of the newest publication,
``/book/abstracts.pdf`` is the whole programme's and ``/book/<network>.pdf`` one network's, in the edition's
language; ``?lang=fr`` on each asks for the same books in another page language, made on demand by the job
(``commands/book_languages.py``) and kept. For the programme
team, ``/organiser/book`` says where the newest publication's book is: made, awaited, or failing (how many
times, why, and when it is tried again: ``commands.book.make_books``).

The URLs are stable: each publication's books replace the previous ones behind the same addresses
(the abstracts service's programme page links here, ``ABSTRACTS_BOOK_URL``).
"""

from __future__ import annotations

from babel.dates import format_datetime
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from services.badges.commands import book_languages
from services.badges.commands.book import book_language, networks
from services.badges.domain.book import WHOLE, BookFile
from services.badges.domain.book_languages import Translation
from services.badges.ports import BookDeps
from services.badges.web.pages import PAGE_LANGUAGE, PAGES
from services.common.organiser_sessions import OrganiserSessions, require_organiser
from services.common.page_language import OFFERED, PAGE_LANGUAGES

DAY_AND_TIME = "d MMMM y, HH:mm"
"""When a book was made, in the congress timezone and the page's language."""
WHOLE_NAME = "abstracts"
"""``/book/abstracts.pdf``: the whole book (no network is called that: codes are upper case)."""


def book_router(deps: BookDeps, sessions: OrganiserSessions) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    organiser = require_organiser(sessions)
    edition = book_language(deps.congress)

    async def files(lang: str) -> tuple[Translation | None, list[BookFile]]:
        """The newest books in ``lang`` ("": the edition's language): for another language, the visitor's wish
        (recorded if new) and its files once the job made them."""
        if lang and lang != edition:
            if lang not in OFFERED:
                raise HTTPException(422, f"lang must be one of {', '.join(OFFERED)}.")
            return await book_languages.want(deps, lang)
        async with deps.units.read() as store:
            return None, await store.latest_files()

    @router.get("/book")
    async def book_page(request: Request, lang: str = "") -> HTMLResponse:
        names = networks(deps.congress)
        wish, made = await files(lang)
        listed = [(f, names.get(f.network, f.network)) for f in made]
        async with deps.units.read() as store:
            newest = await store.newest_publication()
        language = PAGE_LANGUAGE(request)
        tz, page_lang = deps.congress.tz, language["page_lang"]
        made_on = format_datetime(listed[0][0].created_at, DAY_AND_TIME, tzinfo=tz, locale=page_lang) if listed else ""
        html = PAGES.get_template("book_page.html").render(
            request=request,
            congress=deps.congress.short_name,
            files=listed,
            whole=WHOLE,
            made_on=made_on,
            newer_coming=bool(newest and not newest[1] and listed),
            book_lang=wish.language if wish else edition,
            being_made=wish is not None and not wish.made,
            query=f"?lang={wish.language}" if wish else "",
            others=[(code, name) for code, name in PAGE_LANGUAGES if code != (wish.language if wish else edition)],
            names=dict(PAGE_LANGUAGES),
            **language,
        )
        return HTMLResponse(html)

    @router.get("/organiser/book")
    async def book_status(request: Request, who: str = Depends(organiser)) -> HTMLResponse:
        async with deps.units.read() as store:
            newest, made = await store.newest_publication(), await store.latest_files()
        html = PAGES.get_template("book_status.html").render(
            request=request,
            congress=deps.congress.short_name,
            publication=newest[0] if newest else None,
            settled=bool(newest and newest[1]),
            files=made,
            whole=WHOLE,
            tz=deps.congress.tz,
        )
        return HTMLResponse(html)

    @router.get("/book/{name}.pdf")
    async def book_pdf(name: str, lang: str = "") -> Response:
        network = WHOLE if name == WHOLE_NAME else name
        found = next((f for f in (await files(lang))[1] if f.network == network), None)
        if found is None:
            raise HTTPException(404, "No book of abstracts is published under this name (in this language) yet.")
        suffix = ("-" + name if network else "") + (f"-{lang}" if lang and lang != edition else "")
        filename = f"{deps.congress.id}-book-of-abstracts{suffix}.pdf"
        return Response(
            deps.store.get(found.sha256),
            media_type="application/pdf",
            headers={
                "content-disposition": f'inline; filename="{filename}"',
                "etag": f'"{found.sha256}"',
                "cache-control": "no-cache",  # a new publication replaces it behind the same URL
            },
        )

    return router
