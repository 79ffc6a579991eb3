"""Retention with the clock moved forward (issue 16), on SQLite and PostgreSQL: special needs go
``special_needs_days`` after the congress, registrations are erased after ``registrations_days`` (one that still
owes money is kept), each pass that removed something is recorded once, and the periodic job does it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from schemas.privacy import DataClass, RetentionApplied
from schemas.registration import RegistrationErased
from services.common import jobs
from services.common.auth import organiser_token
from services.registration.adapters import db
from services.registration.adapters.privacy_store import special_needs
from services.registration.app import sweeps
from services.registration.commands import retention
from services.registration.domain.registration import ERASED
from tests.integration.registration.conftest import Service, delegate, register_and_pay
from tests.integration.registration.test_flows import of, published

ORGANISER = {"authorization": f"Bearer {organiser_token('test-secret', 'organiser@icsei.example.org')}"}
ENDS = datetime(2027, 1, 8, tzinfo=UTC)
"""The demo congress's last day (ends_on); it is in Asia/Tokyo, so local midnights are 15:00 UTC the day before."""
NEEDS_GONE = datetime(2027, 1, 15, 15, 0, tzinfo=UTC)
"""Local midnight starting 16 January 2027 in Tokyo: the first moment after 7 full days past the last day."""
INVOICE = {
    "payment_method": "invoice",
    "invoice": {"institution_name": "Kyoto U", "institution_address": "Kyoto", "email": "ap@kyoto.example"},
}


async def needs_rows(service: Service) -> int:
    async with service.runtime.engine.connect() as conn:
        return len((await conn.execute(select(special_needs))).all())


async def names(service: Service) -> dict[str, str]:
    async with service.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(db.registrations.c.id, db.registrations.c.given_name))).tuples()
        return dict(rows.all())


async def test_special_needs_then_registrations_go_when_their_periods_end(offline: Service) -> None:
    deps = offline.deps
    needs = {"special_needs_consent": True, "diets": ["vegan"], "access": ["companion"]}
    paid = await register_and_pay(offline, delegate(1, **needs))
    owing = (await offline.client.post("/api/registrations", json={"delegates": [delegate(2)]} | INVOICE)).json()
    assert await needs_rows(offline) == 1

    assert retention.gone_from(deps, 7) == NEEDS_GONE
    deps.clock = lambda: NEEDS_GONE - timedelta(seconds=1)
    assert await retention.sweep(deps) == retention.Swept()
    assert await needs_rows(offline) == 1

    deps.clock = lambda: NEEDS_GONE
    assert await retention.sweep(deps) == retention.Swept(special_needs=1)
    assert await needs_rows(offline) == 0
    assert await retention.sweep(deps) == retention.Swept()  # a second pass removes and records nothing
    [applied] = of(await published(offline), RetentionApplied)
    assert (applied.data_class, applied.removed, applied.service) == (DataClass.SPECIAL_NEEDS, 1, "registration")
    assert applied.expired_from == date(2027, 1, 16) and applied.edition_id == "icsei-2027"  # the local day
    assert set((await names(offline)).values()) == {"Aiko"}  # registrations stay for their own period

    deps.clock = lambda: ENDS + timedelta(days=731)
    [job] = [j for j in sweeps(deps) if j.name == "registration.retention"]
    assert await jobs.run_once(offline.runtime.engine, job)  # the periodic job, under its lease
    held = await names(offline)
    assert held[paid["payer_id"]] == ERASED  # paid and used: erased as it is
    assert held[owing["payer_id"]] == "Aiko"  # the invoice is unpaid: kept until it is settled
    events = await published(offline)
    assert [e.registration_id for e in of(events, RegistrationErased)] == [paid["payer_id"]]
    last = of(events, RetentionApplied)[-1]
    assert (last.data_class, last.removed, last.people_erased, last.kept) == (DataClass.REGISTRATIONS, 1, 1, 1)


async def invoices(service: Service) -> dict[str, object]:
    async with service.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(db.registrations.c.id, db.registrations.c.invoice))).tuples()
        return dict(rows.all())


async def test_issued_invoices_are_kept_for_the_tax_period_then_their_details_go(offline: Service) -> None:
    deps = offline.deps
    made = (await offline.client.post("/api/registrations", json={"delegates": [delegate(3)]} | INVOICE)).json()
    rid = made["payer_id"]
    paid = await offline.client.post(f"/api/organiser/registrations/{rid}/mark-paid", headers=ORGANISER)
    assert paid.status_code == 200, paid.text
    gone = retention.gone_from(deps, deps.privacy.retention.invoices_days)
    assert gone.date() == (ENDS + timedelta(days=deps.privacy.retention.invoices_days + 1)).date()

    deps.clock = lambda: gone - timedelta(seconds=1)  # the registration is erased long before; the invoice is kept
    before = await retention.sweep(deps)
    assert (before.erased, before.invoices) == (1, 0)
    kept = await invoices(offline)
    held = kept[rid]
    assert isinstance(held, dict) and held["institution_name"] == "Kyoto U" and "email" not in held

    deps.clock = lambda: gone
    assert await retention.sweep(deps) == retention.Swept(invoices=1)
    assert not (await invoices(offline))[rid]
    assert await retention.sweep(deps) == retention.Swept()  # nothing left: nothing recorded
    last = of(await published(offline), RetentionApplied)[-1]
    assert (last.data_class, last.removed, last.service) == (DataClass.INVOICES, 1, "registration")
    async with offline.runtime.engine.connect() as conn:
        reg = db.registrations.c
        number = (await conn.execute(select(reg.invoice_number).where(reg.id == rid))).scalar_one()
    assert number  # the invoice number stays for the books
