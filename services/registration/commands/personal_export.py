"""A copy of everything held about one delegate (GDPR art. 15 and 20; docs/privacy.md "Export").

Registration orchestrates: it writes its own part (the registration, payments and charges, consents and
the special needs it keeps), asks every other service for theirs (``ports.ExportSources``: each
service's authenticated ``/internal/export``, answering only for the person its token names), and hands
over one zip: ``data.json`` (everything, by service) and ``summary.html`` (the same, readable). The
request is recorded before anything is gathered and the delivery after it
(``registration.personal-export.request`` / ``.deliver`` on ``congress.audit``), by the delegate or by
the organiser acting for them.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from services.common.audit import Actor
from services.common.personal_export import Person
from services.registration.commands import audited
from services.registration.commands.export_summary import summary_html
from services.registration.commands.records import Deps, NotAllowed
from services.registration.domain.registration import Registration, plain
from services.registration.ports import Tx


@dataclass(frozen=True)
class Archive:
    filename: str
    content: bytes


async def archive(deps: Deps, registration_id: str, actor: Actor) -> Archive:
    """The delegate's archive; ``NotAllowed`` for an unknown or erased registration."""
    async with deps.units.begin() as tx:
        row = await tx.registrations.get(registration_id)
        if row is None or row.erased:
            raise NotAllowed("there is no personal data of this registration to export")
        audited.note(deps, tx, "registration.personal-export.request", actor, row)
        own = await _own_part(tx, row)
    others = await deps.exports.gather(Person(row.delegate_id, row.email)) if deps.exports else {}
    data = {"congress": deps.congress.short_name, "exported_at": deps.clock().isoformat(), "registration": own}
    data |= others
    content = _zip(data, summary_html(deps.congress.short_name, data))
    missing = sorted(k for k, v in others.items() if isinstance(v, dict) and "unavailable" in v)
    async with deps.units.begin() as tx:
        audited.note(
            deps,
            tx,
            "registration.personal-export.deliver",
            actor,
            row,
            parts=len(data) - 2,
            missing=", ".join(missing),
        )
    return Archive(f"{row.number}-personal-data.zip", content)


async def _own_part(tx: Tx, row: Registration) -> dict[str, Any]:
    consents = await tx.privacy.consents(row.id)
    needs = await tx.privacy.needs(row.id)
    charges = [c for c in await tx.registrations.charges_of(row.payer_id) if c.get("registration_id") == row.id]
    return {
        "registration": _jsonable(plain(row)),
        "payments": _jsonable(
            {
                "method": str(row.payment_method),
                "paid": row.paid,
                "total_minor": row.total_minor,
                "currency": row.currency,
                "lines": row.lines,
                "refunded_minor": row.refunded_minor,
                "payment_reference": row.payment_reference,
                "invoice_number": row.invoice_number,
                "later_charges": charges,
            }
        ),
        "consents": _jsonable(consents.__dict__) if consents else None,
        "special_needs": _jsonable(needs.__dict__) if needs else None,
    }


def _jsonable(value: Any) -> Any:
    """Plain JSON values (dates as ISO text, enums by value, tuples as lists)."""
    return json.loads(json.dumps(value, default=str))


def _zip(data: dict[str, Any], summary: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive_file:
        archive_file.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive_file.writestr("summary.html", summary)
    return out.getvalue()
