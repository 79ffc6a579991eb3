"""WeasyPrint plumbing for badges: a minimal user-agent sheet, the cut-font cache, warm-up names."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from weasyprint import CSS, HTML

BADGE_UA = """
html, body, section, div { display: block }
head, style, script, title, meta, link { display: none }
b { font-weight: bold }
img { overflow: hidden }
[dir=ltr i] { direction: ltr }
[dir=rtl i] { direction: rtl }
"""
"""The only user-agent rules a badge needs (WeasyPrint's HTML5 sheet has ~250, matched against every element)."""


class BadgeHTML(HTML):  # type: ignore[misc]  # WeasyPrint ships no type hints
    """An HTML document styled with ``BADGE_UA`` instead of the HTML5 user-agent sheet, no presentational hints."""

    def __init__(self, *, ua: list[CSS], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ua = ua

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return self.ua

    def _ph_stylesheets(self) -> list[CSS]:
        return []


def default_font_cache() -> Path:
    return Path(tempfile.gettempdir()) / "congress-badges-fonts"


WARM_UP_NAMES = (
    ("Jürgen Ørjan", "Łukasz Şahin", "de"),
    ("Anna", "Smith", "en"),
    ("Иван", "Петров", "ru"),
    ("Ελένη", "Γεωργίου", "el"),
    ("محمد", "حسن", "ar"),
    ("אברהם", "כהן", "he"),
    ("राहुल", "वर्मा", "hi"),
    ("সৌরভ", "বসু", "bn"),
    ("முத்து", "ராமன்", "ta"),
    ("สมชาย", "ใจดี", "th"),
    ("ნინო", "ბერიძე", "ka"),
    ("Արամ", "Սարգսյան", "hy"),
    ("አበበ", "ቢቂላ", "am"),
    ("さくら", "山田", "ja"),
    ("伟", "王", "zh"),
    ("민준", "김", "ko"),
    ("偉", "陳", "zh-Hant"),
)
"""One name per script of the congress's usual delegates, in that script's main language, and per CJK language,
for ``warm``. Pango keeps a font set per (chain, language, weight, size): a name alone in its script, in its
language, is what the desk meets most; each is rendered in bold and in regular. (Was: several scripts in one
name under one language, a chain and language no delegate has, so the first real name of each script paid.)"""
