"""A symposium as the demo's authors submit it: a chair, a discussant, and 3-4 papers with their own authors.

The symposium's own title and text are its overall abstract (``abstracting.CallForPapers``); here are the
people and papers it adds. Each paper's first author presents it; the chair, the discussant and the
presenters are returned so they register among the delegates once it is accepted (their badges then carry
the chair's, the discussant's and the presenter's ribbons).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from services.demo.people import PeopleFactory, Person

PAPER_TITLES = (
    "Teacher teams and the data they trust",
    "What leaders do with the evidence",
    "Students' view of improvement plans",
    "A district's routines, three years on",
    "When networks outlast their funding",
)


def person_fields(p: Person) -> dict[str, Any]:
    return {
        "given_name": p.given_name,
        "family_name": p.family_name,
        "email": p.email,
        "affiliation": p.affiliation,
        "country": p.country,
    }


def symposium_fields(
    rng: random.Random, people: PeopleFactory, text: Callable[[], str], first: Person
) -> tuple[dict[str, Any], list[Person]]:
    """The ``symposium`` object of a submission (``first`` presents paper 1), and who takes part in it."""
    count = rng.choice((3, 3, 4))
    presenters = [first] + [people.person() for _ in range(count - 1)]
    chair, discussant = people.person(), people.person()
    papers = []
    for n, presenter in enumerate(presenters):
        coauthors: Sequence[Person] = [people.person(presenter.country)] if rng.random() < 0.5 else []
        authors = [person_fields(presenter) | {"presenting": True}]
        authors += [person_fields(c) | {"presenting": False} for c in coauthors]
        papers.append({"title": PAPER_TITLES[n % len(PAPER_TITLES)], "text": text(), "authors": authors})
    with_discussant = rng.random() < 0.8
    fields = {
        "chair": person_fields(chair),
        "discussant": person_fields(discussant) if with_discussant else None,
        "papers": papers,
    }
    return fields, [*presenters, chair, *([discussant] if with_discussant else [])]
