"""One rule for text a person wrote, at every input and every output (docs/ARCHITECTURE.md, decision 26).

At an input (``SingleLine``/``MultiLine`` fields, or ``clean_input``): Unicode NFC; line breaks
written ``\\n``; surrounding whitespace and invisible characters (zero-width space, word joiner,
byte-order mark, soft hyphen, a stray joiner) removed, as is a byte-order mark anywhere — nobody
means those. Refused with a message a person understands, naming the character: C0/C1 control
characters (NUL, BEL, ESC, DEL, …; only a multi-line field keeps newline and tab), bidi
embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), interlinear annotation marks,
tag characters outside an emoji flag and lone surrogates. Legitimate invisible characters stay
untouched: ZWJ/ZWNJ (Persian, Indic scripts, emoji), the direction marks LRM/RLM/ALM, and
everything Arabic, Hebrew or CJK.

At an output (``clean_for_display``): the same characters removed instead of refused, so text
stored before the rule (or arriving in old events) shows as it would have been accepted.
``csv_cell`` writes a spreadsheet cell that can never run as a formula.

Its messages are ``Sentence``s (``services.common.sentence``): a delegate page says them in its language.

Standard library and pydantic only: domain modules may use it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from services.common import hidden_wording
from services.common.sentence import Sentence

_DIRECTION_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
"""LRE RLE PDF LRO RLO and LRI RLI FSI PDI: they reorder the text around them (spoofing)."""
_ANNOTATION = frozenset("\ufff9\ufffa\ufffb")
_EDGE_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
"""Zero-width space, ZWNJ, ZWJ, word joiner, BOM, soft hyphen, Mongolian vowel separator: at an edge, meaningless."""
_TAGS = range(0xE0000, 0xE0080)
_BLACK_FLAG = "\U0001f3f4"
_FORMULA_START = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
"""What a spreadsheet may take as the start of a formula (full-width forms too)."""


_CONTROL_NAMES = {
    "\x00": "NULL",
    "\x07": "BELL",
    "\x08": "BACKSPACE",
    "\x0b": "VERTICAL TAB",
    "\x0c": "FORM FEED",
    "\r": "CARRIAGE RETURN",
    "\x1b": "ESCAPE",
    "\x7f": "DELETE",
    "\x85": "NEXT LINE",
}


def _name(char: str) -> str:
    name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}".rstrip()


def _tag_allowed(text: str, index: int) -> bool:
    """A tag character belongs to an emoji flag (🏴 + tags + cancel tag), nowhere else."""
    before = text[index - 1] if index else ""
    return before == _BLACK_FLAG or (before != "" and ord(before) in _TAGS)


def problem(text: str, *, multiline: bool = False) -> str | None:
    """What is wrong with ``text`` (already through ``tidy``), in words, or None if nothing."""
    for index, char in enumerate(text):
        code = ord(char)
        if char in "\n\t" or char in "\u2028\u2029":
            if multiline:
                continue
            return hidden_wording.ONE_LINE
        category = unicodedata.category(char)
        if category == "Cc":
            return Sentence(hidden_wording.CONTROL, character=_name(char))
        if char in _DIRECTION_CONTROLS:
            return Sentence(hidden_wording.DIRECTION, character=_name(char))
        if category == "Cs" or char in _ANNOTATION or (code in _TAGS and not _tag_allowed(text, index)):
            return Sentence(hidden_wording.FORMATTING, character=f"U+{code:04X}")
    return None


def _strip(text: str) -> str:
    """Surrounding whitespace and invisible characters off, a BOM off everywhere."""
    text = text.replace("\ufeff", "")
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or text[start] in _EDGE_INVISIBLE):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _EDGE_INVISIBLE):
        end -= 1
    return text[start:end]


def tidy(text: str, *, multiline: bool = False) -> str:
    """NFC, line breaks as ``\\n`` (multi-line), surrounding whitespace and invisible characters off; never refuses."""
    text = unicodedata.normalize("NFC", text)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    return _strip(text)


def clean_input(text: str, *, multiline: bool = False) -> str:
    """``text`` as it is stored, or ``ValueError`` saying in words what is wrong with it."""
    cleaned = tidy(text, multiline=multiline)
    message = problem(cleaned, multiline=multiline)
    if message:
        raise ValueError(message)
    return cleaned


_HIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufff9-\ufffb\ud800-\udfff]"
    "|(?<![\U0001f3f4\U000e0000-\U000e007f])[\U000e0000-\U000e007f]"
)
"""What ``problem`` refuses in a multi-line text, as one pattern (the output side's fast path)."""


def without_hidden(text: str) -> str:
    """``text`` with exactly the characters the rule refuses removed (newline and tab kept), nothing else touched."""
    return _HIDDEN.sub("", text)


def shown(value: Any) -> Any:
    """Jinja ``finalize`` for every page and email: a string printed goes through ``without_hidden``.

    Markup (a ``str`` subclass, e.g. a translated sentence with a name in it) is cleaned too and stays
    Markup: removing these characters cannot make or break a tag. Layout whitespace is left alone,
    so templates render as they did.
    """
    if not isinstance(value, str):
        return value
    cleaned = without_hidden(value)
    if cleaned == value:
        return value
    return cleaned if type(value) is str else type(value)(cleaned)


def clean_for_display(text: str, *, multiline: bool = False) -> str:
    """``text`` as every page, email, document and CSV shows it: what the input rule refuses, removed.

    Single-line text gets single spaces (a tab or line break in an old row becomes a space);
    multi-line text keeps its newlines and tabs.
    """
    tidied = tidy(text, multiline=multiline)
    return _strip(without_hidden(tidied if multiline else " ".join(tidied.split())))


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text and never runs (OWASP CSV injection advice).

    The text is cleaned first (controls, bidi controls, leading invisible characters gone), so
    nothing hidden before ``=`` can smuggle a formula past the check.
    """
    text = " ".join(map(str, value)) if isinstance(value, list | tuple) else ("" if value is None else str(value))
    cell = clean_for_display(text)
    return "'" + cell if cell[:1] in _FORMULA_START else cell


def _validator(multiline: bool) -> Any:
    def validate(value: Any) -> Any:
        if not isinstance(value, str):
            return value  # the str schema refuses it with its own message
        try:
            return clean_input(value, multiline=multiline)
        except ValueError as exc:
            said = exc.args[0] if exc.args else str(exc)  # the Sentence, for a page to say in its language
            raise PydanticCustomError("text_character", str(exc), {"said": said}) from None

    return BeforeValidator(validate)


SingleLine = Annotated[str, _validator(multiline=False)]
"""A name, affiliation, title, reference: one line of person-written text under the rule above."""
MultiLine = Annotated[str, _validator(multiline=True)]
"""An address, an abstract's text, a comment: newlines and tabs kept, otherwise the same rule."""
