"""What each delegate document shows: the template contexts of receipts, invoices, visa letters, certificates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_percent, get_currency_precision

from schemas.registration import InvoiceCharge, InvoiceIssued, InvoiceLine

WORDED = ("en", "fr", "es", "de")
"""The languages badges' catalog words an invoice's lines in (the pages' four); another prints them in English."""
CHARGES = frozenset({"fee", "income-group", "group", "code", "waiver", "add-on"})
"""The kinds of charge ``invoice.html`` words; a line of another kind prints its (English) description."""


def money(amount_minor: int, currency: str, locale: str = "en") -> str:
    """Integer minor units as the locale writes them: 42000 EUR → '€420.00'; 5000 JPY → '¥5,000'."""
    digits = get_currency_precision(currency)
    return format_currency(amount_minor / 10**digits, currency, locale=locale)


def _issuer(congress: Any) -> dict[str, Any]:
    legal = congress.legal
    return {
        "organiser_name": legal.organiser_name,
        "address": legal.address,
        "vat_id": legal.vat_id,
        "registration_number": legal.registration_number,
        "bank_details": legal.bank_details,
        "signatory": legal.signatory,
        "congress_name": congress.name,
        "short_name": congress.short_name,
        "contact": congress.contact.email,
    }


def _day(value: date | datetime, congress: Any) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(congress.tz).date()
    return format_date(value, format="long", locale="en")


def receipt_context(congress: Any, row: Any, payment: Any, number: str) -> dict[str, Any]:
    return {
        "issuer": _issuer(congress),
        "number": number,
        "name": f"{row.given_name} {row.family_name}",
        "registration_number": row.registration_number,
        "affiliation": row.affiliation,
        "amount": money(payment.amount_minor, payment.currency),
        "method": payment.method,
        "reference": payment.reference,
        "paid_on": _day(payment.paid_at, congress),
        "issued_on": _day(datetime.now(UTC), congress),
    }


def invoice_context(congress: Any, d: InvoiceIssued) -> dict[str, Any]:
    return {
        "issuer": _issuer(congress),
        "number": d.invoice_number,
        "institution_name": d.institution_name,
        "institution_address": d.institution_address,
        "vat_id": d.vat_id,
        "purchase_order": d.purchase_order,
        "page_lang": (language := d.language if d.language in WORDED else "en"),
        "lines": [_invoice_line(line, language) for line in d.lines],
        "total": money(d.total.amount_minor, d.total.currency),
        "issued_on": _day(d.issued_at, congress),
        "due_on": _day(d.due_at, congress),
    }


def _invoice_line(line: InvoiceLine, language: str) -> dict[str, Any]:
    """A line as ``invoice.html`` prints it: whom it is for and its charge's values, worded there in the
    invoice's language (``page_lang``); a line without them (an invoice issued before) prints its description."""
    charge = line.charge if line.delegate and line.charge and line.charge.kind in CHARGES else None
    return {
        "description": line.description,
        "amount": money(line.amount.amount_minor, line.amount.currency),
        "delegate": line.delegate,
        "charge": None if charge is None else _charge(charge, language),
    }


def _charge(charge: InvoiceCharge, language: str) -> dict[str, Any]:
    """A charge's values for the template: the label the congress file gives in ``language``, the percent as
    ``language`` writes it."""
    return {
        "kind": charge.kind,
        "label": charge.labels.get(language, charge.label),
        "early_bird": charge.early_bird,
        "percent": format_percent(Decimal(charge.percent) / 100, locale=language),
        "group_size": charge.group_size,
        "code": charge.code or "",
        "income_group": charge.income_group or "high",
    }


def visa_context(congress: Any, row: Any, request: Any, number: str, today: date) -> dict[str, Any]:
    return {
        "issuer": _issuer(congress),
        "number": number,
        "name": request.passport_name,
        "nationality": request.nationality,
        "passport_number": request.passport_number,
        "arrival": _day(request.arrival, congress),
        "departure": _day(request.departure, congress),
        "registration_number": row.registration_number,
        "affiliation": row.affiliation,
        "venue": f"{congress.venue.name}, {congress.venue.city}",
        "starts_on": _day(congress.starts_on, congress),
        "ends_on": _day(congress.ends_on, congress),
        "issued_on": _day(today, congress),
    }


def certificate_context(congress: Any, row: Any, number: str, checked_in_at: datetime, today: date) -> dict[str, Any]:
    return {
        "issuer": _issuer(congress),
        "number": number,
        "name": f"{row.given_name} {row.family_name}",
        "lang": row.language,
        "affiliation": row.affiliation,
        "venue": f"{congress.venue.name}, {congress.venue.city}",
        "starts_on": _day(congress.starts_on, congress),
        "ends_on": _day(congress.ends_on, congress),
        "checked_in_on": _day(checked_in_at, congress),
        "issued_on": _day(today, congress),
    }
