"""Which organiser roles may use each of abstracts' organiser routes: deny by default (services/common/roles.py).

Every route behind ``require_organiser`` must be named here; tests/unit/test_route_access.py fails
otherwise, and a route missing at run time is refused to everyone. docs/roles.md shows this table.
"""

from __future__ import annotations

from services.common.roles import Role, RouteAccess, allow

ADMIN, CHAIR, CONVENER, FINANCE, DESK, VIEWER = (
    Role.ADMIN,
    Role.PROGRAMME_CHAIR,
    Role.CONVENER,
    Role.FINANCE,
    Role.DESK,
    Role.VIEWER,
)

SCOPED = True
"""Conveners see and act on their own networks' abstracts and reviewers only (the routes filter)."""

ROUTES: RouteAccess = {
    ("GET", "/organiser/abstracts"): allow(CHAIR, CONVENER, VIEWER, scoped=SCOPED),
    ("GET", "/api/organiser/abstracts"): allow(CHAIR, CONVENER, VIEWER, scoped=SCOPED),
    ("GET", "/organiser/abstracts/{abstract_id}"): allow(CHAIR, CONVENER, scoped=SCOPED),
    # Deciding one abstract at once mails its authors straight away: the chair's. Conveners stage (below).
    ("POST", "/organiser/abstracts/{abstract_id}/decide"): allow(CHAIR),
    ("POST", "/api/organiser/abstracts/{abstract_id}/decision"): allow(CHAIR),
    ("POST", "/organiser/abstracts/{abstract_id}/unassign"): allow(CHAIR, CONVENER, scoped=SCOPED),
    ("POST", "/api/organiser/abstracts/{abstract_id}/unassign"): allow(CHAIR, CONVENER, scoped=SCOPED),
    ("POST", "/organiser/abstracts/{abstract_id}/ask-another"): allow(CHAIR, CONVENER, scoped=SCOPED),
    ("POST", "/api/organiser/abstracts/{abstract_id}/ask-another"): allow(CHAIR, CONVENER, scoped=SCOPED),
    # Decisions (issue 14): conveners stage their own network's; the programme chair releases them together.
    ("GET", "/organiser/decisions"): allow(CHAIR, CONVENER, scoped=SCOPED),
    ("GET", "/api/organiser/decisions"): allow(CHAIR, CONVENER, scoped=SCOPED),
    ("POST", "/organiser/decisions/stage"): allow(CHAIR, CONVENER, scoped=SCOPED),
    ("POST", "/api/organiser/decisions/stage"): allow(CHAIR, CONVENER, scoped=SCOPED),
    ("POST", "/organiser/decisions/{abstract_id}/unstage"): allow(CHAIR, CONVENER, scoped=SCOPED),
    ("DELETE", "/api/organiser/decisions/{abstract_id}"): allow(CHAIR, CONVENER, scoped=SCOPED),
    ("POST", "/organiser/decisions/release"): allow(CHAIR),
    ("POST", "/api/organiser/decisions/release"): allow(CHAIR),
    # One matching run plans every network at once (and may borrow across networks): the chair's.
    ("POST", "/organiser/abstracts/assign"): allow(CHAIR),
    ("POST", "/api/organiser/assign"): allow(CHAIR),
    ("GET", "/organiser/reviewers"): allow(CHAIR, CONVENER, VIEWER, scoped=SCOPED),
    ("GET", "/api/organiser/reviewers"): allow(CHAIR, CONVENER, VIEWER, scoped=SCOPED),
    ("GET", "/organiser/reviewers/{reviewer_id}"): allow(CHAIR, CONVENER, VIEWER, scoped=SCOPED),
    ("POST", "/organiser/reviewers"): allow(CHAIR, CONVENER, scoped=SCOPED),
    ("POST", "/api/organiser/reviewers"): allow(CHAIR, CONVENER, scoped=SCOPED),
    ("POST", "/organiser/reviewers/{reviewer_id}/revoke"): allow(CHAIR, CONVENER, scoped=SCOPED),
    ("POST", "/api/organiser/reviewers/{reviewer_id}/revoke"): allow(CHAIR, CONVENER, scoped=SCOPED),
    ("GET", "/organiser/programme"): allow(CHAIR, VIEWER),
    ("GET", "/api/organiser/programme"): allow(CHAIR, VIEWER),
    ("POST", "/organiser/programme/generate"): allow(CHAIR),
    ("POST", "/organiser/programme/update"): allow(CHAIR),
    ("POST", "/organiser/programme/move-session"): allow(CHAIR),
    ("POST", "/organiser/programme/move-presentation"): allow(CHAIR),
    ("POST", "/organiser/programme/chair"): allow(CHAIR),
    ("POST", "/organiser/programme/publish"): allow(CHAIR),
    ("POST", "/api/organiser/programme/generate"): allow(CHAIR),
    ("POST", "/api/organiser/programme/update"): allow(CHAIR),
    ("POST", "/api/organiser/programme/sessions/{session_id}/move"): allow(CHAIR),
    ("POST", "/api/organiser/programme/presentations/{abstract_id}/move"): allow(CHAIR),
    ("POST", "/api/organiser/programme/sessions/{session_id}/chair"): allow(CHAIR),
    ("POST", "/api/organiser/programme/publish"): allow(CHAIR),
}
