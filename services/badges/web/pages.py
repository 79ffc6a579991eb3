"""The Jinja2 environment of the station, organiser and visa pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.badges.ports import BadgeDeps, LinkState
from services.common.csrf import add_csrf_helpers
from services.common.page_language import install_page_i18n
from services.common.text import shown

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
PAGES = add_csrf_helpers(
    Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), finalize=shown)
)
"""Station and visa pages; every printed string through the one text rule (``shown``), forms with their token."""
LOCALE_DIR = TEMPLATES.parent / "locale"
PAGE_LANGUAGE = install_page_i18n(PAGES, LOCALE_DIR)
"""The public book page's language and switch (badges' catalog); the station's and organisers' pages carry no _()."""


async def render(
    request: Request, deps: BadgeDeps, link: LinkState, template: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A page with the congress's name and the station's link state in its banner."""
    html = PAGES.get_template(template).render(
        request=request, congress=deps.congress.short_name, link=await link.status(), **context
    )
    return HTMLResponse(html, status_code=status_code)
