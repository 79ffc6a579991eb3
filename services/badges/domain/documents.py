"""What each delegate document shows: the template contexts of receipts, invoices, visa letters, certificates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_percent, get_currency_precision

from schemas.registration import InvoiceCharge, InvoiceIssued, InvoiceLine

WORDED = ("en", "fr", "es", "de")
"""The languages badges' catalog words receipts and invoices in (the pages' four): their headings, lines, amounts and
dates; a delegate of another language gets them in English."""
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


def worded(language: str) -> str:
    """The language a receipt or an invoice is worded in for a delegate of ``language``."""
    return language if language in WORDED else "en"


def _day(value: date | datetime, congress: Any, locale: str = "en") -> str:
    """The day in the congress's timezone, as ``locale`` writes it in full (``7 décembre 2026``)."""
    if isinstance(value, datetime):
        value = value.astimezone(congress.tz).date()
    return format_date(value, format="long", locale=locale)


def receipt_context(congress: Any, row: Any, payment: Any, number: str) -> dict[str, Any]:
    """A receipt in the delegate's language (``worded``): ``receipt.html``'s words, the amount and the days."""
    language = worded(row.language)
    return {
        "issuer": _issuer(congress),
        "page_lang": language,
        "lang": language,
        "number": number,
        "name": f"{row.given_name} {row.family_name}",
        "registration_number": row.registration_number,
        "affiliation": row.affiliation,
        "amount": money(payment.amount_minor, payment.currency, language),
        "method": payment.method,
        "reference": payment.reference,
        "paid_on": _day(payment.paid_at, congress, language),
        "issued_on": _day(datetime.now(UTC), congress, language),
    }


def invoice_context(congress: Any, d: InvoiceIssued) -> dict[str, Any]:
    """An invoice in its ``language`` (``worded``): ``invoice.html``'s headings and lines, the amounts and the days."""
    language = worded(d.language)
    return {
        "issuer": _issuer(congress),
        "page_lang": language,
        "lang": language,
        "number": d.invoice_number,
        "institution_name": d.institution_name,
        "institution_address": d.institution_address,
        "vat_id": d.vat_id,
        "purchase_order": d.purchase_order,
        "lines": [_invoice_line(line, language) for line in d.lines],
        "total": money(d.total.amount_minor, d.total.currency, language),
        "issued_on": _day(d.issued_at, congress, language),
        "due_on": _day(d.due_at, congress, language),
    }


def _invoice_line(line: InvoiceLine, language: str) -> dict[str, Any]:
    """A line as ``invoice.html`` prints it: whom it is for and its charge's values, worded there in the
    invoice's language (``page_lang``); a line without them (an invoice issued before) prints its description."""
    charge = line.charge if line.delegate and line.charge and line.charge.kind in CHARGES else None
    return {
        "description": line.description,
        "amount": money(line.amount.amount_minor, line.amount.currency, language),
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
