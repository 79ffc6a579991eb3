"""Which organiser roles may use each of notify's organiser routes: deny by default (services/common/roles.py).

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
    # notify keeps the organiser accounts (docs/ARCHITECTURE.md, decision 37): admins only.
    ("GET", "/organiser/accounts"): allow(ADMIN),
    ("POST", "/organiser/accounts"): allow(ADMIN),
    ("POST", "/organiser/accounts/{account_id}"): allow(ADMIN),
    ("POST", "/organiser/accounts/{account_id}/deactivate"): allow(ADMIN),
    ("POST", "/organiser/accounts/{account_id}/reactivate"): allow(ADMIN),
    ("POST", "/organiser/accounts/{account_id}/invite"): allow(ADMIN),
    ("POST", "/organiser/accounts/{account_id}/erase"): allow(ADMIN),
    ("POST", "/api/organiser/accounts/{account_id}/erase"): allow(ADMIN),
    # Where an organiser lands after signing in here: who they are and what they hold.
    ("GET", "/organiser/me"): allow(ADMIN, CHAIR, CONVENER, FINANCE, DESK, VIEWER, scoped=True),
    # The demo's mailbox holds every delegate's links, invoices and visa letters.
    ("GET", "/mail"): allow(ADMIN, FINANCE),
    ("GET", "/mail/{key}"): allow(ADMIN, FINANCE),
    ("GET", "/mail/{key}/raw"): allow(ADMIN, FINANCE),
    ("GET", "/mail/{key}/attachments/{index}"): allow(ADMIN, FINANCE),
}
