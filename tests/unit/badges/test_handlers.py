"""Subscriptions and station commands against fakes (renderer, PDF store) and the SQL store on in-memory SQLite."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas.audit import OrganiserActed
from schemas.badges import (
    BadgeIssued,
    BadgePrinted,
    BadgeRevoked,
    DelegateCheckedIn,
    DocumentIssued,
)
from schemas.base import decode, new_event
from schemas.values import Role
from services.badges import domain
from services.badges.adapters import db
from services.badges.adapters.sql import SqlUnits
from services.badges.commands import CommandRefused, desk, visa
from services.badges.commands.certificates import issue_certificates
from services.badges.domain import BadgeContent, VisaRequest
from services.badges.ports import BadgeDeps, StoredPdf
from services.badges.subscriptions import handlers
from services.common import audit
from services.common.auth import sign
from services.common.congress import load_congress
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.outbox import Outbox, outbox_table
from tests.integration.badges import factories as f


class FakeRenderer:
    def __init__(self) -> None:
        self.badges: list[BadgeContent] = []
        self.documents: list[tuple[str, dict[str, Any]]] = []
        self.batches: list[list[str]] = []
        """Delegates of each ``render_badges`` call (the consumer's, before its transaction)."""
        self.singles: list[str] = []
        """Given names of the badges rendered one by one (by a command)."""
        self.fail_batches = False

    def _render(self, content: BadgeContent) -> bytes:
        self.badges.append(content)
        return f"%PDF badge {content.delegate_id} v{content.registration_version} {content.given_name}".encode()

    async def render_badge(self, content: BadgeContent) -> bytes:
        self.singles.append(content.given_name)
        return self._render(content)

    async def render_badges(self, contents: list[BadgeContent]) -> list[bytes | Exception]:
        self.batches.append([c.delegate_id for c in contents])
        if self.fail_batches:
            return [RuntimeError("the pool could not draw it") for _ in contents]
        return [self._render(c) for c in contents]

    async def render_document(self, template: str, context: dict[str, Any]) -> bytes:
        self.documents.append((template, context))
        return f"%PDF {template} {context.get('number')}".encode()

    async def render_sheets(self, contents: list[BadgeContent]) -> bytes:
        return b"%PDF sheets"


class FakeStore:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, pdf: bytes) -> StoredPdf:
        sha = hashlib.sha256(pdf).hexdigest()
        self.blobs[sha] = pdf
        return StoredPdf(sha, f"mem://{sha}")

    def get(self, sha256: str) -> bytes:
        return self.blobs[sha256]

    def delete(self, sha256: str) -> None:
        self.blobs.pop(sha256, None)


class FixedClock:
    def now(self) -> datetime:
        return datetime(2027, 1, 5, 1, 0, tzinfo=UTC)


@pytest.fixture
async def sm() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine("sqlite+aiosqlite:///:memory:")
    await create_tables(engine, db.metadata)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def deps(sm: async_sessionmaker[AsyncSession]) -> BadgeDeps:
    return BadgeDeps(
        units=SqlUnits(sm, Outbox("/congress/badges")),
        renderer=FakeRenderer(),
        store=FakeStore(),
        secret="unit",
        congress=load_congress(),
        clock=FixedClock(),
    )


async def staged(sm: async_sessionmaker[AsyncSession], after: int = 0) -> list[Any]:
    """The events in the outbox after row ``after``, in order."""
    async with sm() as session:
        query = select(outbox_table.c.value).where(outbox_table.c.id > after).order_by(outbox_table.c.id)
        return [decode(v).data for v in (await session.execute(query)).scalars()]


async def feed(sm: async_sessionmaker[AsyncSession], deps: BadgeDeps, *payloads: Any) -> list[Any]:
    """Each payload handled in a transaction of its own, as the consumer's batch would; the events it staged."""
    table = handlers(deps)
    async with sm() as session:
        before = (await session.execute(select(func.max(outbox_table.c.id)))).scalar() or 0
    for payload in payloads:
        async with deps.units.begin() as unit:  # a transaction the handler joins, as it joins the consumer's
            await table[type(payload)](new_event(payload, "/tests"), unit.uow.session)  # type: ignore[attr-defined]
    return await staged(sm, before)


