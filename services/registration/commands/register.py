"""Registering delegates (alone or as a group): price, take places, save, emit — one transaction.

Everything is priced by the server from the configuration; the client never sends an
amount. Capacity (the congress total and each add-on) and code uses are taken with
atomic conditional updates, so a full add-on or used-up code rejects the whole
registration and nothing is half-saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from schemas.registration import (
    InvoiceIssued,
    RegistrationConfirmed,
    RegistrationCreatedV2,
)
from schemas.values import PaymentMethod, Role
from services.common.sealing import NOTIFY_LINK, seal
from services.registration.commands import addresses, consent
from services.registration.commands.links import view_token
from services.registration.commands.price_words import invoice_line, record_lines
from services.registration.commands.records import (
    Deps,
    RegistrationRejected,
    Row,
    delegate_of,
    ids,
    new_id,
    snapshot,
)
from services.registration.commands.requests import DelegateIn, InvoiceIn, RegistrationIn
from services.registration.domain import pricing as domain
from services.registration.domain import registration as lifecycle
from services.registration.domain import roles
from services.registration.domain.registration import Registration, Status
from services.registration.ports import REGISTRATION_COUNTER, TOTAL, Batch, Stages

TYPED_ROLES = (Role.DELEGATE,)
"""The roles a delegate registers with; the call for papers may have earned them more (``at_registration``)."""


@dataclass(frozen=True)
class Typed:
    """A delegate's address and the roles they registered with (before any earned ones)."""

    email: str
    roles: tuple[Role, ...] = TYPED_ROLES


@dataclass(frozen=True)
class Registered:
    payer_id: str
    rows: tuple[Registration, ...]
    payment_url: str | None
    view_token: str
    waitlisted: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return sum(r.total_minor for r in self.rows)


def price_all(deps: Deps, forms: Sequence[DelegateIn], now: datetime) -> list[domain.Quote]:
    """Quote every delegate, or ``RegistrationRejected`` naming each field at fault."""
    errors: dict[str, str] = {}
    quotes = []
    for i, form in enumerate(forms):
        group = domain.income_group_for(deps.income_table, form.country)
        try:
            quotes.append(
                domain.quote(
                    deps.rules,
                    category=form.category,
                    income_group=group,
                    add_ons=tuple(form.add_ons),
                    code=form.code,
                    group_size=len(forms),
                    now=now,
                )
            )
        except domain.PricingError as exc:
            errors[f"delegates.{i}.{exc.field}"] = exc.message
    if len(forms) > 1 and len(forms) > deps.config.group.max_size:
        errors["delegates"] = f"A group can have at most {deps.config.group.max_size} delegates."
    if errors:
        raise RegistrationRejected(errors)
    return quotes


async def register(deps: Deps, request: RegistrationIn) -> Registered:
    """Register one delegate or a group paid by the first; all or nothing."""
    forms = [f.normalised() for f in request.delegates]
    method, invoice = request.method, request.invoice
    if not forms:
        raise RegistrationRejected({"delegates": "Register at least one delegate."})
    if method is PaymentMethod.INVOICE and invoice is None:
        raise RegistrationRejected({"invoice": "Paying by invoice needs the institution's details."})
    addresses.refuse_repeats([f.email for f in forms])
    consent.check_notices(deps, forms)
    now = deps.clock()
    quotes = price_all(deps, forms, now)
    payer_id = new_id("reg")
    group_id = new_id("grp") if len(forms) > 1 else None

    req = _Request(forms, quotes, method, invoice, now, payer_id, group_id)
    try:
        rows, waitlisted = await _write(deps, req)
    except addresses.AddressInUse as exc:  # nothing was saved: tell the address's owner, answer neutrally
        await addresses.tell_owners(deps, [forms[i].email for i in exc.indexes])
        raise addresses.notified(exc.indexes) from None
    card = rows[0].payment_method is PaymentMethod.CARD
    token = view_token(deps, payer_id)
    url = f"{deps.public_url}/pay/{payer_id}?t={token}" if card else None
    return Registered(payer_id, tuple(rows), url, token, tuple(waitlisted))


async def _write(deps: Deps, req: _Request) -> Written:
    """Group-committed with the registrations queued at the same moment (where the store allows)."""
    return await deps.writer.run_batched(_write_batch, (deps, req))


@dataclass(frozen=True)
class _Request:
    forms: Sequence[DelegateIn]
    quotes: Sequence[domain.Quote]
    method: PaymentMethod
    invoice: InvoiceIn | None
    now: datetime
    payer_id: str
    group_id: str | None


Written = tuple[list[Registration], list[str]]


