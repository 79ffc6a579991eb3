"""Abstracts' machine doors: the routes the web guard lets through without a page's CSRF token.

Only for a request no page on another origin can send (a JSON body; see
``services/common/web_guard.py``); a form post to any of them still needs the token. Every other
unsafe route (every page's form) needs it always, with or without a session.
"""

from __future__ import annotations

_AUTHOR_API = "authors' JSON API: no session rides on it (a new submission, then the edit token), JSON only"
_REVIEW_API = "reviewers' JSON API: the reviewer's portal token in the path, JSON bodies only"
_ORGANISER_API = "organiser JSON API: an organiser's Bearer token or session, JSON bodies only"

MACHINE_ROUTES: dict[str, str] = {
    "/api/abstracts": _AUTHOR_API,
    "/api/abstracts/{abstract_id}": _AUTHOR_API,
    "/api/abstracts/{abstract_id}/withdraw": _AUTHOR_API,
    "/api/review/{token}/profile": _REVIEW_API,
    "/api/review/{token}/bids": _REVIEW_API,
    "/api/review/{token}/{abstract_id}": _REVIEW_API,
    "/api/organiser/reviewers": _ORGANISER_API,
    "/api/organiser/reviewers/{reviewer_id}/revoke": _ORGANISER_API,
    "/api/organiser/assign": _ORGANISER_API,
    "/api/organiser/abstracts/{abstract_id}/unassign": _ORGANISER_API,
    "/api/organiser/abstracts/{abstract_id}/ask-another": _ORGANISER_API,
    "/api/organiser/abstracts/{abstract_id}/decision": _ORGANISER_API,
    "/api/organiser/abstracts/{abstract_id}/symposium": _ORGANISER_API,
    "/api/organiser/decisions/stage": _ORGANISER_API,
    "/api/organiser/decisions/{abstract_id}": _ORGANISER_API,
    "/api/organiser/decisions/release": _ORGANISER_API,
    "/api/organiser/people/erase": _ORGANISER_API,
    "/api/organiser/programme/generate": _ORGANISER_API,
    "/api/organiser/programme/update": _ORGANISER_API,
    "/api/organiser/programme/sessions/{session_id}/move": _ORGANISER_API,
    "/api/organiser/programme/presentations/{abstract_id}/move": _ORGANISER_API,
    "/api/organiser/programme/sessions/{session_id}/chair": _ORGANISER_API,
    "/api/organiser/programme/publish": _ORGANISER_API,
}
"""Path (as declared) → why it needs no page's token."""
