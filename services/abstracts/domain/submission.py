"""The abstracts context's rules, standard library only: words, deadlines, validation, assignment, scores.

Word count: Chinese and Japanese are written without spaces, so every Han ideograph and
every kana counts as one word; everything else (Latin, Cyrillic, Arabic, and Korean, which
separates its words with spaces) counts one word per whitespace-separated run that holds
a letter or a digit. A token mixing both, e.g. ``東京でresearch``, counts its ideographs
and kana one each plus one for each non-CJK run between them.

Deadlines are Anywhere on Earth (UTC-12): a deadline *day* is open until 23:59:59 of that
day in UTC-12, i.e. 12:00 UTC the next day.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone

from services.common.text import problem as text_problem
from services.common.text import tidy

AOE = timezone(timedelta(hours=-12), "AoE")
FORMATS = ("paper", "symposium", "poster", "workshop", "roundtable")
KEYWORD_SPLIT = re.compile(r"[,;、，；]")
NAME_FIELDS = (
    ("given_name", "given name", 200),
    ("family_name", "family name", 200),
    ("affiliation", "institution", 300),
)
MAX_TEXT_CHARS = 20_000

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


Errors = dict[str, str]


def parse_keywords(raw: str) -> tuple[str, ...]:
    """Keywords separated by commas or semicolons (also the ideographic ones), blanks dropped."""
    return tuple(k for k in (nfc(part) for part in KEYWORD_SPLIT.split(raw)) if k)


def validate(draft: Draft, rules: SubmissionRules, is_email: Callable[[str], bool]) -> Errors:
    """Every problem with the draft, keyed by field path (``authors.1.email``), in words a person understands."""
    errors: Errors = {}
    if draft.format not in rules.word_limits:
        errors["format"] = "Choose a format: paper, symposium, poster, workshop or roundtable."
    if draft.network not in rules.networks:
        errors["network"] = "Choose the network your abstract is for."
    if not draft.title:
        errors["title"] = "Please give your abstract a title."
    elif len(draft.title) > rules.title_max_chars:
        errors["title"] = f"The title is {len(draft.title)} characters long; at most {rules.title_max_chars} please."
    errors.update(_text_errors(draft, rules))
    if len(draft.keywords) > rules.max_keywords:
        errors["keywords"] = f"At most {rules.max_keywords} keywords please (you gave {len(draft.keywords)})."
    elif any(len(k) > 60 for k in draft.keywords):
        errors["keywords"] = "Each keyword can be at most 60 characters."
    if draft.language not in rules.languages:
        errors["language"] = "Choose the language the abstract is written in."
    if not is_email(draft.submitter_email):
        errors["submitter_email"] = "Enter an email address like name@example.org."
    errors.update(_authors_errors(draft.authors, rules, is_email))
    errors.update(character_errors(draft))
    return errors


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
    if not draft.text:
        return {"text": "Please paste or type the abstract."}
    if len(draft.text) > MAX_TEXT_CHARS:
        return {"text": f"The abstract can be at most {MAX_TEXT_CHARS:,} characters long."}
    limit = rules.word_limits.get(draft.format)
    if limit is None:
        return {}
    words = count_words(draft.text)
    if words < limit.min_words:
        return {"text": f"A {draft.format} abstract needs at least {limit.min_words} words; this one has {words}."}
    if words > limit.max_words:
        return {"text": f"A {draft.format} abstract can have at most {limit.max_words} words; this one has {words}."}
    return {}


def _authors_errors(authors: Sequence[AuthorDraft], rules: SubmissionRules, is_email: Callable[[str], bool]) -> Errors:
    if not authors:
        return {"authors": "List at least one author."}
    if len(authors) > rules.max_authors:
        return {"authors": f"At most {rules.max_authors} authors please (you listed {len(authors)})."}
    errors: Errors = {}
    seen: dict[str, int] = {}
    for i, author in enumerate(authors):
        path = f"authors.{i}."
        for name, label, longest in NAME_FIELDS:
            value = getattr(author, name)
            if not value:
                errors[path + name] = f"Please fill in the author's {label}."
            elif len(value) > longest:
                errors[path + name] = f"The {label} can be at most {longest} characters."
        if author.country not in rules.countries:
            errors[path + "country"] = "Choose the country of the author's institution."
        if not is_email(author.email):
            errors[path + "email"] = "Enter an email address like name@example.org."
        elif author.email.casefold() in seen:
            errors[path + "email"] = f"This email is already given for author {seen[author.email.casefold()] + 1}."
        else:
            seen[author.email.casefold()] = i
    if not any(a.presenting for a in authors):
        errors["authors"] = "Tick 'presenting' for at least one author."
    return errors


# --- Reviewer assignment -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A reviewer as the assignment sees them."""

    reviewer_id: str
    email: str
    affiliation: str
    networks: frozenset[str]


