"""A registration aggregate for unit tests: sensible values, any of them overridden by keyword."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from schemas.values import PaymentMethod, Role
from services.registration.domain.pricing import IncomeGroup
from services.registration.domain.registration import Registration, Status

MADE_AT = datetime(2026, 6, 1, tzinfo=UTC)


def registration(**fields: Any) -> Registration:
    values: dict[str, Any] = {
        "id": "reg_1",
        "delegate_id": "del_1",
        "payer_id": "reg_1",
        "group_id": None,
        "number": "ICSEI27-00001",
        "status": Status.PENDING,
        "paid": False,
        "payment_method": PaymentMethod.CARD,
        "version": 1,
        "category": "member",
        "income_group": IncomeGroup.HIGH,
        "income_group_reason": None,
        "given_name": "Aiko",
        "family_name": "Tanaka",
        "badge_name": "Aiko Tanaka",
        "affiliation": "Kyoto University",
        "country": "JP",
        "email": "aiko@example.org",
        "language": "ja",
        "roles": (Role.DELEGATE,),
        "add_ons": ("dinner",),
        "code": None,
        "total_minor": 60500,
        "currency": "EUR",
        "lines": (("Member registration (early bird)", 52000), ("Add-on: Congress dinner", 8500)),
        "invoice": None,
        "invoice_number": None,
        "checkout_session_id": None,
        "payment_reference": None,
        "refunded_minor": 0,
        "created_at": MADE_AT,
        "updated_at": MADE_AT,
    }
    return Registration(**(values | fields))
