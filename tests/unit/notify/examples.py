"""A rendered example message composed the way notify sends it (shared by the template tests)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from typing import Any

from services.notify.adapters.compose import compose
from services.notify.adapters.render import Rendered
from services.notify.domain.delivery import Envelope


def compose_example(rendered: Rendered, context: dict[str, Any], to_address: str) -> Envelope:
    return compose(
        rendered=rendered,
        sender=Address("ICSEI 2027", addr_spec="secretariat@icsei.example.org"),
        to_name=context["recipient"].name,
        to_address=to_address,
        message_id="<abc@icsei.example.org>",
        date=datetime(2026, 11, 3, tzinfo=UTC),
    )