@dataclass(frozen=True)
class Need:
    """An abstract that may need reviewers: who wrote it, who already reviews it, who must not."""

    abstract_id: str
    reference: str
    network: str
    author_emails: frozenset[str]
    author_affiliations: frozenset[str]
    assigned: frozenset[str] = frozenset()
    excluded: frozenset[str] = frozenset()
    """Reviewers taken off this abstract before (a declared conflict): never assigned again."""


@dataclass(frozen=True)
class Shortfall:
    abstract_id: str
    reference: str
    reason: str


@dataclass
class AssignmentPlan:
    pairs: list[tuple[str, str]] = field(default_factory=list)
    """(abstract id, reviewer id) to assign, in the order chosen."""
    shortfalls: list[Shortfall] = field(default_factory=list)
    fallbacks: list[tuple[str, str]] = field(default_factory=list)
    """Pairs of ``pairs`` whose reviewer is from another network (only when the organisers allow it)."""


def conflicted(reviewer: Candidate, need: Need) -> bool:
    """An author of the abstract, or from the same institution as any author (case/accent-insensitive)."""
    if reviewer.email.casefold() in {e.casefold() for e in need.author_emails}:
        return True
    mine = fold(reviewer.affiliation)
    return bool(mine) and mine in {fold(a) for a in need.author_affiliations}


def assign(
    needs: Iterable[Need], reviewers: Sequence[Candidate], per_abstract: int, load: Mapping[str, int]
) -> AssignmentPlan:
    """Give every abstract ``per_abstract`` reviewers of its network, never conflicted, balancing load.

    Deterministic: the abstracts with the fewest eligible reviewers are served first (then by
    reference), and each takes the least-loaded eligible reviewers (ties by reviewer id). An
    abstract that cannot be filled takes whom it can and is reported with the reason.
    """
    current = dict(load)
    plan = AssignmentPlan()
    allowed = {need: eligible(need, reviewers) for need in needs if len(need.assigned) < per_abstract}
    for need in sorted(allowed, key=lambda n: (len(allowed[n]), n.reference)):
        wanted = per_abstract - len(need.assigned)
        chosen = sorted(allowed[need], key=lambda r: (current.get(r.reviewer_id, 0), r.reviewer_id))[:wanted]
        for reviewer in chosen:
            plan.pairs.append((need.abstract_id, reviewer.reviewer_id))
            current[reviewer.reviewer_id] = current.get(reviewer.reviewer_id, 0) + 1
        if len(chosen) < wanted:
            plan.shortfalls.append(
                Shortfall(need.abstract_id, need.reference, shortfall_reason(need, reviewers, chosen))
            )
    return plan


def eligible(need: Need, reviewers: Sequence[Candidate]) -> list[Candidate]:
    """The reviewers who may review this abstract: its network, no conflict, not on it or taken off it."""
    return [
        r
        for r in reviewers
        if need.network in r.networks
        and r.reviewer_id not in need.assigned
        and r.reviewer_id not in need.excluded
        and not conflicted(r, need)
    ]


def shortfall_reason(need: Need, reviewers: Sequence[Candidate], chosen: Sequence[Candidate]) -> str:
    in_network = [r for r in reviewers if need.network in r.networks]
    has = len(need.assigned) + len(chosen)
    if not in_network:
        return f"no reviewer reviews for network {need.network}; has {has}"
    conflicts = sum(1 for r in in_network if conflicted(r, need))
    excluded = sum(1 for r in in_network if r.reviewer_id in need.excluded and not conflicted(r, need))
    parts = [f"only {has} reviewer(s) available in network {need.network}"]
    if conflicts:
        parts.append(f"{conflicts} excluded as an author or from an author's institution")
    if excluded:
        parts.append(f"{excluded} taken off it before")
    return "; ".join(parts)


# --- Reviews and decisions ------------------------------------------------------------------------------


def score_errors(scores: Mapping[str, int | None], criteria: Sequence[str]) -> Errors:
    """Each rubric criterion scored 1-5; no unknown criteria."""
    errors: Errors = {}
    for code in criteria:
        value = scores.get(code)
        if value is None or not 1 <= value <= 5:
            errors[f"scores.{code}"] = "Give a score from 1 (weak) to 5 (excellent)."
    for code in scores:
        if code not in criteria:
            errors[f"scores.{code}"] = "This is not a criterion of the rubric."
    return errors


def review_mean(scores: Mapping[str, int]) -> float:
    return statistics.fmean(scores.values())


def mean_score(reviews: Iterable[Mapping[str, int]]) -> float | None:
    """Mean of the reviews' own means (each review counts once), two decimals; None without reviews."""
    means = [review_mean(s) for s in reviews if s]
    return round(statistics.fmean(means), 2) if means else None
