"""A reviewer's profile, as they state it through their link: the keywords they know, a few abstracts of their
own (text), their maximum load (capped by their networks' default), their country, and the people or
institutions they must not review (conflicts). ``validated`` checks what was typed; ``load_cap`` says the most
they may ask for. The profile feeds the affinity (``matching.profiles``) and the assignment's conflicts and loads.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from services.abstracts.domain.errors import Rejected
from services.abstracts.domain.submission import fold, nfc
from services.common.text import problem as text_problem

MAX_KEYWORDS = 30
MAX_OWN = 5
MAX_OWN_CHARS = 5_000
MAX_CONFLICTS = 50
BIDS = ("eager", "willing", "not_willing", "conflict")
"""What a reviewer may bid on an abstract of their networks (no bid: ``none``)."""


@dataclass(frozen=True)
class Profile:
    """What a reviewer told the committee about themselves."""

    reviewer_id: str
    keywords: tuple[str, ...] = ()
    own_abstracts: tuple[str, ...] = ()
    max_load: int | None = None
    """None: their networks' default (``load_cap``)."""
    country: str | None = None
    """ISO 3166-1 alpha-2 of their institution; used when the edition forbids reviewing one's own country."""
    conflicts: tuple[str, ...] = ()
    """Names of people and institutions, as typed, one each."""

    def declared(self) -> frozenset[str]:
        """The conflicts folded for comparison with authors' names and institutions."""
        return frozenset(f for f in (fold(c) for c in self.conflicts) if f)


def load_cap(networks: Collection[str], defaults: Mapping[str, int | None], overall: int | None) -> int | None:
    """The most abstracts a reviewer of ``networks`` may take: the largest default load among their networks
    (a network without one does not limit), within the edition's ``max_reviews_per_reviewer``."""
    known = [d for n in networks if (d := defaults.get(n)) is not None]
    caps = [c for c in (max(known) if known else None, overall) if c is not None]
    return min(caps) if caps else None


def _lines(text: str) -> list[str]:
    return [nfc(x) for x in text.replace(",", "\n").replace(";", "\n").splitlines() if nfc(x)]


def validated(
    reviewer_id: str,
    *,
    keywords: Sequence[str],
    own_abstracts: Sequence[str],
    max_load: str,
    country: str,
    conflicts: str,
    cap: int | None,
    countries: Collection[str],
) -> Profile:
    """The profile typed in, or ``Rejected`` naming each field's mistake."""
    errors: dict[str, str] = {}
    words = tuple(dict.fromkeys(k for k in (nfc(x) for x in keywords) if k))
    if len(words) > MAX_KEYWORDS or any(len(k) > 100 for k in words):
        errors["keywords"] = f"Up to {MAX_KEYWORDS} keywords of at most 100 characters each."
    own = tuple(t for t in (nfc(x, multiline=True) for x in own_abstracts) if t)
    if len(own) > MAX_OWN or any(len(t) > MAX_OWN_CHARS for t in own):
        errors["own_abstracts"] = f"Up to {MAX_OWN} abstracts of at most {MAX_OWN_CHARS:,} characters each."
    names = tuple(dict.fromkeys(_lines(conflicts)))
    if len(names) > MAX_CONFLICTS or any(len(n) > 300 for n in names):
        errors["conflicts"] = f"Up to {MAX_CONFLICTS} names or institutions, one per line."
    load = _load(max_load.strip(), cap, errors)
    code = country.strip().upper() or None
    if code is not None and code not in countries:
        errors["country"] = "Choose your institution's country from the list."
    for field, values, multiline in (
        ("keywords", words, False),
        ("own_abstracts", own, True),
        ("conflicts", names, False),
    ):
        for value in values:
            message = text_problem(value, multiline=multiline)
            if message:
                errors.setdefault(field, message)
    if errors:
        raise Rejected(errors)
    return Profile(reviewer_id, words, own, load, code, names)


def _load(typed: str, cap: int | None, errors: dict[str, str]) -> int | None:
    if not typed:
        return None
    if not typed.isdigit() or int(typed) < 1:
        errors["max_load"] = "A whole number of abstracts, 1 or more (or leave it empty for the default)."
        return None
    if cap is not None and int(typed) > cap:
        errors["max_load"] = f"At most {cap}: your networks' default load."
        return None
    return int(typed)
