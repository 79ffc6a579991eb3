"""Which audit actions each unsafe organiser route records (checked against the app's routes by a test)."""

from __future__ import annotations

from services.common.audit_routes import RouteActions

API = "/api/organiser/registrations/{rid}"
ROUTES: RouteActions = {
    ("POST", "/organiser/registrations/{rid}/{action}"): (
        "registration.mark-paid",
        "registration.extend-hold",
        "registration.refund",
        "registration.cancel",
        "registration.income-group",
        "registration.erase",
    ),
    ("POST", f"{API}/mark-paid"): ("registration.mark-paid",),
    ("POST", f"{API}/extend-hold"): ("registration.extend-hold",),
    ("POST", f"{API}/refund"): ("registration.refund",),
    ("POST", f"{API}/cancel"): ("registration.cancel",),
    ("POST", f"{API}/erase"): ("registration.erase",),
    ("POST", f"{API}/income-group"): ("registration.income-group",),
    ("GET", "/organiser/registrations.csv"): ("registration.export",),
    ("GET", "/organiser/presenters.csv"): ("registration.export.presenters",),
    ("POST", "/organiser/broadcasts/preview"): ("registration.broadcast.preview",),
    ("POST", "/organiser/broadcasts/send"): ("registration.broadcast.send",),
    ("POST", "/organiser/personal-export/{rid}"): (
        "registration.personal-export.request",
        "registration.personal-export.deliver",
    ),
}
