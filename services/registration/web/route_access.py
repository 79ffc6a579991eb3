"""Which organiser roles may use each of registration's organiser routes: deny by default (services/common/roles.py).

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

ROUTES: RouteAccess = {
    ("GET", "/organiser/registrations"): allow(FINANCE, VIEWER),
    ("GET", "/api/organiser/registrations"): allow(FINANCE, VIEWER),
    ("GET", "/organiser/registrations.csv"): allow(FINANCE),
    ("GET", "/api/organiser/registrations/{rid}/audit"): allow(FINANCE, VIEWER),
    ("POST", "/organiser/registrations/{rid}/{action}"): allow(FINANCE),
    ("POST", "/api/organiser/registrations/{rid}/mark-paid"): allow(FINANCE),
    ("POST", "/api/organiser/registrations/{rid}/extend-hold"): allow(FINANCE),
    ("POST", "/api/organiser/registrations/{rid}/refund"): allow(FINANCE),
    ("POST", "/api/organiser/registrations/{rid}/cancel"): allow(FINANCE),
    ("POST", "/api/organiser/registrations/{rid}/erase"): allow(FINANCE),
    ("POST", "/api/organiser/registrations/{rid}/income-group"): allow(FINANCE),
    ("GET", "/organiser/registrations/{rid}"): allow(FINANCE, VIEWER),
    ("POST", "/organiser/personal-export/{rid}"): allow(FINANCE),
    ("GET", "/organiser/needs"): allow(FINANCE),
    ("GET", "/organiser/participants"): allow(FINANCE, CHAIR, DESK, VIEWER),
    ("GET", "/organiser/broadcasts"): allow(ADMIN, FINANCE, CHAIR),
    ("POST", "/organiser/broadcasts/preview"): allow(ADMIN, FINANCE, CHAIR),
    ("POST", "/organiser/broadcasts/send"): allow(ADMIN, FINANCE, CHAIR),
    ("GET", "/organiser/presenters"): allow(FINANCE, CHAIR, VIEWER),
    ("GET", "/api/organiser/presenters"): allow(FINANCE, CHAIR, VIEWER),
    ("GET", "/organiser/presenters.csv"): allow(FINANCE, CHAIR),
}
