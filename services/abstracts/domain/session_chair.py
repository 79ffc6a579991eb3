"""A session's chair as the organisers name them: a name only, or a person with an email address.

Pure: the rules, each mistake a sentence keyed by its field (``chair``, ``chair_email``, ``chair_language``).
A chair with an address is a person: registration gives them the chair's role and ribbon, notify sends them
the slot with its calendar entry; without one they are a name on the programme. Clearing the name clears both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.common.languages import LANGUAGES
from services.common.text import clean_for_display

NAME_MAX = 300
EMAIL_MAX = 320
TAGS = frozenset(tag for tag, _ in LANGUAGES)


@dataclass(frozen=True)
class SessionChairDraft:
    """What the organiser typed: the name, an email address (or nothing) and the language of the chair's emails."""

    name: str
    email: str = ""
    language: str = "en"


@dataclass(frozen=True)
class Chair:
    """A chair as the draft keeps them; ``email`` None: a name only."""

    name: str
    email: str | None
    language: str


def chair_of(draft: SessionChairDraft, is_email: Callable[[str], bool]) -> Chair | None:
    """The chair to keep (None: the chair is cleared), or ``ValueError`` carrying the mistakes by field."""
    name = clean_for_display(draft.name).strip()
    email = draft.email.strip()
    language = draft.language.strip() or "en"
    errors: dict[str, str] = {}
    if len(name) > NAME_MAX:  # never cut: the programme would print a name nobody typed
        errors["chair"] = f"The chair's name is {len(name)} characters long; shorten it to {NAME_MAX} at most."
    if email and not name:
        errors["chair"] = "Give the chair's name as well as their email address (or clear both)."
    if email and (len(email) > EMAIL_MAX or not is_email(email)):
        errors["chair_email"] = "That email address does not look right; check it (or leave it empty for a name only)."
    if language not in TAGS:
        errors["chair_language"] = f"Choose the language of the chair's emails: one of {', '.join(sorted(TAGS))}."
    if errors:
        raise ChairMistakes(errors)
    if not name:
        return None
    return Chair(name, email or None, language)


class ChairMistakes(ValueError):
    """The chair as typed cannot be kept: messages by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors
