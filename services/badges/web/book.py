"""The book of abstracts, public (no sign-in): ``/book`` lists the books of the newest publication,
``/book/abstracts.pdf`` is the whole programme's and ``/book/<network>.pdf`` one network's.

The URLs are stable: each publication's books replace the previous ones behind the same addresses
(the abstracts service's programme page links here, ``ABSTRACTS_BOOK_URL``).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from services.badges.commands.book import networks
from services.badges.domain.book import WHOLE, BookFile
from services.badges.ports import BookDeps
from services.badges.web.pages import PAGES

WHOLE_NAME = "abstracts"
"""``/book/abstracts.pdf``: the whole book (no network is called that: codes are upper case)."""


def book_router(deps: BookDeps) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    async def files() -> list[BookFile]:
        async with deps.units.read() as store:
            return await store.latest_files()

    @router.get("/book")
    async def book_page(request: Request) -> HTMLResponse:
        names = networks(deps.congress)
        listed = [(f, names.get(f.network, f.network)) for f in await files()]
        html = PAGES.get_template("book_page.html").render(
            request=request, congress=deps.congress.short_name, files=listed, whole=WHOLE, tz=deps.congress.tz
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
