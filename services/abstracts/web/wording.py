"""Words the authors' pages show that are made outside the templates: marked here for ``pybabel extract``.

An abstract's status, the messages the domain gives for a draft (``domain.submission``, which stays free
of gettext) and the pages' flash messages are shown through the ``wording`` filter, which translates a
message it knows and shows any other as it is, in English. A message with a number or a word in it is a
``Sentence`` (``services.common.sentence``): its msgid is marked here (``N_plural`` for one with a count),
and the filter fills in its values. tests/unit/test_page_catalogs.py checks the statuses, the symposium's
messages and the counted ones are all here and translated.
"""

from __future__ import annotations

from typing import Final

from services.common import hidden_wording
from services.common.page_language import N_, N_plural

STATUSES: Final = (N_("submitted"), N_("accepted"), N_("rejected"), N_("withdrawn"))
MESSAGES: Final = (
    N_("Choose a format: paper, symposium, poster, workshop or roundtable."),
    N_("Choose the network your abstract is for."),
    N_("Please give your abstract a title."),
    N_("Each keyword can be at most 60 characters."),
    N_("Choose the language the abstract is written in."),
    N_("Enter an email address like name@example.org."),
    N_("Please paste or type the abstract."),
    N_("List at least one author."),
    N_("Choose the country of the author's institution."),
    N_("Tick 'presenting' for at least one author."),
    N_("Your changes are saved."),
    N_("Your abstract is withdrawn."),
    N_("This edit link does not work"),
    N_("This link is for another abstract"),
    N_("Use the edit link you received for this abstract."),
    N_("Not found"),
    N_("There is no such abstract here for you."),
    N_("That cannot be done"),
    N_("Abstract submission is closed"),
)
SYMPOSIUM_MESSAGES: Final = (  # ``domain.symposium``'s fixed messages (one with a count stays English)
    N_("Only a symposium has a chair and papers: choose the symposium format or leave them out."),
    N_("A symposium needs a chair and 3 or 4 papers."),
    N_("Please fill in the chair's given name."),
    N_("Please fill in the chair's family name."),
    N_("Please fill in the chair's institution."),
    N_("Please fill in the discussant's given name."),
    N_("Please fill in the discussant's family name."),
    N_("Please fill in the discussant's institution."),
    N_("Choose the country of the chair's institution."),
    N_("Choose the country of the discussant's institution."),
    N_("The discussant cannot also be the chair."),
    N_("Please give this paper a title."),
    N_("Please fill in the author's given name."),
    N_("Please fill in the author's family name."),
    N_("Please fill in the author's institution."),
)
SENTENCES: Final = (  # ``Sentence``s with values but no count (``domain.submission``, ``services.common.text``)
    N_("This email is already given for author %(number)s."),
    *hidden_wording.SENTENCES,
)
COUNTED: Final = (  # ``Sentence``s with a count: the language's plural rule picks the form
    N_plural(
        "A symposium needs %(least)s or %(most)s papers; you gave %(num)s paper.",
        "A symposium needs %(least)s or %(most)s papers; you gave %(num)s papers.",
    ),
    N_plural(
        "The title is %(num)s character long; at most %(most)s please.",
        "The title is %(num)s characters long; at most %(most)s please.",
    ),
    N_plural(
        "At most %(most)s keyword please (you gave %(num)s).", "At most %(most)s keywords please (you gave %(num)s)."
    ),
    N_plural(
        "At most %(most)s author please (you listed %(num)s).", "At most %(most)s authors please (you listed %(num)s)."
    ),
    N_plural(
        "The abstract can be at most %(most)s character long.", "The abstract can be at most %(most)s characters long."
    ),
    N_plural(
        "A %(format)s abstract needs at least %(least)s word; this one has %(num)s.",
        "A %(format)s abstract needs at least %(least)s words; this one has %(num)s.",
    ),
    N_plural(
        "A %(format)s abstract can have at most %(most)s word; this one has %(num)s.",
        "A %(format)s abstract can have at most %(most)s words; this one has %(num)s.",
    ),
    N_plural("The given name can be at most %(most)s character.", "The given name can be at most %(most)s characters."),
    N_plural(
        "The family name can be at most %(most)s character.", "The family name can be at most %(most)s characters."
    ),
    N_plural(
        "The institution can be at most %(most)s character.", "The institution can be at most %(most)s characters."
    ),
)
FORMAT_WORDS: Final = (N_("paper"), N_("symposium"), N_("poster"), N_("workshop"), N_("roundtable"))
"""A format's name inside a sentence ("a paper abstract needs …"): the format's code, translated."""
FORMAT_NAMES: Final = {
    "paper": N_("Paper"),
    "symposium": N_("Symposium"),
    "poster": N_("Poster"),
    "workshop": N_("Workshop"),
    "roundtable": N_("Roundtable"),
}
"""A format's name on its own (the form's choices, a session's kind on the programme)."""
