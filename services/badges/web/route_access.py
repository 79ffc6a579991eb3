"""Which organiser roles may use each of badges' organiser routes: deny by default (services/common/roles.py).

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
    ("GET", "/organiser/badges"): allow(DESK, VIEWER),
    ("GET", "/organiser/book"): allow(CHAIR, VIEWER),  # the book of abstracts of the programme the chair publishes
    ("POST", "/organiser/stations"): allow(DESK),
    ("POST", "/organiser/stations/{station_id}/revoke"): allow(DESK),
    ("POST", "/organiser/visa/{request_id}/approve"): allow(FINANCE),
    ("GET", "/organiser/visa-link/{delegate_id}"): allow(FINANCE),
    ("POST", "/organiser/certificates"): allow(FINANCE),
    # The station: a device with a station token, or an organiser at the desk with their own session.
    ("GET", "/station"): allow(DESK),
    ("POST", "/station/scan"): allow(DESK),
    ("POST", "/station/scan/frame"): allow(DESK),
    ("POST", "/station/print/{delegate_id}"): allow(DESK),
    ("GET", "/station/badge/{delegate_id}.pdf"): allow(DESK),
}
