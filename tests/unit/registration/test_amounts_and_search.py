"""Amounts typed in the currency's units, and the folded search key of the organisers' list."""

from __future__ import annotations

import pytest

from services.common.folding import fold, search_key, words
from services.registration.domain.amounts import AmountInvalid, amount_text, parse_amount


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [
        ("740", "EUR", 74000),
        ("740.00", "EUR", 74000),
        ("740,5", "EUR", 74050),
        (" 1 234.50 ", "EUR", 123450),
        ("1,234.56", "EUR", 123456),
        ("1.234,56", "EUR", 123456),
        ("EUR 740", "EUR", 74000),
        ("740 eur", "EUR", 74000),
        ("5000", "JPY", 5000),
        ("1.234", "KWD", 1234),
    ],
)
def test_amounts_are_read_with_the_currencys_exponent(typed: str, currency: str, minor: int) -> None:
    assert parse_amount(typed, currency) == minor


@pytest.mark.parametrize(
    ("typed", "currency", "message"),
    [
        ("", "EUR", "Please enter an amount in EUR, e.g. 740.00."),
        ("abc", "EUR", "Please enter an amount in EUR with digits only, e.g. 740.00."),
        ("1e5", "EUR", "with digits only"),
        ("-5", "EUR", "Please enter an amount above zero."),
        ("0.00", "EUR", "Please enter an amount above zero."),
        ("740.005", "EUR", "EUR amounts have 2 decimals: 740.005 has more."),
        ("5000.5", "JPY", "JPY amounts have no decimals: 5000.5 has more."),
        ("99999999999", "EUR", "far more than any registration costs"),
        ("740.00 USD", "EUR", "with digits only"),
    ],
)
def test_what_is_not_an_amount_gets_a_message_saying_what_to_type(typed: str, currency: str, message: str) -> None:
    with pytest.raises(AmountInvalid, match=message.replace(".", r"\.").replace("(", r"\(")):
        parse_amount(typed, currency)


def test_amounts_are_shown_in_the_currencys_units() -> None:
    assert [amount_text(74000, "EUR"), amount_text(5000, "JPY"), amount_text(1234, "KWD")] == [
        "740.00",
        "5000",
        "1.234",
    ]
    assert parse_amount(amount_text(12345, "EUR"), "EUR") == 12345


def test_the_search_key_folds_case_and_the_accents_of_alphabets_only() -> None:
    assert fold("José NÚÑEZ") == "jose nunez"
    assert fold("Straße") == "strasse"
    assert fold("ДМИТРИЙ Ελένη") == fold("дмитрии ελενη")
    assert fold("ＡＢＣ") == "abc"  # full-width Latin
    assert fold("が") == "が" != fold("か")  # a Japanese voicing mark changes the syllable: kept
    assert fold("김민준") == "김민준"  # Hangul stays composed
    assert words("  Núñez   田中 ") == ["nunez", "田中"]
    key = search_key(["ICSEI27-0001", "José", None, "Núñez", ""])
    assert all(w in key for w in words("jose NUNEZ icsei27-0001"))
