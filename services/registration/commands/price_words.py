"""A price line in the words the records keep: English, as the registration's stored lines, the organisers'
pages, the JSON API and the invoices (``InvoiceIssued``) read it.

The domain gives a line as values (``domain.pricing.Line``); the delegate pages say the same line in the page's
language (``web/templates/_price_lines.html``). The records' wording is unchanged from when the domain wrote it,
so rows stored before read the same as rows stored now. An invoice's line carries both: this English, and the line's
values (``InvoiceCharge``) from which badges prints it in the invoice's language.
"""

from __future__ import annotations

from collections.abc import Callable

from schemas.registration import InvoiceCharge, InvoiceLine
from schemas.values import Money
from services.registration.config import RegistrationConfig
from services.registration.domain.pricing import AddOnSpec, Line, LineKind


def record_text(line: Line) -> str:
    """``Member registration (early bird)``, ``Income group low (25% of the fee)``, ``Add-on: Congress dinner``."""
    match line.kind:
        case LineKind.FEE:
            return f"{line.label} registration ({'early bird' if line.early_bird else 'regular'})"
        case LineKind.INCOME_GROUP:
            group = line.income_group.value if line.income_group else ""
            return f"Income group {group} ({line.percent}% of the fee)"
        case LineKind.GROUP:
            return f"Group of {line.group_size} ({line.percent}% off)"
        case LineKind.CODE:
            return f"Code {line.code}"
        case LineKind.WAIVER:
            return f"Code {line.code} (full waiver)"
        case LineKind.ADD_ON:
            return add_on_text(line.label)


def add_on_text(label: str) -> str:
    """How an add-on's line reads on a record and an invoice."""
    return f"Add-on: {label}"


def add_on_line(spec: AddOnSpec) -> Line:
    """An add-on bought on its own (after registering) as a price line."""
    return Line(LineKind.ADD_ON, spec.price, label=spec.label, add_on=spec.code)


def add_on_record(spec: AddOnSpec) -> tuple[str, int]:
    """An add-on's line as a registration stores it (its words, its price)."""
    return add_on_text(spec.label), spec.price


def record_lines(lines: tuple[Line, ...]) -> tuple[tuple[str, int], ...]:
    """A quote's lines as a registration stores them."""
    return tuple((record_text(line), line.amount_minor) for line in lines)


def invoice_charge(line: Line, config: RegistrationConfig) -> InvoiceCharge:
    """A price line as an invoice carries it for a document to word in the invoice's language: its values, and a
    category's or add-on's label in the languages the congress file gives (``labels``)."""
    labels: dict[str, str] = {}
    if line.kind is LineKind.FEE and (category := config.categories.get(line.category or "")) is not None:
        labels = {str(k): v for k, v in category.labels.items()}
    if line.kind is LineKind.ADD_ON:
        spec = next((a for a in config.add_ons if a.code == line.add_on), None)
        labels = {str(k): v for k, v in spec.labels.items()} if spec is not None else {}
    return InvoiceCharge(
        kind=line.kind.value,
        label=line.label,
        labels=labels,
        early_bird=line.early_bird,
        percent=line.percent,
        group_size=line.group_size,
        code=line.code,
        income_group=line.income_group.value if line.income_group else None,
    )


def invoice_line(delegate: str, line: Line, config: RegistrationConfig, money: Callable[[int], Money]) -> InvoiceLine:
    """One line of an invoice: the English the records keep (``description``) and the values a document words."""
    return InvoiceLine(
        description=f"{delegate}: {record_text(line)}",
        amount=money(line.amount_minor),
        delegate=delegate,
        charge=invoice_charge(line, config),
    )