def _write_batch(batch: Batch, items: list[tuple[Deps, _Request]]) -> list[Written]:
    """Take places, number, insert and stage the events of several registrations at once.

    One statement takes the congress places of the whole batch and one advances the numbers;
    the rows go in one insert. Any rejection (``RegistrationRejected``) undoes all of it: the
    group writer then replays the registrations one by one, so only the rejected one fails.
    """
    deps = items[0][0]
    places = sum(len(req.forms) for _, req in items)
    if not batch.take_seats(TOTAL, places):
        raise RegistrationRejected({"delegates": "Sorry, the congress is fully booked."})
    number = batch.advance(REGISTRATION_COUNTER, places) - places + 1
    forms = [form for _, req in items for form in req.forms]
    # read after the counter is locked: registrations and earned roles recorded meanwhile queue behind it
    earned = batch.earned_roles({roles.email_key(form.email) for form in forms})
    taken = batch.live_addresses({roles.email_key(form.email) for form in forms})
    for _, req in items:  # read after the counter is locked, like ``earned``: concurrent ones queue behind it
        addresses.claim([form.email for form in req.forms], taken)
    written: list[Written] = []
    all_rows: list[Registration] = []
    waiting: list[Row] = []
    applied: list[Row] = []
    for _, req in items:
        rows, waitlisted = _prepare(deps, batch, req, number, earned)
        _record_privacy(deps, batch, rows, req)
        applied += at_registration(rows, [Typed(form.email) for form in req.forms], earned, req.now)
        number += len(req.forms)
        all_rows += rows
        waiting += [
            {"add_on_code": code, "registration_id": rid, "status": "waiting", "created_at": req.now}
            for rid, code in waitlisted
        ]
        written.append((rows, [f"{rid}:{code}" for rid, code in waitlisted]))
    batch.insert(all_rows, waiting, applied)
    return written


def _record_privacy(deps: Deps, batch: Batch, rows: Sequence[Registration], req: _Request) -> None:
    """Each new registration's notice version and consents, and its special needs where consented (no event)."""
    pairs = list(zip(rows, req.forms, strict=True))
    needs = [(row.id, kept) for row, form in pairs if (kept := consent.needs_of(form)) is not None]
    batch.insert_privacy([(row.id, consent.consents_of(deps, form)) for row, form in pairs], needs, req.now)


def at_registration(
    rows: Sequence[Registration], typed: Sequence[Typed], earned: Mapping[str, set[Role]], now: datetime
) -> list[Row]:
    """Notes of the roles new registrations got from ``earned`` (those their form did not give them already)."""
    return [
        {"registration_id": row.id, "role": role.value, "applied_at": now}
        for row, form in zip(rows, typed, strict=True)
        for role in sorted(roles.missing_roles(form.roles, earned.get(roles.email_key(form.email), ())))
    ]


def _roles(email: str, earned: Mapping[str, set[Role]]) -> tuple[Role, ...]:
    """The roles a new registration holds: a delegate's, and what the call for papers earned its address."""
    extra = earned.get(roles.email_key(email))
    return roles.with_roles(TYPED_ROLES, extra) if extra else TYPED_ROLES


def _prepare(
    deps: Deps, batch: Batch, req: _Request, first: int, earned: Mapping[str, set[Role]]
) -> tuple[list[Registration], list[tuple[str, str]]]:
    """One registration's add-on seats, code use, rows (numbered from ``first``) and events."""
    quotes, full = [], []
    for i, (form, quote) in enumerate(zip(req.forms, req.quotes, strict=True)):
        kept, waiting = _take_places(deps, batch, i, form, quote)
        quotes.append(kept)
        full.append(waiting)
    method = PaymentMethod.WAIVER if sum(q.total for q in quotes) == 0 else req.method
    ids_ = [req.payer_id, *(new_id("reg") for _ in req.forms[1:])]
    rows = [
        _row(deps, rid, req, form, quote, first + i, _roles(form.email, earned))
        for i, (rid, form, quote) in enumerate(zip(ids_, req.forms, quotes, strict=True))
    ]
    rows = _settle(deps, batch, rows, quotes, method, req.invoice, req.now)
    _emit_created(deps, batch, rows, req.group_id)
    return rows, [(rid, code) for rid, codes in zip(ids_, full, strict=True) for code in codes]


