"""Words the delegate pages show that are defined outside the templates: marked here for ``pybabel extract``.

The statuses of ``RegistrationStatus``, the labels of ``domain.privacy`` and the fixed refusals of the
commands (domain and commands stay free of gettext) are shown through the ``wording`` filter, which
translates a sentence it knows and shows any other (one naming a code or a number) as it is, in English.
tests/unit/test_page_catalogs.py checks the statuses and labels are all here and translated.
"""

from __future__ import annotations

from typing import Final

from services.common import hidden_wording
from services.common.page_language import N_
from services.registration.domain.pricing import IncomeGroup

STATUSES: Final = (N_("pending"), N_("confirmed"), N_("cancelled"), N_("expired"))
LABELS: Final = (
    N_("Vegetarian"),
    N_("Vegan"),
    N_("Halal"),
    N_("Kosher"),
    N_("Gluten-free"),
    N_("Lactose-free"),
    N_("Nut allergy"),
    N_("Seafood or shellfish allergy"),
    N_("Wheelchair access"),
    N_("Hearing loop"),
    N_("I come with a companion (carer)"),
    N_("Other (say below)"),
)
MESSAGES: Final = (
    N_("Register at least one delegate."),
    N_("Paying by invoice needs the institution's details."),
    N_("Sorry, the congress is fully booked."),
    N_("We have sent a message to this address: it says how to go on."),
    N_("Each delegate needs their own email address."),
    N_("This privacy notice is not one of this congress's; reload the form."),
    N_("An add-on was chosen twice."),
)
SENTENCES: Final = hidden_wording.SENTENCES  # ``services.common.text``'s refusals (shown by ``friendly``)
INCOME_LINES: Final = {
    IncomeGroup.LOW: N_("Low-income country (%(percent)s of the fee)"),
    IncomeGroup.LOWER_MIDDLE: N_("Lower-middle-income country (%(percent)s of the fee)"),
    IncomeGroup.UPPER_MIDDLE: N_("Upper-middle-income country (%(percent)s of the fee)"),
    IncomeGroup.HIGH: N_("High-income country (%(percent)s of the fee)"),
}
"""The income group's line of a price breakdown (``_price_lines.html``), a sentence per World Bank group."""
