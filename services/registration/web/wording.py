"""Words the delegate pages show that are defined outside the templates: marked here for ``pybabel extract``.

The statuses of ``RegistrationStatus`` and the labels of ``domain.privacy`` (the domain stays free of
gettext) are shown through the ``wording`` filter; tests/unit/registration/test_page_wording.py checks
that every one of them is here and translated.
"""

from __future__ import annotations

from typing import Final

from services.common.page_language import N_

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
