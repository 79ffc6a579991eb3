"""The delegate pages' catalogs (registration, abstracts): complete in every shipped language, current with
the templates and Python (``pybabel extract``), placeholders intact; and the words defined outside them."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from schemas.values import RegistrationStatus
from services.abstracts.domain import submission, symposium
from services.abstracts.domain.abstract import Status as AbstractStatus
from services.abstracts.domain.submission import AuthorDraft, PaperDraft, PersonDraft
from services.abstracts.web import wording as abstracts_wording
from services.common import hidden_wording, text
from services.common.page_language import OFFERED, load_catalogs, translator
from services.common.sentence import Sentence
from services.registration.domain.privacy import ACCESS_LABELS, DIET_LABELS
from services.registration.web import wording
from tests.unit.abstracts.test_domain import is_email
from tests.unit.abstracts.test_symposium import CHAIR, RULES_WITH_SYMPOSIUM, errors_of, sym_draft

SERVICES = Path(__file__).resolve().parents[2] / "services"
PAGE_SERVICES = ("registration", "abstracts")
HIDDEN_WORDING = SERVICES / "common" / "hidden_wording.py"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted(service: str) -> set[Any]:
    """What ``pybabel extract -F babel.cfg . ../common/hidden_wording.py`` finds in the service now."""
    root = SERVICES / service
    with (root / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)  # type: ignore[no-untyped-call]  # babel is untyped
    found = {message for _, _, message, _, _ in extract_from_dir(str(root), method_map, options_map)}
    return found | {message for _, message, _, _ in extract_from_file("python", str(HIDDEN_WORDING))}


def texts(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, (tuple, list)) else [str(value)]


@pytest.mark.parametrize("service", PAGE_SERVICES)
def test_every_page_catalog_is_complete_and_current(service: str) -> None:
    locale_dir = SERVICES / service / "locale"
    msgids = {m if isinstance(m, str) else tuple(m) for m in extracted(service)}
    assert len(msgids) > 30
    with (locale_dir / "messages.pot").open("rb") as f:
        assert {m.id for m in read_po(f) if m.id} == msgids, "messages.pot is stale: run pybabel extract"
    for language in OFFERED[1:]:
        with (locale_dir / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
            entries = {m.id: m for m in read_po(f) if m.id}
        assert set(entries) == msgids, f"{language}: missing {msgids - set(entries)}, obsolete {set(entries) - msgids}"
        for msgid, entry in entries.items():
            assert all(s.strip() for s in texts(entry.string)), f"{language}: untranslated {msgid!r}"
            assert not entry.fuzzy, f"{language}: fuzzy {msgid!r}"
            wanted = sorted(PLACEHOLDER.findall(texts(msgid)[-1]))
            assert all(sorted(PLACEHOLDER.findall(s)) == wanted for s in texts(entry.string)), (language, msgid)


def test_statuses_and_needs_labels_are_marked_and_translated() -> None:
    assert set(wording.STATUSES) == {s.value for s in RegistrationStatus}
    assert set(wording.LABELS) == set(DIET_LABELS.values()) | set(ACCESS_LABELS.values())
    catalogs = load_catalogs(SERVICES / "registration" / "locale")
    french = translator(catalogs, "fr")
    assert french("Vegetarian") == "Végétarien" and french("confirmed") == "confirmée"
    assert translator(catalogs, "en")("Vegetarian") == "Vegetarian"


def test_abstract_statuses_are_marked_and_translated() -> None:
    assert set(abstracts_wording.STATUSES) == {s.value for s in AbstractStatus}
    german = translator(load_catalogs(SERVICES / "abstracts" / "locale"), "de")
    assert german("withdrawn") == "zurückgezogen"


def test_a_symposiums_fixed_messages_are_marked_and_translated() -> None:
    """Every message ``domain.symposium`` gives for a blank chair, discussant and paper, and for a symposium
    without papers or papers without a symposium, is one the authors' pages translate."""
    blank = PersonDraft("", "", "", "", "")
    paper = PaperDraft("", "one two three four five", (AuthorDraft("", "", "a@example.org", "", "JP", True),))
    draft = sym_draft(chair=blank, discussant=replace(blank, email=CHAIR.email), papers=(paper,) * 3)
    messages = set(errors_of(draft).values()) | {
        errors_of(replace(sym_draft(), symposium=None))["symposium"],
        errors_of(replace(sym_draft(), format="paper", authors=(paper.authors[0],)))["symposium"],
        *symposium.person_errors("p.", CHAIR, "discussant", RULES_WITH_SYMPOSIUM, is_email).values(),
        *symposium.person_errors("p.", blank, "discussant", RULES_WITH_SYMPOSIUM, is_email).values(),
    }
    messages.discard("Enter an email address like name@example.org.")  # marked with the abstract's own
    assert messages <= set(abstracts_wording.SYMPOSIUM_MESSAGES), messages - set(abstracts_wording.SYMPOSIUM_MESSAGES)
    catalogs = load_catalogs(SERVICES / "abstracts" / "locale")
    for language in OFFERED[1:]:
        say = translator(catalogs, language)
        assert all(say(m) != m for m in abstracts_wording.SYMPOSIUM_MESSAGES), language


