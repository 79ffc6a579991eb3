"""Revision 0007_pages_search gives registrations stored before it their folded search key."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Connection, select, text

from services.common.db import make_engine
from services.common.migrations import alembic_config, upgrade_database
from services.registration.adapters import db
from tests.integration.test_migrations import service_metadata

ROW = {
    "id": "reg-1", "delegate_id": "del-1", "payer_id": "reg-1", "number": "ICSEI27-0001", "status": "pending",
    "paid": False, "payment_method": "card", "version": 1, "category": "member", "income_group": "high",
    "given_name": "José", "family_name": "Núñez", "badge_name": "José", "affiliation": "Universidad de Chile",
    "country": "CL", "email": "Jose@Example.org", "language": "es", "roles": "[]", "add_ons": "[]",
    "total_minor": 62000, "currency": "EUR", "lines": "[]", "refunded_minor": 0,
    "created_at": datetime(2026, 6, 1, tzinfo=UTC), "updated_at": datetime(2026, 6, 1, tzinfo=UTC),
}  # fmt: skip


async def test_rows_stored_before_the_search_column_are_found_after_the_upgrade(db_url: str) -> None:
    engine = make_engine(db_url)
    metadata = service_metadata("registration")

    def to_0003(conn: Connection) -> None:
        command.upgrade(alembic_config("registration", metadata, conn), "0003_doors_abuse")
        columns = ", ".join(ROW)
        conn.execute(text(f"INSERT INTO reg_registrations ({columns}) VALUES ({', '.join(':' + c for c in ROW)})"), ROW)  # noqa: S608

    try:
        async with engine.begin() as conn:
            await conn.run_sync(to_0003)
        await upgrade_database(engine, "registration", metadata)
        async with engine.connect() as conn:
            key = (await conn.execute(select(db.registrations.c.search_text))).scalar_one()
        assert "nunez" in key and "jose@example.org" in key and "icsei27-0001" in key
    finally:
        await engine.dispose()
