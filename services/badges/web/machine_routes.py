"""Badges' machine doors: the routes the web guard lets through without a page's CSRF token.

Only for a request no page on another origin can send (a JSON body; see
``services/common/web_guard.py``); a form post to it still needs the token. Every other unsafe
route (every page's form, the station's) needs it always, unless a station's or an organiser's
own credential rides in a header.
"""

from __future__ import annotations

MACHINE_ROUTES: dict[str, str] = {
    "/api/visa/{token}": "visa letter JSON API: the signed token in the path, JSON bodies only",
}
"""Path (as declared) → why it needs no page's token."""
