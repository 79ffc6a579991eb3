"""A sentence made in Python with numbers in it: English as a ``str``, said in a page's language by its msgid."""

from __future__ import annotations

from gettext import NullTranslations

import pytest

from services.common.page_language import say
from services.common.sentence import Sentence


class Broken(NullTranslations):
    """A catalog whose translation lost a placeholder's name."""

    def gettext(self, message: str) -> str:
        return "Adresse déjà donnée pour %(nombre)s."


def test_a_sentence_is_its_english_and_keeps_what_a_page_needs() -> None:
    one = Sentence("%(num)s paper", "%(num)s papers", 1, num=1)
    many = Sentence("%(num)s paper", "%(num)s papers", 20000, num=20000)
    assert (one, many) == ("1 paper", "20,000 papers") and isinstance(many, str)
    assert many.key == ("%(num)s paper", "%(num)s papers") and Sentence("Author %(n)s", n=2).key == "Author %(n)s"
    assert say(NullTranslations(), many, "de") == "20.000 papers"  # no catalog: the msgid, numbers the page's way
    with pytest.raises(ValueError, match="count"):
        Sentence("%(num)s paper", "%(num)s papers", num=2)


def test_a_translation_with_a_broken_placeholder_shows_the_english_not_an_error() -> None:
    message = Sentence("This email is already given for author %(number)s.", number=2)
    assert say(Broken(), message, "fr") == "This email is already given for author 2."
