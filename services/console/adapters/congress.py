"""Add-on capacities from the congress configuration's ``registration`` section, when it has one.

The registration service owns that section; the console reads only add-on codes,
labels and capacities, tolerating either a list of add-ons or a mapping by code,
and shows plain counts when there is no capacity.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from services.common.congress import Congress
from services.console.domain import AddOnCapacity


class _AddOn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: str
    label: str | None = None
    capacity: int | None = None


def add_on_capacities(congress: Congress) -> dict[str, AddOnCapacity]:
    raw = congress.section("registration").get("add_ons") or []
    items: list[Any] = (
        [{"code": code, **(value if isinstance(value, Mapping) else {})} for code, value in raw.items()]
        if isinstance(raw, Mapping)
        else list(raw)
        if isinstance(raw, list)
        else []
    )
    capacities: dict[str, AddOnCapacity] = {}
    for item in items:
        try:
            add_on = _AddOn.model_validate(item)
        except ValidationError:
            continue  # the registration service validates its own section; the console just shows counts
        capacities[add_on.code] = AddOnCapacity(add_on.code, add_on.label or add_on.code, add_on.capacity)
    return capacities
