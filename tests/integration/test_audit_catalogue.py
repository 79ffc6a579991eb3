"""Issue 13: no organiser action ships unrecorded, and docs/audit.md lists exactly the recorded actions.

Each service's app is built as its composition root builds it (not started): every unsafe route behind the
organiser sign-in must be in the service's route map with actions its audit catalogue holds. The list of
actions in docs/audit.md is generated from the catalogues (``audit_table``) and must match them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from services.abstracts.commands.audited import CATALOGUE as ABSTRACTS
from services.abstracts.web.audited_routes import ROUTES as ABSTRACTS_ROUTES
from services.badges.commands.audited import CATALOGUE as BADGES
from services.badges.web.audited_routes import ROUTES as BADGES_ROUTES
from services.common.audit import Catalogue
from services.common.audit_routes import RouteActions, organiser_changes, unaudited
from services.notify.commands.audited import CATALOGUE as NOTIFY
from services.notify.web.audited_routes import ROUTES as NOTIFY_ROUTES
from services.registration.commands.audited import CATALOGUE as REGISTRATION
from services.registration.web.audited_routes import ROUTES as REGISTRATION_ROUTES
from tests.integration import test_web_doors as doors

DOC = Path(__file__).parents[2] / "docs" / "audit.md"
EMPTY = Catalogue("none")
SERVICES: dict[str, tuple[Callable[[Path], FastAPI], Catalogue, RouteActions]] = {
    "registration": (doors.registration, REGISTRATION, REGISTRATION_ROUTES),
    "abstracts": (doors.abstracts, ABSTRACTS, ABSTRACTS_ROUTES),
    "badges": (doors.badges, BADGES, BADGES_ROUTES),
    "notify": (doors.notify, NOTIFY, NOTIFY_ROUTES),
    "console": (doors.console, EMPTY, {}),
}
CATALOGUES = (REGISTRATION, ABSTRACTS, BADGES, NOTIFY)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_unsafe_organiser_route_is_mapped_to_audit_actions(service: str, congress_home: Path) -> None:
    builder, catalogue, routes = SERVICES[service]
    app = builder(congress_home)
    assert unaudited(app, routes, catalogue) == []
    if catalogue is not EMPTY:  # the check sees the organiser routes at all (it would pass on none)
        assert organiser_changes(app)


def test_the_check_fails_on_an_unmapped_organiser_route(congress_home: Path) -> None:
    app = doors.registration(congress_home)
    partial = {k: v for k, v in REGISTRATION_ROUTES.items() if not k[1].endswith("/refund")}
    assert unaudited(app, partial, REGISTRATION) == [
        "POST /api/organiser/registrations/{rid}/refund: no audit action mapped"
    ]
    wrong = {**REGISTRATION_ROUTES, ("POST", "/organiser/registrations/{rid}/{action}"): ("registration.nope",)}
    assert unaudited(app, wrong, REGISTRATION) == [
        "POST /organiser/registrations/{rid}/{action}: 'registration.nope' is not in the registration audit catalogue"
    ]


def audit_table() -> str:
    """The table of audited actions docs/audit.md carries, from the catalogues."""
    lines = ["| action | done to | by | what it records |", "|---|---|---|---|"]
    for catalogue in CATALOGUES:
        for action in catalogue:
            lines.append(f"| `{action.name}` | {action.subject.value} | {action.by} | {action.meaning} |")
    return "\n".join(lines)


def test_docs_list_exactly_the_audited_actions() -> None:
    text = DOC.read_text(encoding="utf-8")
    start, end = "<!-- audit-actions:start -->\n", "\n<!-- audit-actions:end -->"
    listed = text.split(start, 1)[1].split(end, 1)[0] if start in text and end in text else ""
    assert listed == audit_table(), f"docs/audit.md's table is out of date; it should read:\n{audit_table()}"
