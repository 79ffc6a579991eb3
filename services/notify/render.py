"""Rendering a message from its templates: subject, text part and HTML part.

Each message type is ``templates/<name>.txt.j2`` (its first line is ``Subject: ...``)
and ``templates/<name>.html.j2`` (extends ``_layout.html.j2``). The HTML environment
autoescapes, so names, affiliations and reasons typed by people are shown, never
interpreted. Dates are shown in the congress timezone and money in the delegate's
locale, both through Babel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, get_currency_precision
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context

from schemas.values import Money
from services.common.congress import Congress

TEMPLATE_DIR = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def locale_for(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


class Renderer:
    """Renders message templates with the congress's identity and the recipient's locale."""

    def __init__(self, congress: Congress, template_dir: Path = TEMPLATE_DIR) -> None:
        self.congress = congress
        loader = FileSystemLoader(str(template_dir))
        self.text_env = Environment(
            loader=loader,
            autoescape=False,  # noqa: S701 -- the text/plain part, not HTML
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.html_env = Environment(
            loader=loader,
            autoescape=select_autoescape(["html.j2"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        for env in (self.text_env, self.html_env):
            _install_filters(env)

    def render(self, template: str, language: str, context: dict[str, Any]) -> Rendered:
        locale = locale_for(language)
        full = {
            "congress": self.congress,
            "language": str(locale).replace("_", "-"),
            "_locale": locale,
            "_tz": self.congress.tz,
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

    env.filters.update({"money": money, "datetime": when, "date": day})


def split_subject(rendered: str) -> tuple[str, str]:
    """The first line is ``Subject: ...``; whitespace (and any line break) in it collapses to one space."""
    first, _, body = rendered.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError("a text template must start with a 'Subject:' line")
    subject = " ".join(first.removeprefix("Subject:").split())
    return subject, body.lstrip("\n")


def format_money(money: Money, locale: Locale) -> str:
    digits = get_currency_precision(money.currency)
    amount = Decimal(money.amount_minor).scaleb(-digits)
    return str(format_currency(amount, money.currency, locale=locale))


def format_when(moment: datetime, tz: ZoneInfo, locale: Locale) -> str:
    return str(format_datetime(moment.astimezone(tz), format="long", tzinfo=tz, locale=locale))


def format_day(day: date | datetime, tz: ZoneInfo, locale: Locale) -> str:
    if isinstance(day, datetime):
        day = day.astimezone(tz).date()
    return str(format_date(day, format="long", locale=locale))
