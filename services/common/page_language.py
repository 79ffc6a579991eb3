"""The language a delegate's page speaks: negotiated, switchable, and translated with gettext.

Delegate pages (registration, self-service, call for papers, public programme) speak the
languages notify's emails speak (``PAGE_LANGUAGES``). The language is, in order: the
``congress_language`` cookie the visible switch sets (``GET /language?lang=fr&next=/``,
a plain link, so it works without JavaScript), else the best match in the browser's
``Accept-Language`` (``fr-CH`` matches ``fr``; ``q=0`` refuses), else English.

Each service keeps its own wording in ``<service>/locale/<lang>/LC_MESSAGES/messages.po``
(``babel.cfg`` beside it says what ``pybabel extract`` reads). As in notify, the ``.po``
files are compiled in memory when the templates are built (no ``.mo`` is committed and no
build step is needed on a fresh clone). Templates mark text with ``_()`` (Jinja2's i18n
extension, new-style: ``%(name)s`` placeholders, values escaped). A message made in Python
(a validation error, a flash message) is marked with ``N_()`` for extraction and shown
through the ``wording`` filter, which translates it as plain text (never as markup, and
without ``%`` formatting, so a message quoting what someone typed stays inert). A message with a number or
a word in it is a ``services.common.sentence.Sentence`` (its plural marked with ``N_plural()``): the filter
translates its msgid, plural by the language's rule, and fills in its own values (numbers the page's way).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from gettext import NullTranslations
from io import BytesIO
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from services.common.sentence import N_ as N_
from services.common.sentence import N_plural as N_plural
from services.common.sentence import Sentence

PAGE_LANGUAGES: Final = (("en", "English"), ("fr", "Français"), ("es", "Español"), ("de", "Deutsch"))
"""The languages delegate pages speak, each in its own name (the switch shows these)."""
OFFERED: Final = tuple(code for code, _name in PAGE_LANGUAGES)
DEFAULT: Final = "en"
LANGUAGE_COOKIE: Final = "congress_language"
COOKIE_SECONDS: Final = 365 * 24 * 3600
_HEADER_MAX: Final = 500
_RANGES_MAX: Final = 20
DOMAIN: Final = "messages"
ORGANISER_PATHS: Final = ("/organiser", "/review")
"""Pages for the congress team and reviewers, which stay English (no switch)."""


def say(translations: NullTranslations, message: object, language: str) -> str:
    """``message`` in ``translations``' language: a ``Sentence`` translated and filled in, a ``str`` translated."""
    if not isinstance(message, Sentence):
        return str(translations.gettext(str(message))) if message else ""
    if message.plural is None or message.n is None:
        template = str(translations.gettext(message.msgid))
    else:
        template = str(translations.ngettext(message.msgid, message.plural, message.n))
    values = {name: _value(translations, value, language) for name, value in message.values.items()}
    try:
        return template % values
    except (KeyError, ValueError, TypeError):  # a translation with a broken placeholder: English rather than a 500
        return str(message)


def _value(translations: NullTranslations, value: object, language: str) -> str:
    if isinstance(value, Sentence):
        return say(translations, value, language)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(format_decimal(value, locale=language))
    return str(value)


def accepted(header: str) -> list[str]:
    """The language ranges of an ``Accept-Language`` header, most wanted first (``q=0`` dropped, ties keep order)."""
    ranges: list[tuple[float, int, str]] = []
    for position, item in enumerate(header[:_HEADER_MAX].split(",")[:_RANGES_MAX]):
        tag, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and 0.0 < quality <= 1.0:
            ranges.append((-quality, position, tag.lower()))
    return [tag for _q, _p, tag in sorted(ranges)]


def negotiate(header: str | None, cookie: str | None = None, offered: tuple[str, ...] = OFFERED) -> str:
    """The page language: the cookie's if offered, else the best ``Accept-Language`` match, else English."""
    if cookie in offered:
        return str(cookie)
    for tag in accepted(header or ""):
        primary = tag.replace("_", "-").split("-")[0]
        if primary in offered:
            return primary
        if tag == "*":
            return DEFAULT
    return DEFAULT


def page_language(request: Request) -> str:
    """The language this request's page is shown in."""
    return negotiate(request.headers.get("accept-language"), request.cookies.get(LANGUAGE_COOKIE))


@functools.cache
def load_catalogs(locale_dir: Path) -> Mapping[str, NullTranslations]:
    """Every shipped language's translations, compiled in memory from its ``.po`` file (once per process)."""
    catalogs: dict[str, NullTranslations] = {}
    for po in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name, domain=DOMAIN)
        mo = BytesIO()
        write_mo(mo, catalog, use_fuzzy=False)
        mo.seek(0)
        catalogs[po.parent.parent.name] = Translations(mo, domain=DOMAIN)
    return catalogs


def translator(catalogs: Mapping[str, NullTranslations], language: str) -> Callable[[str], str]:
    """``gettext`` for ``language`` (English, the msgids themselves, when it has no catalog)."""
    translations = catalogs.get(language, NullTranslations())
    return lambda message: say(translations, message, language)


def switch_href(request: Request, language: str) -> str:
    """The switch's link for ``language``: back to this page (its path and query) when it can be fetched again."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    back = here if request.method == "GET" else "/"
    return "/language?" + urlencode({"lang": language, "next": back})


def install_page_i18n(env: Environment, locale_dir: Path) -> Callable[[Request], dict[str, Any]]:
    """Give ``env`` ``_()``/``ngettext`` and the ``wording`` filter; return the context processor for its pages.

    The processor puts ``page_lang`` (what ``<html lang>`` and the gettext calls use) and the
    switch's links in every page's context; the team's pages (``ORGANISER_PATHS``) get English and no switch.
    """
    catalogs = load_catalogs(locale_dir)

    def translations(ctx: Context) -> NullTranslations:
        return catalogs.get(str(ctx.get("page_lang", DEFAULT)), NullTranslations())

    @pass_context
    def gettext(ctx: Context, message: str) -> str:
        return str(translations(ctx).gettext(message))

    @pass_context
    def ngettext(ctx: Context, singular: str, plural: str, n: int) -> str:
        return str(translations(ctx).ngettext(singular, plural, n))

    @pass_context
    def wording(ctx: Context, message: object) -> str:
        return say(translations(ctx), message, str(ctx.get("page_lang", DEFAULT)))

    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["wording"] = wording

    def page_context(request: Request) -> dict[str, Any]:
        if request.url.path.startswith(ORGANISER_PATHS):
            return {"page_lang": DEFAULT, "language_links": []}
        language = page_language(request)
        links = [(code, name, switch_href(request, code)) for code, name in PAGE_LANGUAGES]
        return {"page_lang": language, "language_links": links}

    return page_context


def safe_next(target: str) -> str:
    """A path on this site to go back to (never another site: ``//host`` and ``/\\host`` are refused)."""
    if not target.startswith("/") or target.startswith(("//", "/\\")) or any(c in target for c in "\r\n\t"):
        return "/"
    return target[:2000]


def language_router() -> APIRouter:
    """``GET /language?lang=fr&next=/path``: remember the choice in a cookie and go back (303)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/language")
    async def choose(lang: str = "", next: str = "/") -> Response:
        response = RedirectResponse(safe_next(next), status_code=303)
        if lang in OFFERED:
            response.set_cookie(LANGUAGE_COOKIE, lang, max_age=COOKIE_SECONDS, httponly=True, samesite="lax")
        return response

    return router
