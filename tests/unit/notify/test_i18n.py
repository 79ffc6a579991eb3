"""Translated mail: every message type in every shipped language, complete catalogs, encoded subjects, fallback."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from typer.testing import CliRunner

from services.notify.adapters.render import LOCALE_DIR, TEMPLATE_DIR
from services.notify.cli import MESSAGE_TYPES, app, render_example
from tests.unit.notify.examples import compose_example

SHIPPED = {"fr": "Bien cordialement,", "es": "Saludos cordiales,", "de": "Mit freundlichen Grüßen"}
"""Each shipped language and its closing line (which the English wording never contains)."""
NAMES = [("Zoë", "Ørsted-Müller"), ("Анна", "Иванова"), ("فاطمة", "الزهراء"), ("小明", "王"), ("Nguyễn", "Thị Ánh")]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted_msgids() -> set[str]:
    """What ``pybabel extract -F babel.cfg`` finds in the templates now."""
    with (LOCALE_DIR.parent / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)  # type: ignore[no-untyped-call]  # babel is untyped
    return {str(message) for _, _, message, _, _ in extract_from_dir(str(TEMPLATE_DIR), method_map, options_map)}


def test_every_shipped_catalog_translates_every_message_with_the_same_placeholders() -> None:
    msgids = extracted_msgids()
    assert len(msgids) > 50
    with (LOCALE_DIR / "messages.pot").open("rb") as f:
        assert {m.id for m in read_po(f) if m.id} == msgids, "messages.pot is stale: run pybabel extract"
    for language in SHIPPED:
        with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
            catalog = read_po(f)
        entries = {m.id: m for m in catalog if m.id}
        assert set(entries) == msgids, f"{language}: missing {msgids - set(entries)}, obsolete {set(entries) - msgids}"
        for msgid, entry in entries.items():
            string = entry.string
            assert isinstance(string, str)
            assert string.strip(), f"{language}: untranslated {msgid!r}"
            assert not entry.fuzzy, f"{language}: fuzzy {msgid!r}"
            assert sorted(PLACEHOLDER.findall(string)) == sorted(PLACEHOLDER.findall(str(msgid))), (language, msgid)


@pytest.mark.parametrize("language", sorted(SHIPPED))
@pytest.mark.parametrize("template", MESSAGE_TYPES)
def test_every_template_renders_in_every_shipped_language(template: str, language: str) -> None:
    for given, family in NAMES:
        rendered, context = render_example(template, given=given, family=family, language=language)
        assert rendered.subject.startswith("ICSEI 2027") and "\n" not in rendered.subject
        assert given in rendered.text and family in rendered.text and given in rendered.html
        assert SHIPPED[language] in rendered.text and SHIPPED[language] in rendered.html
        assert "With best wishes" not in rendered.text + rendered.html
        assert f'<html lang="{language}">' in rendered.html
        assert "%(" not in rendered.subject + rendered.text + rendered.html
        assert "40th International Congress for School Effectiveness and Improvement" in rendered.text  # not translated
        envelope = compose_example(rendered, context, "someone@example.org")
        assert envelope.message.isascii()
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.message)
        assert str(parsed["Subject"]) == rendered.subject
        assert parsed["To"].addresses[0].display_name == context["recipient"].name


def test_a_non_ascii_subject_is_encoded_and_decodes_back() -> None:
    rendered, context = render_example("registration_cancelled", given="Zoë", family="Müller", language="fr")
    assert rendered.subject == "ICSEI 2027\u00a0: votre inscription est annulée"
    envelope = compose_example(rendered, context, "zoe@example.org")
    subject_line = next(line for line in envelope.message.split(b"\r\n") if line.startswith(b"Subject:"))
    assert b"=?utf-8?" in subject_line.lower()
    assert str(BytesParser(policy=policy.default).parsebytes(envelope.message)["Subject"]) == rendered.subject


def test_html_values_stay_escaped_inside_translated_sentences() -> None:
    rendered, _ = render_example("registration_cancelled", given="<b>Eve</b>", family="O'Hara & Co", language="de")
    assert "Bonjour" not in rendered.html and "&lt;b&gt;Eve&lt;/b&gt;" in rendered.html
    assert "Cannot travel &lt;after all&gt; &amp; sorry" in rendered.html
    assert "<strong>ICSEI27-0001</strong>" in rendered.html  # our own markup passes through


@pytest.mark.parametrize(
    ("language", "wording"),
    [("fr-CA", "fr"), ("de_AT", "de"), ("es-MX", "es"), ("ja", "en"), ("pt-BR", "en"), ("", "en")],
)
def test_regional_variants_use_their_language_and_others_fall_back_to_english(language: str, wording: str) -> None:
    rendered, _ = render_example("badge_ready", given="A", family="B", language=language)
    assert f'<html lang="{wording}">' in rendered.html
    closing = SHIPPED.get(wording, "With best wishes,")
    assert closing in rendered.text


def test_the_cli_previews_a_language() -> None:
    result = CliRunner().invoke(app, ["preview", "registration_confirmed", "--language", "fr"])
    assert result.exit_code == 0, result.output
    assert "votre inscription ICSEI27-0001 est confirmée" in result.output
    assert "Nous nous réjouissons de vous accueillir à Yokohama." in result.output


def test_catalogs_are_found_where_the_docs_say() -> None:
    assert sorted(p.parent.parent.name for p in Path(LOCALE_DIR).glob("*/LC_MESSAGES/messages.po")) == sorted(SHIPPED)
