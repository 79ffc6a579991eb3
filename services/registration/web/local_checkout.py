"""The clearly labelled TEST CHECKOUT page that stands in for Stripe's hosted Checkout with stripe-mock.

stripe-mock has no payment page and sends no webhooks, so this page sends the signed
webhook Stripe would send: for a payer's unpaid registrations, or (``charge``) for an
add-on taken from the waiting list. Served only when ``settings.uses_test_checkout``.
Like Stripe's page, it refuses a session the service has expired (stripe-mock keeps no state).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.common.openapi import ROW_ID_MAX
from services.registration.commands import queries
from services.registration.commands.records import Deps
from services.registration.config import RegistrationSettings
from services.registration.domain.registration import Registration, Status
from services.registration.ports import Webhooks
from services.registration.web.api import process_webhook
from services.registration.web.pages import PageProblem, check_payer, templates_for


async def _what(deps: Deps, payer_id: str, charge: int) -> tuple[list[Registration], int]:
    """The rows shown and the amount due: the payer's pending registrations, or one add-on charge."""
    rows = await queries.payer_registrations(deps, payer_id)
    if charge:
        found = await queries.charge(deps, charge)
        if found is None or found["payer_id"] != payer_id:
            return [], 0
        return [r for r in rows if r.id == found["registration_id"]], int(found["amount_minor"])
    pending = [r for r in rows if r.status is Status.PENDING]
    return pending, sum(r.total_minor for r in pending)


def charge_number(raw: str) -> int:
    """The add-on charge a link names: a row number, or a 404 page (never a database overflow) for anything else."""
    raw = raw.strip() or "0"
    if raw.isascii() and raw.isdigit() and int(raw) <= ROW_ID_MAX:
        return int(raw)
    raise PageProblem(404, "No such payment", "This payment link names a charge that does not exist.")


async def _refuse_if_closed(deps: Deps, session_id: str) -> None:
    if not session_id:
        return
    if await queries.checkout_closed(deps, session_id):
        raise PageProblem(
            410,
            "This checkout has expired",
            "The registration ended or its price changed, so this payment page was closed. Nothing was charged.",
        )


def local_checkout_router(deps: Deps, settings: RegistrationSettings, webhooks: Webhooks) -> APIRouter:
    pages = APIRouter(include_in_schema=False)
    templates = templates_for(deps)

    @pages.get("/test-checkout/{payer_id}")
    async def test_checkout(
        request: Request, payer_id: str, t: str = "", session_id: str = "", charge: str = "0"
    ) -> Response:
        if not settings.uses_test_checkout:
            return Response(status_code=404)
        check_payer(deps, t, payer_id)
        await _refuse_if_closed(deps, session_id)
        rows, amount = await _what(deps, payer_id, charge_number(charge))
        context = {
            "rows": rows,
            "amount": amount,
            "payer_id": payer_id,
            "token": t,
            "session_id": session_id,
            "charge": charge_number(charge),
        }
        return templates.TemplateResponse(request, "test_checkout.html", context)

    @pages.post("/test-checkout/{payer_id}")
    async def test_checkout_submit(request: Request, payer_id: str) -> Response:
        if not settings.uses_test_checkout:
            return Response(status_code=404)
        form = await request.form()
        token = str(form.get("t", ""))
        check_payer(deps, token, payer_id)
        await _refuse_if_closed(deps, str(form.get("session_id") or ""))
        charge = charge_number(str(form.get("charge") or "0"))
        _rows, amount = await _what(deps, payer_id, charge)
        paid = form.get("outcome") == "paid"
        body, signature = webhooks.simulate_checkout(
            "checkout.session.completed" if paid else "checkout.session.async_payment_failed",
            session_id=str(form.get("session_id") or "cs_test_local"),
            payer_id=payer_id,
            amount_minor=amount,
            currency=deps.congress.currency,
            payment_status="paid" if paid else "unpaid",
            payment_intent=f"pi_test_{payer_id}" + (f"_{charge}" if charge else ""),
            metadata={"charge": str(charge)} if charge else None,
        )
        await process_webhook(deps, webhooks, body, signature)
        return RedirectResponse(f"/registrations/{payer_id}?t={token}{'' if paid else '&cancelled=1'}", 303)

    return pages
