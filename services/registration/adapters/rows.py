"""Registration rows <-> the ``Registration`` aggregate: the store's mapping, in one place."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from schemas.values import PaymentMethod, Role
from services.common.folding import search_key
from services.registration.adapters.db import registrations
from services.registration.domain.pricing import IncomeGroup
from services.registration.domain.registration import Registration, Status

SEARCH_COLUMN = "search_text"
REGISTRATION_FIELDS = tuple(c.name for c in registrations.columns if c.name != SEARCH_COLUMN)
SEARCHED = ("number", "given_name", "family_name", "badge_name", "email", "affiliation", "country", "invoice_number")
"""What the organisers' search finds a registration by (folded into ``search_text``)."""


def search_text(values: Mapping[str, Any]) -> str:
    """The stored search key of a registration's values (a row or the aggregate's fields)."""
    return search_key(str(values[name]) if values.get(name) else None for name in SEARCHED)


def registration_of(row: Mapping[str, Any]) -> Registration:
    """A stored row as the aggregate (typed status, method, roles; lines and add-ons as tuples)."""
    return Registration(
        **{
            **{name: row[name] for name in REGISTRATION_FIELDS},
            "status": Status(row["status"]),
            "payment_method": PaymentMethod(row["payment_method"]),
            "income_group": IncomeGroup(row["income_group"]),
            "roles": tuple(Role(r) for r in row["roles"]),
            "add_ons": tuple(row["add_ons"]),
            "lines": tuple((str(d), int(a)) for d, a in row["lines"]),
        }
    )


def row_of(reg: Registration) -> dict[str, Any]:
    """The aggregate as a row to insert (plain values: JSON lists, strings)."""
    row = {name: getattr(reg, name) for name in REGISTRATION_FIELDS}
    row[SEARCH_COLUMN] = search_text(row)
    return row | columns(
        status=reg.status,
        payment_method=reg.payment_method,
        income_group=reg.income_group,
        roles=reg.roles,
        add_ons=reg.add_ons,
        lines=reg.lines,
        invoice=reg.invoice,
    )


def columns(**values: Any) -> dict[str, Any]:
    """Changed fields as column values (enums as their value, tuples as JSON lists)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, Enum):
            value = value.value
        elif name in ("roles", "add_ons"):
            value = [v.value if isinstance(v, Enum) else v for v in value]
        elif name == "lines":
            value = [[d, a] for d, a in value]
        elif name == "invoice" and value is not None:
            value = dict(value)
        out[name] = value
    return out
