"""Posting a page's form as a browser does: load the page, send its CSRF token back with the fields.

Every service refuses a form post without the token of the page it came from
(services/common/web_guard.py), so tests fetch the page first, as a browser must.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def token_in(page: str) -> str:
    """The CSRF token of the (first) form on a page."""
    found = _TOKEN.search(page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def page_token(client: httpx.AsyncClient, page_url: str) -> str:
    """Load ``page_url`` (following redirects) and return its forms' CSRF token."""
    page = await client.get(page_url, follow_redirects=True)
    assert page.status_code < 500, page.text[-500:]
    return token_in(page.text)


async def submit(
    client: httpx.AsyncClient, page_url: str, action: str, data: dict[str, Any] | None = None, **kwargs: Any
) -> httpx.Response:
    """Load the page with the form, then post ``data`` to ``action`` with the page's token."""
    token = await page_token(client, page_url)
    return await client.post(action, data={**(data or {}), "csrf_token": token}, **kwargs)


async def sign_in_by_link(client: httpx.AsyncClient, link: str) -> httpx.Response:
    """Open a delegate's sign-in link (a page that changes nothing) and press its button, as a person does;
    the post's answer (303 to ``/me`` when the link worked)."""
    page = await client.get(link)
    if page.status_code != 200:
        return page  # the link does not work: its problem page
    token = re.search(r'name="t" value="([^"]+)"', page.text)
    assert token, page.text[-500:]
    return await client.post("/me/sign-in", data={"t": token.group(1), "csrf_token": token_in(page.text)})
