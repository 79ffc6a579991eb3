"""The web guard's refusals a person sees, in words, with the guard's own small catalog.

A browser's form post refused by the guard (``web_guard``: the page's CSRF token missing or stale, a
post from another site) answers with a small page. A delegate who left a form open overnight meets it,
so it speaks the page's language (the language switch's cookie, else ``Accept-Language``; the organisers'
pages stay English as everywhere). The guard serves every service, so these sentences live in one catalog
beside this file, ``services/common/locale`` (commands in docs/registration.md); a program's JSON refusal
stays English.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

from starlette.datastructures import Headers

from services.common.page_language import (
    DEFAULT,
    LANGUAGE_COOKIE,
    ORGANISER_PATHS,
    load_catalogs,
    negotiate,
    translator,
)
from services.common.sentence import N_, Sentence

LOCALE: Final = Path(__file__).resolve().parent / "locale"

REFUSED: Final = N_("Request refused")
NO_COOKIE: Final = N_(
    "Refused: the form's security cookie is missing. Reload the page and submit the form again "
    "(this site needs cookies for its forms)."
)
STALE: Final = N_("Refused: this form is out of date or came from another site. Reload the page and submit it again.")
HIDDEN_ORIGIN: Final = N_(
    "Refused: this request came from a page that hides its origin, not from this service's pages."
)
_OTHER_SITE: Final = N_("Refused: this request came from another site (%(site)s).")
_OTHER_ORIGIN: Final = N_("Refused: this request came from another origin (%(origin)s), not from this service's pages.")
SENTENCES: Final = (REFUSED, NO_COOKIE, STALE, HIDDEN_ORIGIN, _OTHER_SITE, _OTHER_ORIGIN)


def other_site(site: str) -> Sentence:
    return Sentence(_OTHER_SITE, site=site)


def other_origin(origin: str) -> Sentence:
    return Sentence(_OTHER_ORIGIN, origin=origin[:100])


def refusal_language(path: str, headers: Headers, cookies: Mapping[str, str]) -> str:
    """The language a refusal page for ``path`` speaks (English on the organisers' and reviewers' pages)."""
    if path.startswith(ORGANISER_PATHS):
        return DEFAULT
    return negotiate(headers.get("accept-language"), cookies.get(LANGUAGE_COOKIE))


def say_refusal(message: str, language: str) -> tuple[str, str]:
    """The page's heading and ``message`` in ``language`` (English when it has no catalog)."""
    say = translator(load_catalogs(LOCALE), language)
    return say(REFUSED), say(message)
