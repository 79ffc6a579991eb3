"""Rendering a message from its templates: subject, text part and HTML part.

Each message type is ``templates/<name>.txt.j2`` (its first line is ``Subject: ...``)
and ``templates/<name>.html.j2`` (extends ``_layout.html.j2``). The HTML environment
autoescapes, so names, affiliations and reasons typed by people are shown, never
interpreted. Dates are shown in the congress timezone and money in the delegate's
locale, both through Babel.

Wording is translated the standard gettext way: templates mark text with ``_()``
(Jinja2's i18n extension, new-style gettext: placeholders are ``%(name)s`` and values
are escaped in HTML), ``pybabel extract`` collects it into ``locale/messages.pot`` and
each shipped language has ``locale/<lang>/LC_MESSAGES/messages.po``. The ``.po`` files
are compiled in memory when the renderer starts (no build step, so a fresh clone
works). A language without a catalog falls back to English.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from gettext import NullTranslations
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency, get_currency_precision
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
    pass_eval_context,
    select_autoescape,
)
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from markupsafe import Markup

from schemas.values import Money
from services.common import page_language
from services.common.congress import Congress
from services.common.text import shown

TEMPLATE_DIR = Path(__file__).parent.parent / "templates"
LOCALE_DIR = Path(__file__).parent.parent / "locale"
DOMAIN = "messages"
_SPACES = re.compile(r"[^\S\u00a0\u202f]+")
"""Runs of whitespace other than the no-break spaces French puts before ``:`` (a typed line break included)."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@functools.cache
def load_catalogs(locale_dir: Path = LOCALE_DIR) -> Mapping[str, NullTranslations]:
    """notify's shipped translations (the kernel compiles each ``.po`` in memory, as the pages' are)."""
    return page_language.load_catalogs(locale_dir)