async def test_badge_per_version_newer_reissues_older_ignored_cancel_revokes(sm: Any, deps: BadgeDeps) -> None:
    d = f.delegate("Jürgen", "Müller")
    renamed = d.model_copy(update={"given_name": "Jürgen-Klaus"})
    out = await feed(
        sm,
        deps,
        f.confirmed(d),
        f.confirmed(d),
        f.updated(renamed, 2),
        f.updated(d, 1),
        f.snapshot(renamed, 2),
        f.cancelled(d, 3),
        f.cancelled(d, 3),
    )
    assert [type(e) for e in out] == [BadgeIssued, BadgeIssued, BadgeRevoked]
    assert [e.registration_version for e in out[:2]] == [1, 2]
    assert [c.given_name for c in deps.renderer.badges] == ["Jürgen", "Jürgen-Klaus"]  # type: ignore[attr-defined]
    # the replaced face's file is gone once the new one is committed: only the current badge is on disk (issue 16)
    assert set(deps.store.blobs) == {out[1].pdf_sha256}  # type: ignore[attr-defined]
    token = deps.renderer.badges[-1].qr_token  # type: ignore[attr-defined]
    from services.common.auth import verify

    assert verify("unit", domain.QR_PURPOSE, token) == {
        "d": d.delegate_id,
        "v": 2,
        "c": f.CONGRESS,
    }


async def test_a_released_invoice_registration_loses_its_badge_whichever_topic_comes_first(
    sm: Any, deps: BadgeDeps
) -> None:
    """An invoice registration was confirmed (badge issued), then its unpaid hold released it: status
    ``expired``. The snapshot (congress.delegates) may arrive before RegistrationCancelled; either way
    the badge is revoked once, and the later event changes nothing."""
    d = f.delegate("Amara", "Okafor")
    out = await feed(sm, deps, f.confirmed(d), f.snapshot(d, 2, status="expired", is_paid=False))
    assert [type(e) for e in out] == [BadgeIssued, BadgeRevoked]  # revoked on the snapshot alone
    async with sm() as session:
        badge = await db.badge_of(session, d.delegate_id)
    assert badge is not None and badge.revoked
    assert await feed(sm, deps, f.cancelled(d, 2)) == []


async def test_snapshot_alone_builds_the_replica_and_a_badge(sm: Any, deps: BadgeDeps) -> None:
    d = f.delegate("Иван", "Петров")
    out = await feed(sm, deps, f.snapshot(d, 4))
    assert isinstance(out[0], BadgeIssued) and out[0].registration_version == 4
    async with sm() as session:
        assert [r.delegate_id for r in await db.search(session, "petrov")] == [d.delegate_id]
        assert [r.delegate_id for r in await db.search(session, d.email.upper())] == [d.delegate_id]


async def test_payment_before_details_gets_its_receipt_once_the_delegate_is_known(sm: Any, deps: BadgeDeps) -> None:
    d = f.delegate("Ana", "Silva")
    first = await feed(sm, deps, f.paid(d, "cs_1"))
    assert first == []
    out = await feed(sm, deps, f.confirmed(d), f.paid(d, "cs_1"))
    receipts = [e for e in out if isinstance(e, DocumentIssued)]
    assert [r.document_number for r in receipts] == ["ICSEI27-RCT-00001"]
    assert receipts[0].email == d.email


async def test_check_in_records_once_and_refuses_the_rest(sm: Any, deps: BadgeDeps) -> None:
    d, gone = f.delegate("Ana", "Silva", number=1), f.delegate("Bo", "Berg", number=2)
    await feed(sm, deps, f.confirmed(d), f.confirmed(gone), f.cancelled(gone, 2))
    before = len(await staged(sm))

    async def scan(token: str) -> domain.ScanOutcome:
        return (await desk.check_in(deps, token=token, station_id="desk")).outcome

    good = sign("unit", domain.QR_PURPOSE, domain.qr_payload(d.delegate_id, 1, f.CONGRESS))
    assert await scan(good) is domain.ScanOutcome.CHECKED_IN
    assert await scan(good) is domain.ScanOutcome.ALREADY
    assert await scan(good + "x") is domain.ScanOutcome.TAMPERED
    assert (
        await scan(
            sign(
                "unit",
                domain.QR_PURPOSE,
                domain.qr_payload(gone.delegate_id, 1, f.CONGRESS),
            )
        )
        is domain.ScanOutcome.CANCELLED
    )
    assert (
        await scan(sign("unit", domain.QR_PURPOSE, domain.qr_payload("nobody", 1, f.CONGRESS)))
        is domain.ScanOutcome.UNKNOWN
    )
    sha, count = await desk.print_badge(deps, delegate_id=d.delegate_id, station_id="desk")
    _, again = await desk.print_badge(deps, delegate_id=d.delegate_id, station_id="desk")
    assert (count, again) == (1, 2) and deps.store.get(sha).startswith(b"%PDF")
    with pytest.raises(CommandRefused):
        await desk.print_badge(deps, delegate_id=gone.delegate_id, station_id="desk")
    kinds = [DelegateCheckedIn, BadgePrinted, OrganiserActed, BadgePrinted]  # the second print is a reprint
    assert [type(e) for e in (await staged(sm))[before:]] == kinds
    reprint = (await staged(sm))[-2]
    assert isinstance(reprint, OrganiserActed) and reprint.action == "badges.reprint"
    assert (reprint.actor_kind, reprint.actor, reprint.delegate_id) == ("station", "desk", d.delegate_id)
    assert reprint.details == {"print_count": 2}


