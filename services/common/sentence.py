"""A sentence made in Python with a number or a word in it, that a page can say in its own language.

Standard library only: domain modules use it. A domain's message is English (what ``str`` gives: the JSON
API, logs, tests compare it as any string). A fixed message is a plain ``str`` marked with ``N_()`` where it
is shown; one with values in it is a ``Sentence``, which also keeps its msgid, its plural msgid and the count
that chooses between them (the language's plural rule, ``ngettext``), and the values of its ``%(name)s``
placeholders. The ``wording`` filter (``services.common.page_language``) translates the msgid and fills in
the same values: numbers written the page's way (``20 000``), a value that is itself a ``Sentence`` (a
format's name) translated in turn, any other value as it is (never markup: the page escapes it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Sentence(str):
    """English as ``str``; ``msgid``/``plural``/``n``/``values`` for a page to say it in its language."""

    msgid: str
    plural: str | None
    n: int | None
    """The count that picks the plural form (``str.count`` is taken)."""
    values: Mapping[str, Any]

    def __new__(cls, msgid: str, plural: str | None = None, n: int | None = None, /, **values: Any) -> Sentence:
        if (plural is None) != (n is None):
            raise ValueError("a plural needs its count, and a count its plural")
        template = msgid if plural is None or n == 1 else plural
        made = super().__new__(cls, template % {name: english(value) for name, value in values.items()})
        made.msgid, made.plural, made.n, made.values = msgid, plural, n, dict(values)
        return made

    @property
    def key(self) -> str | tuple[str, str]:
        """What ``pybabel extract`` calls this message: the msgid, or (singular, plural)."""
        return self.msgid if self.plural is None else (self.msgid, self.plural)


def english(value: Any) -> str:
    """A value as the English sentence shows it (``20,000``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def N_(message: str) -> str:  # noqa: N802 -- gettext's conventional name for "mark for extraction, translate later"
    """Mark ``message`` for ``pybabel extract``; it is translated where it is shown (the ``wording`` filter)."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 -- as N_, for a plural
    """Mark a plural msgid for ``pybabel extract`` (``keywords = N_plural:1,2`` in ``babel.cfg``)."""
    return singular, plural
