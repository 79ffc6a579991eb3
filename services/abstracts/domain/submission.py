"""What an author submits, and its rules (standard library only): words, deadlines, validation, references.

Word count: Chinese and Japanese are written without spaces, so every Han ideograph and
every kana counts as one word; everything else (Latin, Cyrillic, Arabic, and Korean, which
separates its words with spaces) counts one word per whitespace-separated run that holds
a letter or a digit. A token mixing both, e.g. ``東京でresearch``, counts its ideographs
and kana one each plus one for each non-CJK run between them.

Messages are English; one with a number or a word in it is a ``Sentence`` (``services.common.sentence``)
so that the authors' pages say it in their language with the right plural (``web/wording.py`` marks them).

Deadlines are Anywhere on Earth (UTC-12): a deadline *day* is open until 23:59:59 of that
day in UTC-12, i.e. 12:00 UTC the next day.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from schemas.abstracts import AbstractFormat
from services.common.sentence import Sentence
from services.common.text import problem as text_problem
from services.common.text import tidy

AOE = timezone(timedelta(hours=-12), "AoE")
FORMATS = tuple(f.value for f in AbstractFormat)
"""The formats an author may choose, as typed in a form or JSON (the values of ``AbstractFormat``)."""
KEYWORD_SPLIT = re.compile(r"[,;、，；]")
NAME_FIELDS = (
    ("given_name", "given name", 200),
    ("family_name", "family name", 200),
    ("affiliation", "institution", 300),
)
MAX_TEXT_CHARS = 20_000
SYMPOSIUM = "symposium"
TOO_LONG = {
    "given_name": (
        "The given name can be at most %(most)s character.",
        "The given name can be at most %(most)s characters.",
    ),
    "family_name": (
        "The family name can be at most %(most)s character.",
        "The family name can be at most %(most)s characters.",
    ),
    "affiliation": (
        "The institution can be at most %(most)s character.",
        "The institution can be at most %(most)s characters.",
    ),
}
"""A name field's "too long" message, by field (a sentence each: the field's name is part of the wording)."""

_CJK_RANGES = (
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9D),  # half-width katakana
    (0x20000, 0x3134F),  # CJK extensions B-G
)


def is_cjk_word_char(char: str) -> bool:
    """A Han ideograph or a kana letter: one word each."""
    point = ord(char)
    in_range = any(low <= point <= high for low, high in _CJK_RANGES)
    return in_range and unicodedata.category(char).startswith("L")


def count_words(text: str) -> int:
    """Words in ``text`` by the module's rule (CJK ideographs and kana one each; others by spaces)."""
    total = 0
    for token in text.split():
        in_run = False
        for char in token:
            if is_cjk_word_char(char):
                total += 1
                in_run = False
            elif char.isalnum() and not in_run:
                total += 1
                in_run = True
    return total


def nfc(text: str, *, multiline: bool = False) -> str:
    """Stored exactly as typed, in Unicode NFC, without surrounding whitespace (the one text rule's ``tidy``)."""
    return tidy(text, multiline=multiline)


def fold(text: str) -> str:
    """Case- and accent-insensitive form for comparing institutions (``Universität`` = ``universitat``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", bare).split())


def deadline_end(deadline: date) -> datetime:
    """The first instant after the deadline day has ended everywhere on Earth (UTC)."""
    return datetime.combine(deadline + timedelta(days=1), time(0, 0), tzinfo=AOE).astimezone(UTC)


def is_open(now: datetime, deadline: date) -> bool:
    return now < deadline_end(deadline)


def reference(prefix: str, number: int) -> str:
    """``ICSEI27-A-0042``: gap-free per congress."""
    return f"{prefix}-A-{number:04d}"


# --- Submissions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WordLimit:
    min_words: int
    max_words: int


@dataclass(frozen=True)
class SubmissionRules:
    networks: frozenset[str]
    word_limits: Mapping[str, WordLimit]
    countries: frozenset[str]
    languages: frozenset[str]
    title_max_chars: int = 200
    max_keywords: int = 5
    max_authors: int = 10


@dataclass(frozen=True)
class AuthorDraft:
    given_name: str
    family_name: str
    email: str
    affiliation: str
    country: str
    presenting: bool = False


@dataclass(frozen=True)
class PersonDraft:
    """A symposium's chair or discussant as typed."""

    given_name: str
    family_name: str
    email: str
    affiliation: str
    country: str


@dataclass(frozen=True)
class PaperDraft:
    """One paper of a symposium as typed: its own title, abstract and authors."""

    title: str
    text: str
    authors: tuple[AuthorDraft, ...]


@dataclass(frozen=True)
class SymposiumDraft:
    """What a symposium adds to its abstract (rules: ``domain/symposium.py``)."""

    chair: PersonDraft
    discussant: PersonDraft | None
    papers: tuple[PaperDraft, ...]


@dataclass(frozen=True)
class Draft:
    """An abstract as typed, before validation (every text already NFC)."""

    format: str
    network: str
    title: str
    text: str
    keywords: tuple[str, ...]
    language: str
    authors: tuple[AuthorDraft, ...]
    submitter_email: str
    notice_version: str | None = None
    """The privacy notice version the form showed (None from a client that did not say: the current one)."""
    symposium: SymposiumDraft | None = None
    """A symposium's chair, discussant and papers; its ``authors`` are then the papers' (``symposium.py``)."""

    @property
    def is_symposium(self) -> bool:
        return self.format == SYMPOSIUM


Errors = dict[str, str]


def parse_keywords(raw: str) -> tuple[str, ...]:
    """Keywords separated by commas or semicolons (also the ideographic ones), blanks dropped."""
    return tuple(k for k in (nfc(part) for part in KEYWORD_SPLIT.split(raw)) if k)


