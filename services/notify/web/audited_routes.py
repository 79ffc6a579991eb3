"""Which audit actions each unsafe organiser route of notify records (checked against the app by a test).

Setting a password through an invitation (``POST /organiser/invitation``) is not behind the sign-in; it
is recorded too, as ``notify.account.password`` by the invited organiser.
"""

from __future__ import annotations

from services.common.audit_routes import RouteActions

ROUTES: RouteActions = {
    ("POST", "/organiser/accounts"): ("notify.account.invite",),
    ("POST", "/organiser/accounts/{account_id}"): ("notify.account.roles",),
    ("POST", "/organiser/accounts/{account_id}/deactivate"): ("notify.account.deactivate",),
    ("POST", "/organiser/accounts/{account_id}/reactivate"): ("notify.account.reactivate",),
    ("POST", "/organiser/accounts/{account_id}/invite"): ("notify.account.invite",),
    ("POST", "/organiser/accounts/{account_id}/erase"): ("notify.account.erase",),
    ("POST", "/api/organiser/accounts/{account_id}/erase"): ("notify.account.erase",),
}
