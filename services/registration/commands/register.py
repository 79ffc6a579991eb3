"""Registering delegates (alone or as a group): price, take places, save, emit — one transaction.

Everything is priced by the server from the configuration; the client never sends an
amount. Capacity (the congress total and each add-on) and code uses are taken with
atomic conditional updates, so a full add-on or used-up code rejects the whole
registration and nothing is half-saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert
from sqlalchemy.orm import Session

from schemas.registration import (
    InvoiceIssued,
    InvoiceLine,
    RegistrationConfirmed,
    RegistrationCreatedV2,
)
from schemas.values import PaymentMethod, Role
from services.common.sealing import NOTIFY_LINK, seal
from services.common.text import tidy
from services.registration.adapters import applied_roles, db, earned_roles
from services.registration.commands import addresses
from services.registration.commands.links import view_token
from services.registration.commands.records import (
    AnySession,
    Deps,
    RegistrationRejected,
    Row,
    delegate_of,
    ids,
    new_id,
    snapshot,
    staging,
)
from services.registration.domain import pricing as domain
from services.registration.domain import roles


@dataclass(frozen=True)
class DelegateForm:
    """One delegate as typed on the form or in the API (text already under the one text rule; tidied again here)."""

    given_name: str
    family_name: str
    affiliation: str
    country: str
    email: str
    category: str
    badge_name: str = ""
    language: str = "en"
    add_ons: tuple[str, ...] = ()
    code: str | None = None
    waitlist_if_full: bool = False
    roles: tuple[Role, ...] = (Role.DELEGATE,)

    def normalised(self) -> DelegateForm:
        given, family = tidy(self.given_name), tidy(self.family_name)
        return replace(
            self,
            given_name=given,
            family_name=family,
            affiliation=tidy(self.affiliation),
            badge_name=tidy(self.badge_name) or f"{given} {family}".strip(),
            country=self.country.strip().upper(),
            email=self.email.strip(),
            code=(self.code or "").strip().upper() or None,
        )


@dataclass(frozen=True)
class InvoiceDetails:
    institution_name: str
    institution_address: str
    email: str
    vat_id: str | None = None
    purchase_order: str | None = None


@dataclass(frozen=True)
class Registered:
    payer_id: str
    rows: tuple[Row, ...]
    payment_url: str | None
    view_token: str
    waitlisted: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return sum(r["total_minor"] for r in self.rows)


def price_all(deps: Deps, forms: Sequence[DelegateForm], now: datetime) -> list[domain.Quote]:
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
                    add_ons=form.add_ons,
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


async def register(
    deps: Deps, forms: Sequence[DelegateForm], method: PaymentMethod, invoice: InvoiceDetails | None = None
) -> Registered:
    """Register one delegate or a group paid by the first; all or nothing."""
    forms = [f.normalised() for f in forms]
    if not forms:
        raise RegistrationRejected({"delegates": "Register at least one delegate."})
    if method is PaymentMethod.INVOICE and invoice is None:
        raise RegistrationRejected({"invoice": "Paying by invoice needs the institution's details."})
    addresses.refuse_repeats([f.email for f in forms])
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
    card = rows[0]["payment_method"] == PaymentMethod.CARD.value
    token = view_token(deps, payer_id)
    url = f"{deps.public_url}/pay/{payer_id}?t={token}" if card else None
    return Registered(payer_id, tuple(rows), url, token, tuple(waitlisted))


async def _write(deps: Deps, req: _Request) -> Written:
    if deps.writer is not None:  # group-committed with the registrations queued at the same moment
        written: Written = await deps.writer.run_batched(_write_batch, (deps, req))
        return written
    async with deps.writing(), deps.sessionmaker.begin() as session:
        return await session.run_sync(lambda s: _write_batch(s, [(deps, req)])[0])


@dataclass(frozen=True)
class _Request:
    forms: Sequence[DelegateForm]
    quotes: Sequence[domain.Quote]
    method: PaymentMethod
    invoice: InvoiceDetails | None
    now: datetime
    payer_id: str
    group_id: str | None


Written = tuple[list[Row], list[str]]


def _write_batch(session: Session, items: list[tuple[Deps, _Request]]) -> list[Written]:
    """Take places, number, insert and stage the events of several registrations at once.

    One statement takes the congress places of the whole batch and one advances the numbers;
    the rows go in one insert. Any rejection (``RegistrationRejected``) undoes all of it: the
    group writer then replays the registrations one by one, so only the rejected one fails.
    """
    deps = items[0][0]
    conn = session.connection()
    places = sum(len(req.forms) for _, req in items)
    if _rowcount(conn.execute(*db.seat_update(db.TOTAL, places))) != 1:
        raise RegistrationRejected({"delegates": "Sorry, the congress is fully booked."})
    number = int(conn.execute(*db.counter_update(earned_roles.REGISTRATION_COUNTER, places)).scalar_one()) - places + 1
    earned = _earned(conn, [form for _, req in items for form in req.forms])
    taken = addresses.live_keys(conn, [form.email for _, req in items for form in req.forms])
    for _, req in items:  # read after the counter is locked, like ``earned``: concurrent ones queue behind it
        addresses.claim([form.email for form in req.forms], taken)
    written: list[Written] = []
    all_rows: list[Row] = []
    waiting: list[Row] = []
    applied: list[Row] = []
    for _, req in items:
        typed, req = req.forms, replace(req, forms=[_with(form, earned) for form in req.forms])
        rows, waitlisted = _prepare(deps, session, conn, req, number)
        applied += applied_roles.at_registration(rows, typed, earned, req.now)
        number += len(req.forms)
        all_rows += rows
        waiting += [
            {"add_on_code": code, "registration_id": rid, "status": "waiting", "created_at": req.now}
            for rid, code in waitlisted
        ]
        written.append((rows, [f"{rid}:{code}" for rid, code in waitlisted]))
    conn.execute(insert(db.registrations), all_rows)
    if waiting:
        conn.execute(insert(db.waiting_list), waiting)
    if applied:
        conn.execute(insert(applied_roles.applied_roles), applied)
    return written


def _earned(conn: Connection, forms: Sequence[DelegateForm]) -> Mapping[str, set[Role]]:
    """Roles the call for papers earned these delegates' emails (read after the counter is locked: see
    ``earned_roles.serialise_with_registering``)."""
    keys = {roles.email_key(form.email) for form in forms}
    return earned_roles.by_key(conn.execute(earned_roles.roles_of_keys(keys)).tuples())


def _with(form: DelegateForm, earned: Mapping[str, set[Role]]) -> DelegateForm:
    extra = earned.get(roles.email_key(form.email))
    return replace(form, roles=roles.with_roles(form.roles, extra)) if extra else form


def _prepare(
    deps: Deps, session: Session, conn: Connection, req: _Request, first: int
) -> tuple[list[Row], list[tuple[str, str]]]:
    """One registration's add-on seats, code use, rows (numbered from ``first``) and events."""
    quotes, full = [], []
    for i, (form, quote) in enumerate(zip(req.forms, req.quotes, strict=True)):
        kept, waiting = _take_places(deps, conn, i, form, quote)
        quotes.append(kept)
        full.append(waiting)
    method = PaymentMethod.WAIVER if sum(q.total for q in quotes) == 0 else req.method
    ids_ = [req.payer_id, *(new_id("reg") for _ in req.forms[1:])]
    rows = [
        _row(deps, rid, req, form, quote, first + i)
        for i, (rid, form, quote) in enumerate(zip(ids_, req.forms, quotes, strict=True))
    ]
    rows = _settle(deps, session, rows, method, req.invoice, req.now)
    _emit_created(deps, session, rows, req.group_id)
    return rows, [(rid, code) for rid, codes in zip(ids_, full, strict=True) for code in codes]


