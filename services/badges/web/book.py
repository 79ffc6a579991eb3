"""The book of abstracts, public (no sign-in): ``/book`` lists the books of the newest publication,
``/book/abstracts.pdf`` is the whole programme's and ``/book/<network>.pdf`` one network's. For the programme
team, ``/organiser/book`` says where the newest publication's book is: made, awaited, or failing (how many
times, why, and when it is tried again: ``commands.book.make_books``).

The URLs are stable: each publication's books replace the previous ones behind the same addresses
(the abstracts service's programme page links here, ``ABSTRACTS_BOOK_URL``).
"""

from __future__ import annotations

from babel.dates import format_datetime
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from services.badges.commands.book import networks
from services.badges.domain.book import WHOLE, BookFile
from services.badges.ports import BookDeps
from services.badges.web.pages import PAGE_LANGUAGE, PAGES
from services.common.organiser_sessions import OrganiserSessions, require_organiser

DAY_AND_TIME = "d MMMM y, HH:mm"
"""When a book was made, in the congress timezone and the page's language."""
WHOLE_NAME = "abstracts"
"""``/book/abstracts.pdf``: the whole book (no network is called that: codes are upper case)."""


def book_router(deps: BookDeps, sessions: OrganiserSessions) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    organiser = require_organiser(sessions)

    async def files() -> list[BookFile]:
        async with deps.units.read() as store:
            return await store.latest_files()

    @router.get("/book")
    async def book_page(request: Request) -> HTMLResponse:
        names = networks(deps.congress)
        listed = [(f, names.get(f.network, f.network)) for f in await files()]
        async with deps.units.read() as store:
            newest = await store.newest_publication()
        language = PAGE_LANGUAGE(request)
        tz, lang = deps.congress.tz, language["page_lang"]
        made_on = format_datetime(listed[0][0].created_at, DAY_AND_TIME, tzinfo=tz, locale=lang) if listed else ""
        html = PAGES.get_template("book_page.html").render(
            request=request,
            congress=deps.congress.short_name,
            files=listed,
            whole=WHOLE,
            made_on=made_on,
            newer_coming=bool(newest and not newest[1] and listed),
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
    async def book_pdf(name: str) -> Response:
        network = WHOLE if name == WHOLE_NAME else name
        found = next((f for f in await files() if f.network == network), None)
        if found is None:
            raise HTTPException(404, "No book of abstracts is published under this name yet.")
        filename = f"{deps.congress.id}-book-of-abstracts{'-' + name if network else ''}.pdf"
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