def validate(draft: Draft, rules: SubmissionRules, is_email: Callable[[str], bool]) -> Errors:
    """Every problem with the draft, keyed by field path (``authors.1.email``), in words a person understands.

    A symposium's authors are its papers': ``symposium.validate`` checks those, and its chair and papers."""
    errors: Errors = {}
    if draft.format not in rules.word_limits:
        errors["format"] = "Choose a format: paper, symposium, poster, workshop or roundtable."
    if draft.network not in rules.networks:
        errors["network"] = "Choose the network your abstract is for."
    if not draft.title:
        errors["title"] = "Please give your abstract a title."
    elif len(draft.title) > rules.title_max_chars:
        errors["title"] = title_too_long(draft.title, rules)
    errors.update(_text_errors(draft, rules))
    if len(draft.keywords) > rules.max_keywords:
        errors["keywords"] = Sentence(
            "At most %(most)s keyword please (you gave %(num)s).",
            "At most %(most)s keywords please (you gave %(num)s).",
            rules.max_keywords,
            most=rules.max_keywords,
            num=len(draft.keywords),
        )
    elif any(len(k) > 60 for k in draft.keywords):
        errors["keywords"] = "Each keyword can be at most 60 characters."
    if draft.language not in rules.languages:
        errors["language"] = "Choose the language the abstract is written in."
    if not is_email(draft.submitter_email):
        errors["submitter_email"] = "Enter an email address like name@example.org."
    if not draft.is_symposium:
        errors.update(authors_errors(draft.authors, rules, is_email))
    errors.update(character_errors(draft))
    return errors


def title_too_long(title: str, rules: SubmissionRules) -> Sentence:
    """The message for an abstract's or a paper's title over the limit."""
    return Sentence(
        "The title is %(num)s character long; at most %(most)s please.",
        "The title is %(num)s characters long; at most %(most)s please.",
        len(title),
        num=len(title),
        most=rules.title_max_chars,
    )


def too_long(name: str, longest: int) -> Sentence:
    """The message for a name field (``TOO_LONG``'s) over ``longest`` characters."""
    singular, plural = TOO_LONG[name]
    return Sentence(singular, plural, longest, most=longest)


def character_errors(draft: Draft) -> Errors:
    """Control characters and bidi overrides anywhere in the typed text (``services.common.text``)."""
    fields: list[tuple[str, str, bool]] = [("title", draft.title, False), ("text", draft.text, True)]
    fields += [("keywords", k, False) for k in draft.keywords]
    for i, author in enumerate(draft.authors):
        fields += [(f"authors.{i}.{name}", getattr(author, name), False) for name, _, _ in NAME_FIELDS]
    errors: Errors = {}
    for path, value, multiline in fields:
        message = text_problem(value, multiline=multiline)
        if message:
            errors.setdefault(path, message)
    return errors


def _text_errors(draft: Draft, rules: SubmissionRules) -> Errors:
    message = text_error(draft.text, draft.format, rules)
    return {"text": message} if message else {}


def text_error(text: str, fmt: str, rules: SubmissionRules) -> str | None:
    """What is wrong with an abstract's text for its format (missing, too long, outside the word limit)."""
    if not text:
        return "Please paste or type the abstract."
    if len(text) > MAX_TEXT_CHARS:
        return Sentence(
            "The abstract can be at most %(most)s character long.",
            "The abstract can be at most %(most)s characters long.",
            MAX_TEXT_CHARS,
            most=MAX_TEXT_CHARS,
        )
    limit = rules.word_limits.get(fmt)
    if limit is None:
        return None
    words = count_words(text)
    named = Sentence(fmt)  # the format's name: "paper", which a page says in its language
    if words < limit.min_words:
        return Sentence(
            "A %(format)s abstract needs at least %(least)s word; this one has %(num)s.",
            "A %(format)s abstract needs at least %(least)s words; this one has %(num)s.",
            limit.min_words,
            format=named,
            least=limit.min_words,
            num=words,
        )
    if words > limit.max_words:
        return Sentence(
            "A %(format)s abstract can have at most %(most)s word; this one has %(num)s.",
            "A %(format)s abstract can have at most %(most)s words; this one has %(num)s.",
            limit.max_words,
            format=named,
            most=limit.max_words,
            num=words,
        )
    return None


def authors_errors(authors: Sequence[AuthorDraft], rules: SubmissionRules, is_email: Callable[[str], bool]) -> Errors:
    if not authors:
        return {"authors": "List at least one author."}
    if len(authors) > rules.max_authors:
        most = rules.max_authors
        return {
            "authors": Sentence(
                "At most %(most)s author please (you listed %(num)s).",
                "At most %(most)s authors please (you listed %(num)s).",
                most,
                most=most,
                num=len(authors),
            )
        }
    errors: Errors = {}
    seen: dict[str, int] = {}
    for i, author in enumerate(authors):
        path = f"authors.{i}."
        for name, label, longest in NAME_FIELDS:
            value = getattr(author, name)
            if not value:
                errors[path + name] = f"Please fill in the author's {label}."
            elif len(value) > longest:
                errors[path + name] = too_long(name, longest)
        if author.country not in rules.countries:
            errors[path + "country"] = "Choose the country of the author's institution."
        if not is_email(author.email):
            errors[path + "email"] = "Enter an email address like name@example.org."
        elif author.email.casefold() in seen:
            number = seen[author.email.casefold()] + 1
            errors[path + "email"] = Sentence("This email is already given for author %(number)s.", number=number)
        else:
            seen[author.email.casefold()] = i
    if not any(a.presenting for a in authors):
        errors["authors"] = "Tick 'presenting' for at least one author."
    return errors
