"""Which organiser roles may use each of the console's organiser routes: deny by default (services/common/roles.py).

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

EVERYONE_BUT_CONVENERS = (ADMIN, CHAIR, FINANCE, DESK, VIEWER)
"""The console shows every delegate's events: conveners see their networks' abstracts only, so not this."""

ROUTES: RouteAccess = {
    ("GET", "/"): allow(*EVERYONE_BUT_CONVENERS),
    ("GET", "/delegates/{delegate_id}"): allow(*EVERYONE_BUT_CONVENERS),
    ("GET", "/api/figures"): allow(*EVERYONE_BUT_CONVENERS),
    ("GET", "/api/events"): allow(*EVERYONE_BUT_CONVENERS),
    ("GET", "/api/events/{seq}"): allow(*EVERYONE_BUT_CONVENERS),
    ("GET", "/api/delegates/{delegate_id}/events"): allow(*EVERYONE_BUT_CONVENERS),
    ("GET", "/api/stream"): allow(*EVERYONE_BUT_CONVENERS),
    # The audit trail (issue 13, the audit helper's pages): read like the rest of the console; its CSV
    # export, every record at once, is for admins and finance.
    ("GET", "/audit"): allow(*EVERYONE_BUT_CONVENERS),
    ("GET", "/api/audit"): allow(*EVERYONE_BUT_CONVENERS),
    ("GET", "/audit.csv"): allow(ADMIN, FINANCE),
}
