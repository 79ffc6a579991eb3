"""Amounts as organisers type and read them: in the currency's units ("740.00"), never in minor units.

``parse_amount`` reads what a person types into an amount field (``740``, ``740.00``, ``740,5``,
``1 234.50``, ``EUR 740``) with the currency's exponent, and refuses anything else with a message
that says what to type; ``amount_text`` is the inverse, for a field's default value.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from services.registration.domain.pricing import minor_exponent, to_major

MAX_MINOR = 10**12
"""Far above any congress fee; bigger numbers are typing mistakes."""
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_NUMBER = re.compile(r"\d+(\.\d+)?")


class AmountInvalid(ValueError):
    """What was typed is not an amount of the currency; the message says what to type instead."""


def amount_text(amount_minor: int, currency: str) -> str:
    """Minor units as a plain amount in the currency's units (74000 EUR → ``740.00``; 5000 JPY → ``5000``)."""
    return f"{to_major(amount_minor, currency):f}"


def _plain(text: str, currency: str) -> str:
    """The digits and at most one decimal point: spaces, the currency's code and thousands separators gone."""
    value = _SPACES.sub("", text).upper().removeprefix(currency).removesuffix(currency)
    if "," in value and "." in value:
        thousands = "," if value.rfind(",") < value.rfind(".") else "."
        value = value.replace(thousands, "").replace(",", ".")
    elif value.count(",") == 1:
        value = value.replace(",", ".")  # a decimal comma: 740,50
    return value


def parse_amount(text: str, currency: str) -> int:
    """What an organiser typed as minor units of ``currency``; ``AmountInvalid`` says why it is not one."""
    example = amount_text(74000 if minor_exponent(currency) else 740, currency)
    value = _plain(text, currency)
    if not value:
        raise AmountInvalid(f"Please enter an amount in {currency}, e.g. {example}.")
    if value.startswith("-"):
        raise AmountInvalid("Please enter an amount above zero.")
    if not _NUMBER.fullmatch(value):
        raise AmountInvalid(f"Please enter an amount in {currency} with digits only, e.g. {example}.")
    try:
        decimal = Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only numbers
        raise AmountInvalid(f"Please enter an amount in {currency}, e.g. {example}.") from None
    exponent = minor_exponent(currency)
    minor = decimal.scaleb(exponent)
    if minor != minor.to_integral_value():
        places = f"{exponent} decimal{'s' if exponent != 1 else ''}" if exponent else "no decimals"
        raise AmountInvalid(f"{currency} amounts have {places}: {text.strip()} has more.")
    if minor <= 0:
        raise AmountInvalid("Please enter an amount above zero.")
    if minor > MAX_MINOR:
        raise AmountInvalid(f"{text.strip()} {currency} is far more than any registration costs.")
    return int(minor)