def _take_places(
    deps: Deps, conn: Connection, i: int, form: DelegateForm, quote: domain.Quote
) -> tuple[domain.Quote, list[str]]:
    """Take the add-on seats and the code use; returns the quote without waitlisted add-ons."""
    full = []
    for code in form.add_ons:
        if _rowcount(conn.execute(*db.seat_update(code))) != 1:
            if not form.waitlist_if_full:
                label = deps.rules.add_ons[code].label
                raise RegistrationRejected(
                    {f"delegates.{i}.add_ons": f"{label} is full; you can join its waiting list."}
                )
            full.append(code)
    if quote.code:
        spec = deps.rules.codes[quote.code]
        if _rowcount(conn.execute(*db.code_use_update(quote.code, spec.max_uses))) != 1:
            raise RegistrationRejected({f"delegates.{i}.code": f"The code {quote.code} has been used up."})
    if full:
        kept = tuple(c for c in form.add_ons if c not in full)
        quote = _requote(deps, form, quote, kept)
    return quote, full


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def _requote(deps: Deps, form: DelegateForm, quote: domain.Quote, add_ons: tuple[str, ...]) -> domain.Quote:
    """The quote without the add-ons that were full (the delegate waits for those instead)."""
    lines = tuple(
        line
        for line in quote.lines
        if not any(
            line.description == f"Add-on: {deps.rules.add_ons[c].label}" for c in form.add_ons if c not in add_ons
        )
    )
    if quote.waived:
        lines = (*lines[:-1], domain.Line(lines[-1].description, -sum(x.amount_minor for x in lines[:-1])))
    return replace(quote, lines=lines, total=sum(x.amount_minor for x in lines))


