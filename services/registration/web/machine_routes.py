"""Registration's machine doors: the routes the web guard lets through without a page's CSRF token.

Only for a request no page on another origin can send (a JSON body, Stripe's signature; see
``services/common/web_guard.py``); a form post to any of them still needs the token. Every other
unsafe route (every page's form) needs it always, with or without a session.
"""

from __future__ import annotations

_ORGANISER_API = "organiser JSON API: an organiser's Bearer token or session, JSON bodies only"
_PUBLIC_API = "public JSON API: no session rides on it, rate limited per client and address"

MACHINE_ROUTES: dict[str, str] = {
    "/stripe/webhook": "Stripe's webhook: every call is signed (Stripe-Signature) with the webhook secret",
    "/api/registrations": _PUBLIC_API,
    "/api/quote": _PUBLIC_API,
    "/api/magic-link": _PUBLIC_API,
    "/api/organiser/registrations/{rid}/mark-paid": _ORGANISER_API,
    "/api/organiser/registrations/{rid}/extend-hold": _ORGANISER_API,
    "/api/organiser/registrations/{rid}/refund": _ORGANISER_API,
    "/api/organiser/registrations/{rid}/cancel": _ORGANISER_API,
    "/api/organiser/registrations/{rid}/erase": _ORGANISER_API,
    "/api/organiser/registrations/{rid}/income-group": _ORGANISER_API,
}
"""Path (as declared) → why it needs no page's token."""
