"""Words the authors' pages show that are made outside the templates: marked here for ``pybabel extract``.

An abstract's status, the messages the domain gives for a draft (``domain.submission``, which stays free
of gettext) and the pages' flash messages are shown through the ``wording`` filter, which translates a
message it knows and shows any other (one with a number or a name in it) as it is, in English.
tests/unit/test_page_catalogs.py checks the statuses are all here.
"""

from __future__ import annotations

from typing import Final

from services.common.page_language import N_

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