def _row(deps: Deps, rid: str, req: _Request, form: DelegateForm, quote: domain.Quote, number: int) -> Row:
    kept = [
        c
        for c in form.add_ons
        if any(line.description == f"Add-on: {deps.rules.add_ons[c].label}" for line in quote.lines)
    ]
    return {
        "id": rid,
        "delegate_id": new_id("del"),
        "payer_id": req.payer_id,
        "group_id": req.group_id,
        "number": f"{deps.congress.number_prefix}-{number:05d}",
        "status": "pending",
        "paid": False,
        "payment_method": PaymentMethod.CARD.value,
        "version": 1,
        "category": form.category,
        "income_group": quote.income_group.value,
        "income_group_reason": None,
        "given_name": form.given_name,
        "family_name": form.family_name,
        "badge_name": form.badge_name,
        "affiliation": form.affiliation,
        "country": form.country,
        "email": form.email,
        "language": form.language,
        "roles": [r.value for r in form.roles],
        "add_ons": kept,
        "code": quote.code,
        "total_minor": quote.total,
        "currency": quote.currency,
        "lines": [[line.description, line.amount_minor] for line in quote.lines],
        "invoice": None,
        "invoice_number": None,
        "checkout_session_id": None,
        "payment_reference": None,
        "refunded_minor": 0,
        "created_at": req.now,
        "updated_at": req.now,
    }


def _settle(
    deps: Deps,
    session: Session,
    rows: list[Row],
    method: PaymentMethod,
    invoice: InvoiceDetails | None,
    now: datetime,
) -> list[Row]:
    """Card stays pending; invoice and waiver are confirmed now (an invoice is issued to the payer)."""
    status = "pending" if method is PaymentMethod.CARD else "confirmed"
    invoice_number = None
    if method is PaymentMethod.INVOICE and invoice is not None:
        n = int(session.connection().execute(*db.counter_update("invoice")).scalar_one())
        invoice_number = f"{deps.congress.number_prefix}-INV-{n:04d}"
    settled = []
    for row in rows:
        extra: dict[str, Any] = {
            "status": status,
            "payment_method": method.value,
            "paid": method is PaymentMethod.WAIVER,
        }
        if row["id"] == row["payer_id"] and invoice_number and invoice:
            extra |= {"invoice_number": invoice_number, "invoice": invoice.__dict__}
        settled.append(row | extra)
    if invoice_number and invoice:
        _emit_invoice(deps, session, settled, invoice, invoice_number, now)
    return settled


def _emit_created(deps: Deps, session: AnySession, rows: list[Row], group_id: str | None) -> None:
    payer_id = rows[0]["payer_id"]
    pay_url = f"{deps.public_url}/pay/{payer_id}?t={view_token(deps, payer_id)}"
    for row in rows:
        method = PaymentMethod(row["payment_method"])
        sealed = seal(deps.secret, NOTIFY_LINK, pay_url, bound_to=row["id"]) if method is PaymentMethod.CARD else None
        deps.outbox.add(
            staging(session),
            RegistrationCreatedV2(
                **ids(deps, row),
                delegate=delegate_of(deps, row),
                total=deps.money(row["total_minor"]),
                payment_method=method,
                sealed_payment_url=sealed,
                group_id=group_id,
            ),
        )
        if row["status"] == "confirmed":
            emit_confirmed(deps, session, row)
        snapshot(deps, session, row)


def emit_confirmed(deps: Deps, session: AnySession, row: Row) -> None:
    deps.outbox.add(
        staging(session),
        RegistrationConfirmed(
            **ids(deps, row),
            registration_version=row["version"],
            delegate=delegate_of(deps, row),
            total=deps.money(row["total_minor"]),
            payment_method=PaymentMethod(row["payment_method"]),
        ),
    )


def _emit_invoice(
    deps: Deps, session: AnySession, rows: list[Row], invoice: InvoiceDetails, number: str, now: datetime
) -> None:
    payer = rows[0]
    lines = tuple(
        InvoiceLine(description=f"{row['badge_name']} ({row['number']}): {desc}", amount=deps.money(amount))
        for row in rows
        for desc, amount in row["lines"]
    )
    deps.outbox.add(
        staging(session),
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
            total=deps.money(sum(r["total_minor"] for r in rows)),
            email=invoice.email,
            language=payer["language"],
        ),
    )
