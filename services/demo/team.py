"""The demo's organising team, invited by the seeded admin the way an admin would do it.

The admin (the edition file's organiser) signs in at notify, invites each member on the accounts
page, and each member opens the invitation mail notify sent to the demo's SMTP sink (its maildir)
and sets the demo's organiser password. ``congress demo`` prints the team before the simulator runs.
"""

from __future__ import annotations

import asyncio
import logging
import mailbox
import os
import re
import time
from html import unescape
from pathlib import Path

import httpx

from services.common.settings import congress_home
from services.demo.client import HIDDEN

log = logging.getLogger("congress.demo")

TEAM: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("chair@icsei.example.org", "Programme Chair (demo)", ("programme_chair",), ()),
    ("convener.du@icsei.example.org", "Data Use Convener (demo)", ("convener",), ("DU",)),
    ("finance@icsei.example.org", "Registration & Finance (demo)", ("finance",), ()),
    ("desk@icsei.example.org", "Badge Desk (demo)", ("desk",), ()),
    ("viewer@icsei.example.org", "Viewer (demo)", ("viewer",), ()),
)
"""(email, name, roles, networks) of each member."""
LINK = re.compile(r"(https?://\S+/organiser/invitation\?token=[\w.%-]+)")


def mail_dir() -> Path:
    return Path(os.environ.get("NOTIFY_MAIL_DIR") or congress_home() / "mail")


def invitation_link(to: str, seen: set[str]) -> str | None:
    """The link of a newly arrived invitation to ``to`` in the demo's maildir, if there is one."""
    box = mailbox.Maildir(mail_dir(), create=False)
    for key, message in box.items():
        if key in seen or to not in str(message.get("To", "")):
            continue
        seen.add(key)
        for part in message.walk():
            payload = part.get_payload(decode=True) if part.get_content_type() == "text/plain" else None
            found = LINK.search(payload.decode("utf-8", "replace")) if isinstance(payload, bytes) else None
            if found:
                return found.group(1)
    return None


async def form(client: httpx.AsyncClient, url: str) -> dict[str, str]:
    """A page's hidden fields (its CSRF token), as a browser posts them back."""
    page = await client.get(url)
    return {name: unescape(value) for name, value in HIDDEN.findall(page.text)}


async def invite_team(
    notify_url: str,
    admin: str,
    password: str,
    *,
    timeout: float = 90.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[str]:
    """Invite each member and set their password; returns the addresses that can sign in.

    ``transport`` reaches notify in-process (tests); by default over HTTP.
    """
    ready: list[str] = []
    async with httpx.AsyncClient(base_url=notify_url, timeout=30.0, transport=transport) as client:
        hidden = await form(client, "/organiser/login")
        data = hidden | {"email": admin, "password": password, "next": "/organiser/accounts"}
        if (await client.post("/organiser/login", data=data)).status_code != 303:
            log.warning("demo team: the admin could not sign in at notify")
            return ready
        seen: set[str] = set()
        for email, name, roles, networks in TEAM:
            body = await form(client, "/organiser/accounts") | {"email": email, "name": name}
            answer = await client.post(
                "/organiser/accounts", data={**body, "roles": list(roles), "networks": list(networks)}
            )
            if answer.status_code == 422 and "already has an account" in answer.text:
                ready.append(email)  # a demo started again: the team is there
                continue
            if answer.status_code != 303:
                log.warning("demo team: inviting %s answered %s", email, answer.status_code)
                continue
            if await _set_password(email, password, seen, timeout, transport):
                ready.append(email)
    return ready


async def _set_password(
    email: str, password: str, seen: set[str], timeout: float, transport: httpx.AsyncBaseTransport | None
) -> bool:
    deadline = time.monotonic() + timeout
    link = None
    while link is None and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        try:
            link = invitation_link(email, seen)
        except (FileNotFoundError, mailbox.Error):
            continue
    if link is None:
        log.warning("demo team: no invitation mail reached %s", email)
        return False
    async with httpx.AsyncClient(timeout=30.0, transport=transport) as person:
        hidden = await form(person, link)
        answer = await person.post(link.split("?", 1)[0], data=hidden | {"password": password, "again": password})
    return answer.status_code == 303
