"""The kernel's refusals of a hidden character at the edge (``text.problem``), in words, in one place.

Control characters, direction overrides and other invisible formatting are refused where text comes in
(``services.common.text``); these are its sentences. Every service whose pages show them marks them for
its catalog by extracting this file too (its ``babel.cfg`` names ``../common/hidden_wording.py``; the
commands are in docs/registration.md), and its ``wording`` module lists ``SENTENCES`` among its own.
"""

from __future__ import annotations

from typing import Final

from services.common.sentence import N_

ONE_LINE: Final = N_("Please keep this on one line (no line breaks or tabs).")
CONTROL: Final = N_("This contains a hidden control character (%(character)s). Please retype it without it.")
DIRECTION: Final = N_(
    "This contains a hidden character that changes the direction of the text (%(character)s). "
    "Please remove it; right-to-left text needs no such character."
)
FORMATTING: Final = N_("This contains a hidden formatting character (%(character)s). Please retype it without it.")
SENTENCES: Final = (ONE_LINE, CONTROL, DIRECTION, FORMATTING)
"""Each refusal ``text.problem`` can give (the last three are ``Sentence``s naming the character)."""
