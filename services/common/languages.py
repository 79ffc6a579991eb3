"""The languages a delegate, author or reviewer may choose for pages, emails and name rendering.

A BCP 47 tag and the language's own name. Emails are written in the languages notify has
catalogues for and fall back to English; the tag also selects CJK glyph forms on badges.
"""

from __future__ import annotations

from typing import Final

LANGUAGES: Final = (
    ("en", "English"),
    ("ja", "日本語"),
    ("zh", "中文"),
    ("ko", "한국어"),
    ("ar", "العربية"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("pt", "Português"),
    ("nl", "Nederlands"),
)