def _take_places(
    deps: Deps, batch: Batch, i: int, form: DelegateIn, quote: domain.Quote
) -> tuple[domain.Quote, list[str]]:
    """Take the add-on seats and the code use; returns the quote without waitlisted add-ons."""
    full = []
    for code in form.add_ons:
        if not batch.take_seats(code):
            if not form.waitlist_if_full:
                label = deps.rules.add_ons[code].label
                raise RegistrationRejected(
                    {f"delegates.{i}.add_ons": f"{label} is full; you can join its waiting list."}
                )
            full.append(code)
    if quote.code:
        spec = deps.rules.codes[quote.code]
        if not batch.use_code(quote.code, spec.max_uses):
            raise RegistrationRejected({f"delegates.{i}.code": f"The code {quote.code} has been used up."})
    return (quote.without_add_ons(full) if full else quote), full


def _row(
    deps: Deps, rid: str, req: _Request, form: DelegateIn, quote: domain.Quote, number: int, held: tuple[Role, ...]
) -> Registration:
    return Registration(
        id=rid,
        delegate_id=new_id("del"),
        payer_id=req.payer_id,
        group_id=req.group_id,
        number=f"{deps.congress.number_prefix}-{number:05d}",
        status=Status.PENDING,
        paid=False,
        payment_method=PaymentMethod.CARD,
        version=1,
        category=form.category,
        income_group=quote.income_group,
        income_group_reason=None,
        given_name=form.given_name,
        family_name=form.family_name,
        badge_name=form.badge_name,
        affiliation=form.affiliation,
        country=form.country,
        email=str(form.email),
        language=form.language,
        roles=held,
        add_ons=quote.add_ons,
        code=quote.code,
        total_minor=quote.total,
        currency=quote.currency,
        lines=record_lines(quote.lines),
        invoice=None,
        invoice_number=None,
        checkout_session_id=None,
        payment_reference=None,
        refunded_minor=0,
        created_at=req.now,
        updated_at=req.now,
    )


def _settle(
    deps: Deps,
    batch: Batch,
    rows: list[Registration],
    quotes: Sequence[domain.Quote],
    method: PaymentMethod,
    invoice: InvoiceIn | None,
    now: datetime,
) -> list[Registration]:
    """Card stays pending; invoice and waiver are confirmed now (an invoice is issued to the payer)."""
    invoice_number = None
    if method is PaymentMethod.INVOICE and invoice is not None:
        invoice_number = f"{deps.congress.number_prefix}-INV-{batch.advance('invoice'):04d}"
    billed = invoice.model_dump() if invoice_number and invoice else None
    settled = [lifecycle.settle(row, method, invoice=billed, invoice_number=invoice_number) for row in rows]
    if invoice_number and invoice:
        _emit_invoice(deps, batch, settled, quotes, invoice, invoice_number, now)
    return settled


def _emit_created(deps: Deps, batch: Batch, rows: list[Registration], group_id: str | None) -> None:
    payer_id = rows[0].payer_id
    pay_url = f"{deps.public_url}/pay/{payer_id}?t={view_token(deps, payer_id)}"
    for row in rows:
        method = row.payment_method
        sealed = seal(deps.secret, NOTIFY_LINK, pay_url, bound_to=row.id) if method is PaymentMethod.CARD else None
        batch.stage(
            RegistrationCreatedV2(
                **ids(deps, row),
                delegate=delegate_of(deps, row),
                total=deps.money(row.total_minor),
                payment_method=method,
                sealed_payment_url=sealed,
                group_id=group_id,
            ),
        )
        if row.status is Status.CONFIRMED:
            emit_confirmed(deps, batch, row)
        snapshot(deps, batch, row)


def emit_confirmed(deps: Deps, tx: Stages, row: Registration) -> None:
    tx.stage(
        RegistrationConfirmed(
            **ids(deps, row),
            registration_version=row.version,
            delegate=delegate_of(deps, row),
            total=deps.money(row.total_minor),
            payment_method=PaymentMethod(row.payment_method),
        ),
    )


def _emit_invoice(
    deps: Deps,
    batch: Batch,
    rows: list[Registration],
    quotes: Sequence[domain.Quote],
    invoice: InvoiceIn,
    number: str,
    now: datetime,
) -> None:
    """The invoice for the rows, a line per price line of each (the quotes the rows were made from)."""
    payer = rows[0]
    lines = tuple(
        invoice_line(f"{row.badge_name} ({row.number})", line, deps.config, deps.money)
        for row, quote in zip(rows, quotes, strict=True)
        for line in quote.lines
    )
    batch.stage(
        InvoiceIssued(
            **ids(deps, payer),
            invoice_number=number,
            issued_at=now,
            due_at=now + timedelta(days=deps.config.invoice_due_days),
            institution_name=invoice.institution_name,
            institution_address=invoice.institution_address,
            vat_id=invoice.vat_id or None,
            purchase_order=invoice.purchase_order or None,
            lines=lines,
            total=deps.money(sum(r.total_minor for r in rows)),
            email=invoice.email,
            language=payer.language,
        ),
    )