def locale_for(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


class Renderer:
    """Renders message templates with the congress's identity and the recipient's locale."""

    def __init__(self, congress: Congress, template_dir: Path = TEMPLATE_DIR, locale_dir: Path = LOCALE_DIR) -> None:
        self.congress = congress
        self.catalogs = load_catalogs(locale_dir)
        loader = FileSystemLoader(str(template_dir))
        self.text_env = Environment(
            loader=loader,
            autoescape=False,  # noqa: S701 -- the text/plain part, not HTML
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=["jinja2.ext.i18n"],
            auto_reload=False,  # templates ship with the code: no stat() per message
        )
        self.html_env = Environment(
            loader=loader,
            autoescape=select_autoescape(["html.j2"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=["jinja2.ext.i18n"],
            auto_reload=False,  # templates ship with the code: no stat() per message
        )
        for env in (self.text_env, self.html_env):
            env.finalize = finalize  # the one text rule: no control or bidi character from any event reaches a mail
            _install_filters(env)
            _install_gettext(env)

    def translations_for(self, locale: Locale) -> tuple[str, NullTranslations]:
        """The wording language (``fr``, or ``en`` when none is shipped) and its translations."""
        for tag in (str(locale), locale.language):
            if tag in self.catalogs:
                return tag.replace("_", "-"), self.catalogs[tag]
        return "en", _ENGLISH

    def render(self, template: str, language: str, context: dict[str, Any]) -> Rendered:
        locale = locale_for(language)
        wording, translations = self.translations_for(locale)
        full = {
            "congress": self.congress,
            "language": str(locale).replace("_", "-"),
            "wording_language": wording,
            "_locale": locale,
            "_tz": self.congress.tz,
            "_translations": translations,
            "_": quick_gettext(translations),
            **context,
        }
        subject, text = split_subject(self.text_env.get_template(f"{template}.txt.j2").render(full))
        html = self.html_env.get_template(f"{template}.html.j2").render({**full, "subject": subject})
        return Rendered(subject=subject, text=text, html=html)


def _install_filters(env: Environment) -> None:
    @pass_context
    def money(ctx: Context, value: Money) -> str:
        return format_money(value, ctx["_locale"])

    @pass_context
    def when(ctx: Context, value: datetime) -> str:
        return format_when(value, ctx["_tz"], ctx["_locale"])

    @pass_context
    def day(ctx: Context, value: date | datetime) -> str:
        return format_day(value, ctx["_tz"], ctx["_locale"])

    @pass_context
    def time_in(ctx: Context, value: datetime, timezone: str = "") -> str:
        return format_time_in(value, zone(timezone, ctx["_tz"]), ctx["_locale"])

    @pass_context
    def weekday(ctx: Context, value: date) -> str:
        return str(format_date(value, format="full", locale=ctx["_locale"]))

    env.filters.update({"money": money, "datetime": when, "date": day, "time_in": time_in, "weekday": weekday})


def _install_gettext(env: Environment) -> None:
    """``_()``/``gettext``/``ngettext`` read the recipient's translations from the render context."""

    @pass_context
    def gettext(ctx: Context, message: str) -> str:
        return str(ctx["_translations"].gettext(message))

    @pass_context
    def ngettext(ctx: Context, singular: str, plural: str, n: int) -> str:
        return str(ctx["_translations"].ngettext(singular, plural, n))

    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]


_ENGLISH = NullTranslations()


def finalize(value: Any) -> Any:
    """``services.common.text.shown`` (what every printed value goes through), with a fast way for the usual
    value: printable ASCII has none of the characters ``shown`` removes, so it is returned as it is without
    a regular expression run over it (~50 values a message)."""
    if not isinstance(value, str) or (value.isascii() and value.isprintable()):
        return value
    return shown(value)


@functools.lru_cache(maxsize=64)
def quick_gettext(translations: NullTranslations) -> Callable[..., str]:
    """``_()`` for one catalog, as Jinja's new-style gettext behaves, in one call instead of three.

    The i18n extension's ``_`` looks ``gettext`` up in the context, which calls ours, which looks the
    catalog up in the context: three ``Context.call`` with their argument inspection for each of the
    ~50 sentences of a message, a fifth of its rendering. Given in the render context, this ``_``
    wins over the extension's global and does the same: the translation, made ``Markup`` where the
    template autoescapes (so the values are escaped), then ``%`` the values.
    """
    gettext = translations.gettext

    @pass_eval_context
    def underscore(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
        text: str = gettext(message)
        if eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 -- a catalog's sentence (our own wording); the values are escaped by %
        return text % variables

    return underscore


def split_subject(rendered: str) -> tuple[str, str]:
    """The first line is ``Subject: ...``; whitespace in it collapses to one space (no-break spaces stay)."""
    first, _, body = rendered.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError("a text template must start with a 'Subject:' line")
    subject = _SPACES.sub(" ", first.removeprefix("Subject:")).strip(" ")
    return subject, body.lstrip("\n")


def format_money(money: Money, locale: Locale) -> str:
    return _money(money.amount_minor, money.currency, str(locale))


@functools.lru_cache(maxsize=4096)
def _money(amount_minor: int, currency: str, locale: str) -> str:
    """Cached: a congress has few distinct fees, and Babel's formatting was ~3 % of a message's CPU."""
    digits = get_currency_precision(currency)
    amount = Decimal(amount_minor).scaleb(-digits)
    return str(format_currency(amount, currency, locale=locale))


def format_when(moment: datetime, tz: ZoneInfo, locale: Locale) -> str:
    return str(format_datetime(moment.astimezone(tz), format="long", tzinfo=tz, locale=locale))


def zone(name: str, default: ZoneInfo) -> ZoneInfo:
    """The IANA zone ``name`` (an event's ``timezone``), or ``default`` when it is empty or unknown."""
    try:
        return ZoneInfo(name) if name else default
    except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return default


def format_time_in(moment: datetime, tz: ZoneInfo, locale: Locale) -> str:
    """A clock time in ``tz`` (e.g. 9:00 AM, 09:00), for programme slots."""
    return str(format_time(moment.astimezone(tz), format="short", tzinfo=tz, locale=locale))


def format_day(day: date | datetime, tz: ZoneInfo, locale: Locale) -> str:
    if isinstance(day, datetime):
        day = day.astimezone(tz).date()
    return _day(day, str(locale))


@functools.lru_cache(maxsize=4096)
def _day(day: date, locale: str) -> str:
    """Cached: every message's footer shows the congress's own dates."""
    return str(format_date(day, format="long", locale=locale))
