"""Every page a person opens in a browser, per service: the one list the accessibility audit walks.

A new page is one line here. ``{name}`` in a path is filled from what the audit's set-up made for that
service (a registration's id, an abstract's id, …; see ``tests/e2e/audited_services.py``). ``who`` says
how the audit opens it: ``anyone`` (public, no sign-in), ``organiser`` (signed in as the demo organiser,
who holds every role) or ``delegate`` (signed in by the magic link the set-up made). A search or filter
that changes a page's structure gets its own line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Who = Literal["anyone", "organiser", "delegate"]


@dataclass(frozen=True)
class Page:
    path: str
    who: Who = "anyone"
    lands: str = ""
    mistake: str = ""


def organiser(*paths: str) -> tuple[Page, ...]:
    return tuple(Page(path, "organiser") for path in paths)


def delegate(*paths: str) -> tuple[Page, ...]:
    return tuple(Page(path, "delegate") for path in paths)


def public(*paths: str) -> tuple[Page, ...]:
    return tuple(Page(path) for path in paths)


PAGES: dict[str, tuple[Page, ...]] = {
    "registration": (
        *public("/", "/privacy", "/group", "/sign-in", "/registrations/{payer_id}?t={view}", "/organiser/login"),
        Page("/", mistake='form[action="/register"]'),
        Page("/pay/{card_payer}?t={card_view}", lands="/test-checkout/"),  # the card payment page
        # a waiting-list offer's page: opening the link shows the offer (accept, decline) and takes nothing
        Page("/waiting-list/accept?t={offer}"),
        # a sign-in link's page: opening it shows whom it signs in; only its button signs in
        Page("{sign_in_page}"),
        *delegate("/me", "/me/participants", "/me/programme", "/me/agenda"),
        *organiser(
            "/organiser/registrations",
            "/organiser/registrations?q=Njeri",
            "/organiser/registrations/{rid}",
            "/organiser/presenters",
            "/organiser/broadcasts",
            "/organiser/participants",
            "/organiser/needs",
        ),
    ),
    "abstracts": (
        *public("/", "/privacy", "/submit", "/programme", "/organiser/login"),
        Page("/submit", mistake="#abstract-form"),
        *public("{edit}"),  # an author's page to revise or withdraw: the edit link is the key
        *public("{portal}", "{portal}/profile", "{portal}/bids"),  # a reviewer's portal: its link is the key
        *public("{portal}/{abstract_id}"),  # one assigned abstract to review
        *organiser(
            "/organiser/abstracts",
            "/organiser/abstracts/{abstract_id}",
            "/organiser/decisions",
            "/organiser/programme",
            "/organiser/reviewers",
            "/organiser/reviewers/{reviewer_id}",
        ),
    ),
    "badges": (
        *public("/organiser/login", "/visa/{visa}", "/book"),  # the visa request form: its signed link is the key
        *organiser("/organiser/badges", "/organiser/book", "/station", "/station?q=Njeri"),
    ),
    "notify": (
        *public("/organiser/login", "/organiser/invitation?token={invitation}"),  # set a password when invited
        *organiser("/mail", "{mail}", "/organiser/me", "/organiser/accounts"),
    ),
    "console": (
        *public("/organiser/login"),
        *organiser("/", "/delegates/{delegate_id}", "/audit"),
    ),
}
