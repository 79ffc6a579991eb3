"""A document's footer words become CSS safely (``pdf.page_counters``), and a receipt's and an invoice's context
write amounts and days in the delegate's language (English for a language badges' catalog does not word)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from markupsafe import Markup

from services.badges.adapters.pdf import page_counters
from services.badges.domain.documents import receipt_context
from services.common.congress import load_congress


def test_footer_words_become_css_strings_around_the_page_counters() -> None:
    assert page_counters(Markup("Seite \x01 von \x02")) == '"Seite " counter(page) " von " counter(pages)'
    assert page_counters(Markup("\x01 / \x02")) == 'counter(page) " / " counter(pages)'


def test_footer_words_cannot_end_the_css_string_or_the_style_element() -> None:
    css = page_counters('p"; } </style><script>\\ \x01')
    assert css == '"p\\22 ; } \\3c /style\\3e \\3c script\\3e \\5c  " counter(page)'
    assert "</" not in css and css.count('"') == 2


@pytest.mark.parametrize(
    ("language", "amount", "day"),
    [
        ("en", "€420.00", "January 5, 2027"),
        ("fr", "420,00\u00a0€", "5 janvier 2027"),
        ("de", "420,00\u00a0€", "5. Januar 2027"),
        ("es", "420,00\u00a0€", "5 de enero de 2027"),
        ("ja", "€420.00", "January 5, 2027"),
    ],
)
def test_a_receipt_writes_its_amount_and_days_in_the_delegates_language(language: str, amount: str, day: str) -> None:
    row = SimpleNamespace(given_name="A", family_name="B", registration_number="R", affiliation="", language=language)
    paid = datetime(2027, 1, 5, 12, tzinfo=UTC)
    payment = SimpleNamespace(amount_minor=42000, currency="EUR", method="card", reference="pi_1", paid_at=paid)
    context = receipt_context(load_congress(), row, payment, "RCT-1")
    assert (context["amount"], context["paid_on"]) == (amount, day)
    assert context["page_lang"] == context["lang"] == ("en" if language == "ja" else language)
