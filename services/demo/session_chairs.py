"""The organiser names a few sessions' chairs with an email before publishing the programme.

A chair with an email is a person (docs/ARCHITECTURE.md, decision 53): registration gives them the chair's role
and ribbon when they register, and notify mails them where and when they chair, with the session as a calendar
entry, in the language the organiser chose for them (theirs where notify writes it, else English). So the demo's
mail page shows a ``session_chaired`` mail for each, and they register among the presenters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.demo.client import Failed, Http, Tally
from services.demo.people import PeopleFactory, Person

SESSION_CHAIRS = 3
"""How many sessions get a chair with an email (paper sessions first; a symposium has its own chair)."""


async def name_chairs(
    http: Http, tally: Tally, people: PeopleFactory, languages: Sequence[str], count: int = SESSION_CHAIRS
) -> list[Person]:
    """Name a new person the chair of the first ``count`` sessions of the draft (paper sessions first); returns
    those saved."""
    try:
        draft: dict[str, Any] = (await http.call("GET", "/api/organiser/programme", what="programme draft")).json()
    except Failed:
        return []
    sessions = sorted(draft["sessions"], key=lambda s: (s["kind"] != "paper", s["session_id"]))
    named: list[Person] = []
    for session in sessions[:count]:
        chair = people.person()
        body = {
            "chair": f"{chair.given_name} {chair.family_name}",
            "email": chair.email,
            "language": chair.language if chair.language in languages else "en",
        }
        path = f"/api/organiser/programme/sessions/{session['session_id']}/chair"
        try:
            await http.call("POST", path, json=body, what="name a session chair")
        except Failed:
            continue
        named.append(chair)
        tally.add("session chairs named", 1)
    return named
