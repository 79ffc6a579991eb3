"""Every message type renders for names in several scripts; headers encode; HTML escapes; Babel formats."""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.parser import BytesParser

import pytest

from schemas.values import Money
from services.common.congress import load_congress
from services.notify.adapters.compose import compose
from services.notify.adapters.render import Rendered, format_money, locale_for
from services.notify.cli import MESSAGE_TYPES, render_example
from tests.unit.notify.examples import compose_example

SHIPPED = ("de", "es", "fr")

NAMES = {
    "latin": ("Zoë", "Ørsted-Müller", "de"),
    "cyrillic": ("Анна", "Иванова", "ru"),
    "arabic": ("فاطمة", "الزهراء", "ar"),
    "chinese": ("小明", "王", "zh"),
}


@pytest.mark.parametrize("script", sorted(NAMES))
@pytest.mark.parametrize("template", MESSAGE_TYPES)
def test_every_template_renders_and_survives_the_mail_headers(template: str, script: str) -> None:
    given, family, language = NAMES[script]
    rendered, context = render_example(template, given=given, family=family, language=language)
    assert rendered.subject.startswith("ICSEI 2027") and "\n" not in rendered.subject
    assert given in rendered.text and family in rendered.text
    wording = language if language in SHIPPED else "en"  # German is shipped; the others fall back to English
    assert given in rendered.html and f'<html lang="{wording}">' in rendered.html
    assert "{{" not in rendered.text + rendered.html

    envelope = compose_example(rendered, context, "someone@example.org")
    raw = envelope.message
    assert raw.isascii(), "headers and bodies are encoded for 7-bit transport"
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert str(parsed["Subject"]) == rendered.subject
    assert parsed["To"].addresses[0].display_name == context["recipient"].name
    if context.get("addressed_as") != "team":  # the programme team's message is about the sample person
        assert given in parsed["To"].addresses[0].display_name
    plain = parsed.get_body(("plain",))
    assert plain is not None
    body = plain.get_content().replace("\r\n", "\n")
    assert body.rstrip() == rendered.text.rstrip()


def test_user_text_is_escaped_in_html_but_plain_in_text() -> None:
    rendered, _ = render_example("registration_cancelled", given="<b>Eve</b>", family="O'Hara & Co", language="en")
    assert "&lt;b&gt;Eve&lt;/b&gt;" in rendered.html and "<b>Eve</b>" not in rendered.html
    assert "O&#39;Hara &amp; Co" in rendered.html
    assert "Cannot travel &lt;after all&gt; &amp; sorry" in rendered.html
    assert "<b>Eve</b> O'Hara & Co" in rendered.text


def test_a_line_break_in_a_name_cannot_add_a_header() -> None:
    rendered = Rendered(subject="Hello", text="t", html="<p>h</p>")
    envelope = compose(
        rendered=rendered,
        sender=Address("S", addr_spec="s@example.org"),
        to_name="Eve\r\nBcc: victim@example.org",
        to_address="eve@example.org",
        message_id="<x@example.org>",
        date=datetime.now(UTC),
    )
    parsed = BytesParser(policy=policy.default).parsebytes(envelope.message)
    assert parsed["Bcc"] is None
    assert parsed["To"].addresses[0].display_name == "Eve Bcc: victim@example.org"


def test_money_and_dates_follow_the_delegates_locale_in_the_congress_timezone() -> None:
    assert format_money(Money(amount_minor=42000, currency="EUR"), locale_for("de")) == "420,00\xa0€"
    assert format_money(Money(amount_minor=42000, currency="EUR"), locale_for("en")) == "€420.00"
    assert format_money(Money(amount_minor=5000, currency="JPY"), locale_for("ja")) == "￥5,000"
    assert str(locale_for("not a language")) == "en"
    # paid 2026-11-03 09:30 UTC is 18:30 in Yokohama (Asia/Tokyo)
    rendered, _ = render_example("payment_confirmed", given="A", family="B", language="en")
    assert "November 3, 2026, 6:30:00\u202fPM +0900" in rendered.text
    assert load_congress().timezone == "Asia/Tokyo"


@pytest.mark.parametrize("template", MESSAGE_TYPES)
def test_hidden_characters_stored_before_the_text_rule_never_reach_a_mail(template: str) -> None:
    """Issue 12, finding 8: a NUL, BEL, ESC or bidi override in an old event's name shows as the clean name."""
    rendered, _ = render_example(template, given="Ma\x00ri\x07a\x1b[0m", family="\u202eO'Brien\u2066", language="en")
    for part in (rendered.subject, rendered.text, rendered.html):
        assert not [c for c in part if c in "\x00\x07\x1b\u202e\u2066"], template
    assert "Mari a[0m".replace(" ", "") in rendered.text and "O'Brien" in rendered.text


@pytest.mark.parametrize("language", ["en", *SHIPPED])
def test_the_waiting_list_offer_says_its_page_can_also_decline(language: str) -> None:
    """The link opens the offer's page (opening it takes nothing); the mail says the place can be declined there."""
    rendered, context = render_example("waiting_list_offer", given="Zoë", family="Ørsted", language=language)
    line = {"en": "decline it on the same page", "fr": "refusez-la", "es": "rechácela", "de": "lehnen Sie ihn"}
    assert line[language] in rendered.text and line[language] in rendered.html
    assert context["accept_url"] in rendered.text  # the same link as before: mails already sent keep working
