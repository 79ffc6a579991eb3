"""What the organiser does: sign in, mark invoices paid, cancel and refund, issue a badge station.

The organiser signs in once on /organiser/login; the session cookie it gets is the same
token every service accepts, so it is sent as a Bearer token to the badges service too.
"""

from __future__ import annotations

import logging
import random
from html import unescape
from typing import Any

from services.common.auth import ORGANISER_COOKIE
from services.demo.client import HIDDEN, Failed, Http

log = logging.getLogger("congress.demo")


class Organiser:
    def __init__(self, http: Http) -> None:
        self.http = http
        self.token = ""

    async def sign_in(self, email: str, password: str) -> bool:
        try:
            # As a browser does: load the form, post it back with its hidden fields (the CSRF token).
            page = await self.http.call("GET", "/organiser/login", ok=(200,), what="organiser sign-in page")
            hidden = {name: unescape(value) for name, value in HIDDEN.findall(page.text)}
            answer = await self.http.call(
                "POST",
                "/organiser/login",
                ok=(303,),
                what="organiser sign-in",
                data=hidden | {"email": email, "password": password, "next": "/organiser/registrations"},
            )
        except Failed:
            return False
        self.token = answer.cookies.get(ORGANISER_COOKIE) or ""
        self.http.client.cookies.clear()
        self.http.client.headers["authorization"] = f"Bearer {self.token}"
        return bool(self.token)

    async def registrations(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        url: str | None = "/api/organiser/registrations"
        while url:  # every page: the list is paged with a total and a next link
            try:
                answer = await self.http.call("GET", url, ok=(200,), what="list")
            except Failed:
                return rows
            body = answer.json()
            rows.extend(body["items"])
            url = body["next"]
        return sorted(rows, key=lambda r: str(r.get("number") or r["id"]))

    async def mark_invoices_paid(self, rows: list[dict[str, Any]], rng: random.Random, share: float) -> None:
        """The bank statement arrives: most unpaid invoices (one per payer) are marked paid."""
        payers = sorted(
            {
                r["payer_id"]
                for r in rows
                if r["payment_method"] == "invoice" and not r["paid"] and r["status"] != "cancelled"
            }
        )
        for payer in payers:
            if rng.random() >= share:
                continue
            group = [r for r in rows if r["payer_id"] == payer and r["status"] != "cancelled"]
            try:
                await self.http.call(
                    "POST", f"/api/organiser/registrations/{payer}/mark-paid", ok=(200,), what="mark invoice paid"
                )
            except Failed:
                continue
            self.http.tally.add("paid by invoice", len(group))

    async def cancel(self, row: dict[str, Any], reason: str) -> bool:
        try:
            await self.http.call(
                "POST",
                f"/api/organiser/registrations/{row['id']}/cancel",
                ok=(200,),
                json={"reason": reason},
                what="cancel",
            )
        except Failed:
            return False
        self.http.tally.add("cancelled")
        return True

    async def refund(self, row: dict[str, Any]) -> None:
        amount = int(row["total_minor"]) - int(row.get("refunded_minor") or 0)
        if amount <= 0:
            return
        try:
            await self.http.call(
                "POST",
                f"/api/organiser/registrations/{row['id']}/refund",
                ok=(200,),
                json={"amount": amount},
                what="refund",
            )
        except Failed:
            return
        self.http.tally.add("refunded")

    async def message_delegates(self) -> bool:
        """Venue news for every confirmed delegate, in English and French: preview, then confirm and send."""
        draft = {
            "subject_en": "Practical information: the venue",
            "body_en": "The opening keynote is in the **main hall**.\n\n- Badges at the desk from 8:00\n"
            "- Bring your passport for the visa check",
            "subject_fr": "Informations pratiques : le lieu",
            "body_fr": "La conférence d'ouverture a lieu dans le **grand amphithéâtre**.",
            "default_language": "en",
        }
        try:
            page = await self.http.call(
                "POST", "/organiser/broadcasts/preview", ok=(200,), data=draft, what="message preview"
            )
            confirm = {name: unescape(value) for name, value in HIDDEN.findall(page.text)}
            if "broadcast_id" not in confirm:  # nobody confirmed yet: nothing to send
                return False
            await self.http.call(
                "POST", "/organiser/broadcasts/send", ok=(200,), data=confirm | {"confirm": "yes"}, what="message send"
            )
        except Failed:
            return False
        self.http.tally.add("messages to delegates")
        return True

    async def cancellations(self, rows: list[dict[str, Any]], rng: random.Random, count: int) -> None:
        """Delegates write in to cancel: paid card ones are refunded in full, unpaid invoices just cancelled."""
        live = [r for r in rows if r["status"] != "cancelled"]
        paid_card = [r for r in live if r["paid"] and r["payment_method"] == "card"]
        unpaid = [r for r in live if not r["paid"]]
        chosen = rng.sample(paid_card, min(len(paid_card), (count + 1) // 2))
        rest = [r for r in unpaid + paid_card if r not in chosen]
        chosen += rng.sample(rest, min(len(rest), count - len(chosen)))
        for row in chosen:
            reason = "cannot travel (visa not granted in time)" if rng.random() < 0.5 else "teaching duties"
            if await self.cancel(row, reason) and row["paid"] and row["payment_method"] == "card":
                await self.refund(row)
