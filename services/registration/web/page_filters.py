"""The delegate pages' filters and helpers that depend on the page's language: money, percentages, days, and the
congress file's category and add-on labels (its ``labels`` in the page's language, else its ``label``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_percent
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from services.common.page_language import DEFAULT
from services.registration.commands.records import Deps
from services.registration.domain import pricing as domain
from services.registration.domain.amounts import amount_text
from services.registration.web.wording import INCOME_LINES


def _language(ctx: Context) -> str:
    return str(ctx.get("page_lang", DEFAULT))


@pass_context
def long_day(ctx: Context, day: date) -> str:
    """A programme day in the page's language (``Tuesday 5 January 2027``, ``mardi 5 janvier 2027``)."""
    return str(format_date(day, "EEEE d MMMM y", locale=_language(ctx)))


@pass_context
def percent(ctx: Context, whole: int) -> str:
    """A whole percentage in the page's locale (``25%``, ``25 %``)."""
    return str(format_percent(Decimal(whole) / 100, locale=_language(ctx)))


def install_filters(env: Environment, deps: Deps) -> None:
    """``money``, ``major``, ``percent``, ``long_day``; ``category_label``, ``add_on_label`` and ``income_lines``."""
    currency = deps.congress.currency
    categories = deps.config.categories
    add_ons = {a.code: a for a in deps.config.add_ons}

    @pass_context
    def money(ctx: Context, amount_minor: int, locale: str = "") -> str:
        """In the page's locale (``€355.00``, ``355,00 €``) unless a locale is named."""
        where = locale or _language(ctx)
        return str(format_currency(domain.to_major(amount_minor, currency), currency, locale=where))

    @pass_context
    def category_label(ctx: Context, code: str | None, label: str = "") -> str:
        """A category's label in the page's language when the congress file gives one (``labels``)."""
        found = categories.get(code or "")
        return found.labels.get(_language(ctx), found.label) if found else label  # type: ignore[call-overload]

    @pass_context
    def add_on_label(ctx: Context, code: str | None, label: str = "") -> str:
        """An add-on's label in the page's language when the congress file gives one (``labels``)."""
        found = add_ons.get(code or "")
        return found.labels.get(_language(ctx), found.label) if found else label  # type: ignore[call-overload]

    env.filters.update(money=money, percent=percent, long_day=long_day)
    env.filters["major"] = lambda amount_minor: amount_text(amount_minor, currency)
    env.globals.update(category_label=category_label, add_on_label=add_on_label, income_lines=INCOME_LINES)
