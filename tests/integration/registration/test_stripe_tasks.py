"""What the service owes Stripe is durable: open Checkouts are expired when a registration ends,
refunds it decides itself are retried until Stripe accepts (once), and any card payment of a
registration -- also a waived one's add-on -- can be refunded by the organisers. Against stripe-mock.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from schemas.registration import PaymentSucceeded, RefundIssued, RegistrationUpdated
from services.common.auth import ORGANISER_COOKIE, organiser_token, sign
from services.registration.adapters import db, db_tasks
from services.registration.commands import expiry, manage, stripe_tasks
from services.registration.ports import CheckoutRequest, CheckoutSession, PaymentError, Payments
from services.registration.web.self_service import DELEGATE_COOKIE
from tests.forms import token_in
from tests.integration.registration.conftest import EARLY, Service, delegate, register_and_pay, webhook
from tests.integration.registration.test_expiry import status
from tests.integration.registration.test_flows import of, published
from tests.integration.registration.test_offers import AUTH, offer_link, take_offer


class FlakyStripe:
    """The real stripe-mock adapter behind a network that fails the first ``fail`` refunds and expiries.

    ``lose_answer``: the failing refund reaches Stripe and only its answer is lost (the retry must
    then find it, or carry the same idempotency key, so Stripe makes it once). stripe-mock keeps no
    state, so this stands in for what Stripe remembers: the refunds made, by key (``made``).
    """

    def __init__(self, inner: Payments, *, fail: int = 1, lose_answer: bool = False) -> None:
        self.inner, self.fail, self.lose_answer = inner, {"refund": fail, "expire": fail}, lose_answer
        self.checkouts: list[CheckoutRequest] = []
        self.refunds: list[tuple[str, int, str]] = []
        self.made: dict[tuple[str, str], str] = {}
        self.lookups: list[tuple[str, str]] = []
        self.expired: list[tuple[str, str]] = []

    def _failing(self, kind: str) -> bool:
        self.fail[kind] -= 1
        return self.fail[kind] >= 0

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        self.checkouts.append(request)
        return await self.inner.create_checkout(request)

    async def refund(self, payment_reference: str, amount_minor: int, *, idempotency_key: str) -> str:
        self.refunds.append((payment_reference, amount_minor, idempotency_key))
        if self._failing("refund"):
            if self.lose_answer:
                made = await self.inner.refund(payment_reference, amount_minor, idempotency_key=idempotency_key)
                self.made[payment_reference, idempotency_key] = made
            raise PaymentError("connection reset by peer")
        made = await self.inner.refund(payment_reference, amount_minor, idempotency_key=idempotency_key)
        self.made[payment_reference, idempotency_key] = made
        return made

    async def find_refund(self, payment_reference: str, *, idempotency_key: str) -> str | None:
        self.lookups.append((payment_reference, idempotency_key))
        await self.inner.find_refund(payment_reference, idempotency_key=idempotency_key)  # the real call, once
        return self.made.get((payment_reference, idempotency_key))

    async def expire_checkout(self, session_id: str) -> str:
        if self._failing("expire"):
            self.expired.append((session_id, "failed"))
            raise PaymentError("Stripe is unavailable")
        answer = await self.inner.expire_checkout(session_id)
        self.expired.append((session_id, answer))
        return answer


def at(service: Service, minutes: float) -> None:
    service.deps.clock = lambda: EARLY + timedelta(minutes=minutes)


async def tasks(service: Service, registration_id: str) -> list[db_tasks.Task]:
    async with service.deps.sessionmaker() as session:
        return await db_tasks.of_registration(session, registration_id)


async def test_ending_a_registration_expires_its_open_checkout_and_a_failure_is_retried(offline: Service) -> None:
    client, stripe = offline.client, FlakyStripe(offline.deps.payments, fail=0)
    offline.deps.payments = stripe
    cancelled = (await client.post("/api/registrations", json={"delegates": [delegate(0)]})).json()
    checkout_page = (await client.get(cancelled["payment_url"].removeprefix("http://testserver"))).headers["location"]
    assert (await client.get(checkout_page)).status_code == 200
    session_id = (await status(offline, cancelled["payer_id"]))["checkout_session_id"]
    assert session_id

    await manage.cancel(offline.deps, cancelled["payer_id"], by="organiser", reason="duplicate")
    assert stripe.expired == [(session_id, "expired")]  # stripe-mock answered the expire request
    [task] = await tasks(offline, cancelled["payer_id"])
    assert (task["kind"], task["status"], task["target"], task["result"]) == ("expire", "done", session_id, "expired")
    closed = await client.get(checkout_page)  # the local stand-in for Stripe's page refuses it too
    assert closed.status_code == 410 and "This checkout has expired" in closed.text

    # Stripe fails the first time: the cancellation stands, the sweep expires the session later.
    stripe.fail["expire"] = 1
    other = (await client.post("/api/registrations", json={"delegates": [delegate(1)]})).json()
    await client.get(other["payment_url"].removeprefix("http://testserver"))
    other_session = (await status(offline, other["payer_id"]))["checkout_session_id"]
    await manage.cancel(offline.deps, other["payer_id"], by="delegate", reason="changed plans")
    assert (await status(offline, other["payer_id"]))["status"] == "cancelled"
    [task] = await tasks(offline, other["payer_id"])
    assert (task["status"], task["attempts"], task["last_error"]) == ("pending", 1, "Stripe is unavailable")
    assert await stripe_tasks.retry_due(offline.deps) == 0  # not before its backoff
    at(offline, 2)
    assert await stripe_tasks.retry_due(offline.deps) == 1
    assert stripe.expired[-2:] == [(other_session, "failed"), (other_session, "expired")]
    assert (await tasks(offline, other["payer_id"]))[0]["status"] == "done"

    # A new Checkout for a changed price closes the previous one.
    repriced = (await client.post("/api/registrations", json={"delegates": [delegate(4)]})).json()
    await client.get(repriced["payment_url"].removeprefix("http://testserver"))
    first_session = (await status(offline, repriced["payer_id"]))["checkout_session_id"]
    override = {"group": "low", "reason": "scholarship"}
    path = f"/api/organiser/registrations/{repriced['payer_id']}/income-group"
    assert (await client.post(path, json=override, headers=AUTH)).status_code == 200
    await client.get(repriced["payment_url"].removeprefix("http://testserver"))
    assert (await status(offline, repriced["payer_id"]))["checkout_session_id"] != first_session
    assert [(t["target"], t["status"]) for t in await tasks(offline, repriced["payer_id"])] == [(first_session, "done")]

    # One of a group cancelled, the price unchanged (a waived member): the next Checkout is a new
    # session, not Stripe's idempotent replay of the one just expired.
    group = (
        await client.post("/api/registrations", json={"delegates": [delegate(5), delegate(6, code="KEYNOTE27")]})
    ).json()
    await client.get(group["payment_url"].removeprefix("http://testserver"))
    await manage.cancel(
        offline.deps, group["registrations"][1]["registration_id"], by="organiser", reason="keynote withdrew"
    )
    await client.get(group["payment_url"].removeprefix("http://testserver"))
    before, after = stripe.checkouts[-2:]
    assert before.amount_minor == after.amount_minor and before.idempotency_key != after.idempotency_key

    # The sweep expiring an unpaid registration closes its Checkout too.
    at(offline, 0)
    unpaid = (await client.post("/api/registrations", json={"delegates": [delegate(2)]})).json()
    await client.get(unpaid["payment_url"].removeprefix("http://testserver"))
    at(offline, 61)
    assert await expiry.expire_unpaid(offline.deps) == 1
    assert [(t["kind"], t["status"]) for t in await tasks(offline, unpaid["payer_id"])] == [("expire", "done")]
    # Stripe's own expired webhook is not answered by asking Stripe to expire it again.
    at(offline, 0)
    by_stripe = (await client.post("/api/registrations", json={"delegates": [delegate(3)]})).json()
    await client.get(by_stripe["payment_url"].removeprefix("http://testserver"))
    own = (await status(offline, by_stripe["payer_id"]))["checkout_session_id"]
    answer = await webhook(offline, "checkout.session.expired", by_stripe["payer_id"], 0, session_id=own)
    assert answer["outcome"] == "expired" and await tasks(offline, by_stripe["payer_id"]) == []


async def test_automatic_refunds_survive_a_failing_stripe_and_are_made_once(offline: Service) -> None:
    client, stripe = offline.client, FlakyStripe(offline.deps.payments, fail=1, lose_answer=True)
    offline.deps.payments = stripe
    client.cookies.set(ORGANISER_COOKIE, organiser_token("test-secret", "organiser@icsei.example.org"))
    gone = (await client.post("/api/registrations", json={"delegates": [delegate(0)]})).json()
    rid, total = gone["payer_id"], gone["total"]
    await manage.cancel(offline.deps, rid, by="delegate", reason="changed plans")

    # Paid on the Checkout after cancelling; Stripe takes the refund but the answer is lost.
    late = await webhook(offline, "checkout.session.completed", rid, total, payment_intent="pi_late_paid")
    assert late["outcome"] == "late payment refunded"
    row = await status(offline, rid)
    assert (row["paid"], row["refunded_minor"]) == (True, 0)
    [task] = [t for t in await tasks(offline, rid) if t["kind"] == "refund"]
    assert (task["status"], task["attempts"], task["amount_minor"]) == ("pending", 1, total)
    page = await client.get("/organiser/registrations")
    assert '<a href="/organiser/presenters">Presenters</a>' in page.text  # the presenters' deadline, one click away
    page = await client.get(f"/organiser/registrations/{rid}")  # the registration's own page says what is owed
    owed = f'Refund pending</dt><dd><strong class="pending">€{total // 100:,}.00</strong>'
    assert f"{owed} (Stripe failed: connection reset by peer" in page.text
    manual = await client.post(f"/api/organiser/registrations/{rid}/refund", json={"amount": 100}, headers=AUTH)
    assert manual.status_code == 409  # the queued refund already owes it all back
    erase = await client.post(f"/api/organiser/registrations/{rid}/erase", headers=AUTH)
    assert erase.status_code == 409 and "refund is still pending" in erase.json()["detail"]
    signed_in = {"cookie": f"{DELEGATE_COOKIE}={sign('test-secret', 'delegate-session', {'rid': rid})}"}
    me = await client.get("/me", headers=signed_in)
    assert f"A refund of <strong>€{total // 100:,}.00</strong> is on its way to your card" in me.text

    at(offline, 2 * 24 * 60)  # two days later: Stripe has forgotten the idempotency key by now
    assert await stripe_tasks.retry_due(offline.deps) == 1
    assert await stripe_tasks.retry_due(offline.deps) == 0
    # The retry asked Stripe first and found the refund the lost answer was about: not made again.
    assert [r for r in stripe.refunds if r[0] == "pi_late_paid"] == [("pi_late_paid", total, task["key"])]
    assert stripe.lookups == [("pi_late_paid", task["key"])]
    assert (await status(offline, rid))["refunded_minor"] == total
    refunds = [e for e in of(await published(offline), RefundIssued) if e.registration_id == rid]
    assert [e.amount.amount_minor for e in refunds] == [total]
    assert "refund pending" not in (await client.get("/organiser/registrations")).text
    me = await client.get("/me", headers=signed_in)
    assert f"Refunded to your card: <strong>€{total // 100:,}.00</strong>." in me.text and "on its way" not in me.text

    # A second payment for a paid registration: queued, failed once, made by the sweep.
    stripe.fail["refund"], stripe.lose_answer = 1, False
    paid = await register_and_pay(offline, delegate(1))
    twice = await webhook(
        offline, "checkout.session.completed", paid["payer_id"], paid["total"], payment_intent="pi_twice"
    )
    assert twice["outcome"] == "paid twice: refunding"
    assert not [e for e in of(await published(offline), RefundIssued) if e.registration_id == paid["payer_id"]]
    at(offline, 2 * 24 * 60 + 10)
    assert await stripe_tasks.retry_due(offline.deps) == 1
    assert stripe.lookups[-1] == ("pi_twice", stripe.refunds[-1][2])  # asked first, found nothing, refunded
    again = [e for e in of(await published(offline), RefundIssued) if e.registration_id == paid["payer_id"]]
    assert [e.amount.amount_minor for e in again] == [paid["total"]]
    assert (await status(offline, paid["payer_id"]))["refunded_minor"] == 0  # not the registration's own money


async def test_a_waived_registrations_add_on_paid_by_card_can_be_refunded_by_organisers(offline: Service) -> None:
    client = offline.client
    async with offline.deps.sessionmaker.begin() as session:
        await session.execute(db.capacity.update().where(db.capacity.c.code == "dinner").values(capacity=1))
    first = await register_and_pay(offline, delegate(0, add_ons=["dinner"]))
    waived = (
        await client.post(
            "/api/registrations",
            json={"delegates": [delegate(1, add_ons=["dinner"], waitlist_if_full=True, code="KEYNOTE27")]},
        )
    ).json()
    rid = waived["payer_id"]
    assert waived["total"] == 0 and (await status(offline, rid))["payment_method"] == "waiver"
    await manage.cancel(offline.deps, first["payer_id"], by="organiser", reason="visa refused")
    accept = await take_offer(offline, await offer_link(offline, rid))
    query = dict(p.split("=", 1) for p in urlsplit(accept.headers["location"]).query.split("&"))
    paid = await webhook(
        offline,
        "checkout.session.completed",
        rid,
        8500,
        metadata={"charge": query["charge"]},
        session_id=query["session_id"],
        payment_intent="pi_waived_dinner",
    )
    assert paid["outcome"] == "add-on confirmed"
    assert of(await published(offline), RegistrationUpdated)[-1].changed_fields == ("add_ons",)
    assert of(await published(offline), PaymentSucceeded)[-1].amount.amount_minor == 8500

    client.cookies.set(ORGANISER_COOKIE, organiser_token("test-secret", "organiser@icsei.example.org"))
    page = await client.get(f"/organiser/registrations/{rid}")
    assert f'action="/organiser/registrations/{rid}/refund"' in page.text
    done = await client.post(
        f"/organiser/registrations/{rid}/refund",
        data={"amount": "30.00", "confirm": "yes", "csrf_token": token_in(page.text)},
    )
    assert done.status_code == 303, done.text[-400:]
    too_much = await client.post(f"/api/organiser/registrations/{rid}/refund", json={"amount": 5501}, headers=AUTH)
    assert too_much.status_code == 409 and "between 1 and 5500" in too_much.text
    rest = await client.post(f"/api/organiser/registrations/{rid}/refund", json={"amount": 5500}, headers=AUTH)
    assert rest.status_code == 200, rest.text
    refunds = [e for e in of(await published(offline), RefundIssued) if e.registration_id == rid]
    assert [e.amount.amount_minor for e in refunds] == [3000, 5500]
    assert (await status(offline, rid))["refunded_minor"] == 8500
    page = await client.get(f"/organiser/registrations/{rid}")
    assert f'action="/organiser/registrations/{rid}/refund"' not in page.text  # nothing left to refund
    # The organiser can refund a cancelled card registration from its page too.
    page = await client.get(f"/organiser/registrations/{first['payer_id']}")
    assert f'action="/organiser/registrations/{first["payer_id"]}/refund"' in page.text
