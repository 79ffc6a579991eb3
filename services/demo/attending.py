"""Delegates choose the sessions they will attend: sign in by the link in their email, mark sessions.

As a person does it: ask for a sign-in link on registration's ``/sign-in`` form, open the email (the demo's
mailbox, notify's ``/mail`` page, read with the organiser's sign-in as the demo's mail page is), follow the
link, then press "Add to my agenda" on a few sessions of ``/me/programme`` — each press a plain form POST
with the page's CSRF token. Every mark becomes an ``AgendaChanged`` on ``congress.registration``. The link and
its token are never logged (``Http`` logs a URL without its path's token only as ``/me/…``).
"""

from __future__ import annotations

import asyncio
import email
import logging
import random
import re
from email import policy
from email.message import EmailMessage
from html import unescape

import httpx

from services.demo.client import HIDDEN, Failed, Http, Tally

log = logging.getLogger("congress.demo")

MAIL_ROW = re.compile(r'<td dir="auto">([^<]*)</td>\s*<td><a href="mail/([^"]+)">')
SIGN_IN_LINK = re.compile(r"https?://[^\s\"'<>]+/me/([A-Za-z0-9._~-]{20,})")
MARKABLE = re.compile(r'action="/me/agenda/mark">.*?name="session" value="([^"]+)"', re.S)


async def mark_sessions(
    registration_url: str, notify_url: str, organiser_token: str, emails: list[str], rng: random.Random, tally: Tally
) -> int:
    """Each of ``emails`` signs in and marks two to four sessions; returns how many marks were made."""
    marks = 0
    async with httpx.AsyncClient(base_url=notify_url, timeout=30.0) as mail_client:
        mail_client.headers["authorization"] = f"Bearer {organiser_token}"
        mailbox = Http(mail_client, tally, "notify")
        for address in emails:
            async with httpx.AsyncClient(base_url=registration_url, timeout=30.0) as client:
                delegate = Http(client, tally, "registration")
                try:
                    marks += await _attend(delegate, mailbox, address, rng)
                except Failed:
                    continue
    tally.add("agenda marks", marks)
    return marks


async def _attend(delegate: Http, mailbox: Http, address: str, rng: random.Random) -> int:
    seen = await _mail_to(mailbox, address)
    page = await delegate.call("GET", "/sign-in", ok=(200,), what="sign-in page")
    hidden = {name: unescape(value) for name, value in HIDDEN.findall(page.text)}
    await delegate.call("POST", "/sign-in", ok=(200,), what="sign-in link", data=hidden | {"email": address})
    token = await _link_from_mail(mailbox, address, seen)
    if token is None:
        log.warning("agenda: no sign-in email arrived for a delegate; they skip the programme")
        return 0
    # Not through ``Http.call``: its log line on a failure would name the path, and the path is the token.
    # The link's page changes nothing; its button (a CSRF-checked post carrying the token) signs in.
    shown = await delegate.client.get(f"/me/{token}")
    opened = shown
    if shown.status_code == 200:
        fields = {name: unescape(value) for name, value in HIDDEN.findall(shown.text) if name in ("t", "csrf_token")}
        opened = await delegate.client.post("/me/sign-in", data=fields)
    if opened.status_code != 303:
        delegate.tally.errors[f"registration: sign-in link {opened.status_code}"] += 1
        return 0
    programme = await delegate.call("GET", "/me/programme", ok=(200,), what="programme page")
    sessions = MARKABLE.findall(programme.text)
    if not sessions:
        return 0
    chosen = rng.sample(sessions, min(len(sessions), rng.randint(2, 4)))
    for session_id in chosen:
        page = await delegate.call("GET", "/me/programme", ok=(200,), what="programme page")
        hidden = {name: unescape(value) for name, value in HIDDEN.findall(page.text) if name == "csrf_token"}
        form = hidden | {"session": unescape(session_id), "back": "programme"}
        await delegate.call("POST", "/me/agenda/mark", ok=(303,), what="mark a session", data=form)
    return len(chosen)


async def _mail_to(mailbox: Http, address: str) -> list[str]:
    """The keys of the newest page's messages to ``address``, newest first."""
    listing = await mailbox.call("GET", "/mail", ok=(200,), what="mail page")
    return [unescape(key) for to, key in MAIL_ROW.findall(listing.text) if address.lower() in unescape(to).lower()]


async def _link_from_mail(mailbox: Http, address: str, seen: list[str], *, attempts: int = 30) -> str | None:
    """The token of the sign-in link in the first new message to ``address`` (waiting for notify to send it)."""
    for _ in range(attempts):
        for key in await _mail_to(mailbox, address):
            if key in seen:
                continue
            raw = await mailbox.call("GET", f"/mail/{key}/raw", ok=(200,), what="a delegate's email")
            message = email.message_from_bytes(raw.content, policy=policy.default)
            body = message.get_body(("plain",)) if isinstance(message, EmailMessage) else None
            found = SIGN_IN_LINK.search(str(body.get_content())) if body is not None else None
            if found:
                return found.group(1)
        await asyncio.sleep(1.0)
    return None