def counted_messages() -> list[Sentence]:
    """One of each message with a number or a word in it that the authors' pages can show."""
    long_name = replace(CHAIR, given_name="x" * 201, family_name="y" * 201, affiliation="z" * 301)
    author = AuthorDraft("A", "B", "a@example.org", "Inst", "JP", True)
    crowded = replace(
        sym_draft(),
        format="paper",
        title="t" * 201,
        keywords=tuple("abcdef"),
        text="one",
        authors=(author,) * 11,
        symposium=None,
    )
    draft = sym_draft().symposium
    assert draft is not None
    found = [
        *errors_of(replace(crowded, authors=(author, author))).values(),
        *errors_of(crowded).values(),
        *errors_of(sym_draft(2, chair=long_name)).values(),
        *symposium.symposium_errors(
            replace(draft, papers=(PaperDraft("p" * 201, "one two three four five", (author,)),)),
            RULES_WITH_SYMPOSIUM,
            is_email,
        ).values(),
        submission.text_error("word " * 20, "paper", RULES_WITH_SYMPOSIUM),
        submission.text_error("x" * 20_001, "paper", RULES_WITH_SYMPOSIUM),
        text.problem("a\x07b"),
        text.problem("a\u202eb"),
        text.problem("a\ufffab"),
        text.problem("a\nb"),
    ]
    return [m for m in found if isinstance(m, Sentence)]


def test_the_messages_with_numbers_are_marked_and_said_with_each_languages_plural() -> None:
    said = counted_messages()
    marked = set(abstracts_wording.COUNTED) | set(abstracts_wording.SENTENCES)
    assert len({m.key for m in said}) >= 14 and {m.key for m in said} <= marked, {m.key for m in said} - marked
    catalogs = load_catalogs(SERVICES / "abstracts" / "locale")
    for language in OFFERED[1:]:
        say = translator(catalogs, language)
        assert all(say(m) != str(m) and "%(" not in say(m) for m in said), language
    one, two = (errors_of(sym_draft(n)) for n in (1, 2))
    german, french = translator(catalogs, "de"), translator(catalogs, "fr")
    assert german(one["symposium.papers"]).endswith("Sie haben 1 Beitrag angegeben.")
    assert german(two["symposium.papers"]).endswith("Sie haben 2 Beiträge angegeben.")
    few = replace(RULES_WITH_SYMPOSIUM, max_keywords=1)
    drafted = replace(sym_draft(), keywords=("a", "b"))
    assert french(symposium.validate(drafted, few, is_email)["keywords"]).startswith("Au plus 1 mot-clé,")
    assert french(errors_of(replace(drafted, keywords=tuple("abcdef")))["keywords"]).startswith("Au plus 2 mots-clés,")
    too_long = submission.text_error("x" * 20_001, "paper", RULES_WITH_SYMPOSIUM)
    assert too_long == "The abstract can be at most 20,000 characters long."
    assert french(str(too_long)) == "The abstract can be at most 20,000 characters long."  # a plain str stays as is
    assert french(too_long) == "Le résumé peut compter au plus 20\u202f000 caractères."  # the number the page's way


def test_the_hidden_character_sentences_are_written_once_and_said_by_every_page_service() -> None:
    said = {
        m.msgid if isinstance(m, Sentence) else m for m in map(text.problem, ("a\nb", "a\x07b", "a\u202eb", "a\ufffab"))
    }
    assert said == set(hidden_wording.SENTENCES)
    for sentence in hidden_wording.SENTENCES:
        opening = sentence.split("(")[0][:40]
        written = [p for p in SERVICES.rglob("*.py") if opening in p.read_text(encoding="utf-8")]
        assert written == [HIDDEN_WORDING], (opening, written)
    assert set(hidden_wording.SENTENCES) <= set(wording.SENTENCES) & set(abstracts_wording.SENTENCES)
    for service in PAGE_SERVICES:
        catalogs = load_catalogs(SERVICES / service / "locale")
        for language in OFFERED[1:]:
            say = translator(catalogs, language)
            shown = [say(Sentence(s, character="U+202E")) if "%(" in s else say(s) for s in hidden_wording.SENTENCES]
            assert all(t not in hidden_wording.SENTENCES and "%(" not in t for t in shown), (service, language)


def test_the_web_guards_refusals_have_their_own_complete_catalog() -> None:
    """The guard serves every service, so its refusal page's words live in ``services/common/locale``."""
    from services.common import guard_wording

    source = SERVICES / "common" / "guard_wording.py"
    msgids = {message for _, message, _, _ in extract_from_file("python", str(source))}
    assert msgids == set(guard_wording.SENTENCES)
    locale_dir = guard_wording.LOCALE
    with (locale_dir / "messages.pot").open("rb") as f:
        assert {m.id for m in read_po(f) if m.id} == msgids, "messages.pot is stale: run pybabel extract"
    for language in OFFERED[1:]:
        with (locale_dir / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
            entries = {m.id: m for m in read_po(f) if m.id}
        assert set(entries) == msgids, language
        for msgid, entry in entries.items():
            assert str(entry.string).strip() and not entry.fuzzy, (language, msgid)
            placeholders = sorted(PLACEHOLDER.findall(str(entry.string)))
            assert placeholders == sorted(PLACEHOLDER.findall(msgid)), (language, msgid)
    said = translator(load_catalogs(locale_dir), "de")(guard_wording.other_origin("https://evil.example"))
    assert said.startswith("Abgelehnt:") and "(https://evil.example)" in said
