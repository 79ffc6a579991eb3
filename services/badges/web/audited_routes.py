"""Which audit actions each unsafe organiser route records (checked against the app's routes by a test).

The station's own routes (check-in scans, prints) answer to a station token, not the organiser sign-in; a
reprint there is recorded as the station (or the organiser signed in at the desk), ``badges.reprint``.
"""

from __future__ import annotations

from services.common.audit_routes import RouteActions

ROUTES: RouteActions = {
    ("POST", "/organiser/visa/{request_id}/approve"): ("badges.visa.approve",),
    ("POST", "/organiser/certificates"): ("badges.certificate.issue",),
    ("POST", "/organiser/stations"): ("badges.station.issue",),
    ("POST", "/organiser/stations/{station_id}/revoke"): ("badges.station.revoke",),
    ("POST", "/station/print/{delegate_id}"): ("badges.reprint",),
}
