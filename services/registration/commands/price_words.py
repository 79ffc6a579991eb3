"""A price line in the words the records keep: English, as the registration's stored lines, the organisers'
pages, the JSON API and the invoices (``InvoiceIssued``) read it.

The domain gives a line as values (``domain.pricing.Line``); the delegate pages say the same line in the page's
language (``web/templates/_price_lines.html``). The records' wording is unchanged from when the domain wrote it,
so rows stored before read the same as rows stored now.
"""

from __future__ import annotations

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


def add_on_record(spec: AddOnSpec) -> tuple[str, int]:
    """An add-on's line as a registration stores it (its words, its price)."""
    return add_on_text(spec.label), spec.price


def record_lines(lines: tuple[Line, ...]) -> tuple[tuple[str, int], ...]:
    """A quote's lines as a registration stores them."""
    return tuple((record_text(line), line.amount_minor) for line in lines)