async def test_a_version_that_prints_the_same_badge_keeps_it_and_its_qr_code(sm: Any, deps: BadgeDeps) -> None:
    """An invoice paid, an email changed: the registration's version moves, the badge does not (one
    "badge ready" mail, one QR code). A new ribbon is a new face: a new badge, and the old QR is superseded."""
    d = f.delegate("Amara", "Okafor")
    presenter = d.model_copy(update={"roles": (Role.DELEGATE, Role.PRESENTER)})
    new_email = d.model_copy(update={"email": "amara@example.org"})
    out = await feed(
        sm,
        deps,
        f.confirmed(d),
        f.updated(d, 2),  # paid
        f.snapshot(new_email, 3),
        f.updated(presenter, 4),
        f.updated(presenter, 5),
    )
    assert [(type(e), e.registration_version) for e in out] == [(BadgeIssued, 1), (BadgeIssued, 4)]
    assert [c.roles for c in deps.renderer.badges] == [("delegate",), ("delegate", "presenter")]  # type: ignore[attr-defined]

    async def scan(version: int) -> domain.ScanOutcome:
        token = sign("unit", domain.QR_PURPOSE, domain.qr_payload(d.delegate_id, version, f.CONGRESS))
        return (await desk.check_in(deps, token=token, station_id="desk")).outcome

    assert await scan(1) is domain.ScanOutcome.SUPERSEDED
    assert await scan(4) is domain.ScanOutcome.CHECKED_IN
    # Printing at the desk prints the badge on record; it renders and announces nothing new.
    rendered = len(deps.renderer.badges)  # type: ignore[attr-defined]
    sha, _ = await desk.print_badge(deps, delegate_id=d.delegate_id, station_id="desk")
    async with sm() as session:
        badge = await db.badge_of(session, d.delegate_id)
    assert badge is not None and sha == badge.sha256
    assert len(deps.renderer.badges) == rendered  # type: ignore[attr-defined]


async def test_visa_letter_needs_paid_confirmed_registration_and_is_numbered(sm: Any, deps: BadgeDeps) -> None:
    d, unpaid = f.delegate("Ana", "Silva", number=1), f.delegate("Bo", "Berg", number=2)
    await feed(sm, deps, f.confirmed(d), f.paid(d), f.confirmed(unpaid))
    form = VisaRequest(
        passport_name="ANA SILVA",
        nationality="Brazilian",
        passport_number="X1",
        arrival=date(2027, 1, 3),
        departure=date(2027, 1, 9),
    )
    ok = await visa.request_visa(deps, delegate_id=d.delegate_id, form=form)
    refused = await visa.request_visa(deps, delegate_id=unpaid.delegate_id, form=form)
    with pytest.raises(CommandRefused, match="paid"):
        await visa.approve_visa(deps, request_id=refused, actor=audit.organiser("acc-o"), today=date(2026, 11, 1))
    number = await visa.approve_visa(deps, request_id=ok, actor=audit.organiser("acc-o"), today=date(2026, 11, 1))
    assert number == "ICSEI27-VISA-00001"
    assert (
        await visa.approve_visa(deps, request_id=ok, actor=audit.organiser("acc-o"), today=date(2026, 11, 1)) == number
    )  # approving twice issues once
    with pytest.raises(CommandRefused, match="before arrival"):
        await visa.request_visa(
            deps, delegate_id=d.delegate_id, form=form.model_copy(update={"departure": date(2027, 1, 1)})
        )


async def test_certificates_issued_by_an_organiser_are_recorded_one_per_delegate(sm: Any, deps: BadgeDeps) -> None:
    d = f.delegate("Ana", "Silva", number=1)
    await feed(sm, deps, f.confirmed(d))
    token = sign("unit", domain.QR_PURPOSE, domain.qr_payload(d.delegate_id, 1, f.CONGRESS))
    assert (await desk.check_in(deps, token=token, station_id="desk")).outcome is domain.ScanOutcome.CHECKED_IN
    before = len(await staged(sm))
    (number,) = await issue_certificates(deps, today=date(2027, 1, 9), actor=audit.organiser("acc-o"))
    assert await issue_certificates(deps, today=date(2027, 1, 9), actor=audit.organiser("acc-o")) == []
    records = [e for e in (await staged(sm))[before:] if isinstance(e, OrganiserActed)]
    assert [(r.action, r.actor, r.subject_id, r.delegate_id) for r in records] == [
        ("badges.certificate.issue", "acc-o", d.delegate_id, d.delegate_id)
    ]
    assert records[0].details == {"document": number}
