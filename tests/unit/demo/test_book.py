"""The demo waits for badges to make the book of abstracts after the publication, and gives up in time."""

from __future__ import annotations

import httpx

from services.demo.book import BOOK_PATH, book_of_abstracts


async def test_the_demo_waits_until_the_book_is_served() -> None:
    asked: list[str] = []

    def badges(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        if len(asked) < 3:
            return httpx.Response(404, text="No book of abstracts is published under this name yet.")
        return httpx.Response(200, content=b"%PDF-1.7 book", headers={"content-type": "application/pdf"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(badges), base_url="http://badges") as client:
        assert await book_of_abstracts(client, wait_seconds=5, poll=0.01) == len(b"%PDF-1.7 book")
    assert asked == [BOOK_PATH] * 3


async def test_the_demo_moves_on_when_no_book_comes() -> None:
    never = httpx.MockTransport(lambda request: httpx.Response(404))
    async with httpx.AsyncClient(transport=never, base_url="http://badges") as client:
        assert await book_of_abstracts(client, wait_seconds=0.05, poll=0.01) is None
