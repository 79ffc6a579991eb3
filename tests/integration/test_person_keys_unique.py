"""Each service's revision that makes ``person_keys`` one current key per person: a database holding several keys
for a person keeps them all (retired but one, so whatever each sealed still opens) and then refuses a second
current key; on SQLite and PostgreSQL (services/common/person_keys_unique.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Connection, DateTime, LargeBinary, String, column, insert, select, table
from sqlalchemy.exc import IntegrityError

from services.common.db import make_engine
from services.common.key_table import person_keys_table
from services.common.migrations import alembic_config, upgrade_database
from services.common.outbox import outbox_table
from tests.integration.test_migrations import service_metadata

BEFORE = {
    "registration": "0009_person_keys_registration",
    "abstracts": "0011_session_chairs",
    "badges": "0010_book_retry",
    "notify": "0011_session_chair_notify",
}
"""Each service's revision before the unique index."""
T0 = datetime(2026, 12, 1, tzinfo=UTC)


def key(key_id: str, subject: str, minutes: int, wrapped: bytes = b"wrapped") -> dict[str, object]:
    return {"key_id": key_id, "subject": subject, "wrapped_key": wrapped, "created_at": T0 + timedelta(minutes=minutes)}


KEYS = [
    key("k-sent", "published-first", 5),  # its record left the outbox: kept, though minted later
    key("k-waiting", "published-first", 1),  # its record still waits in the outbox
    key("k-later", "earliest", 3),
    key("k-earliest", "earliest", 2),
    key("k-after-erasure", "erased", 1),  # minted by a copy that had not seen the erasure yet
    key("mark", "erased", 4, b""),  # the erasure's mark: the person stays erased
    key("k-alone", "alone", 1),
]
CURRENT = {"k-sent", "k-earliest", "mark", "k-alone"}
OLD_KEYS = table(
    "person_keys",
    column("key_id", String),
    column("subject", String),
    column("wrapped_key", LargeBinary),
    column("created_at", DateTime(timezone=True)),
)
"""``person_keys`` as it was before the revision (no ``retired``)."""


@pytest.mark.parametrize("service", list(BEFORE))
async def test_a_persons_duplicate_keys_are_kept_retired_but_one_and_a_second_current_key_is_refused(
    db_url: str, service: str
) -> None:
    engine = make_engine(db_url)

    def upgrade_to_before(conn: Connection) -> None:
        command.upgrade(alembic_config(service, service_metadata(service), conn), BEFORE[service])

    try:
        async with engine.begin() as conn:
            await conn.run_sync(upgrade_to_before)
            await conn.execute(insert(OLD_KEYS), KEYS)
            record = {"topic": "congress.keys", "value": b"{}", "headers": [], "created_at": T0}
            await conn.execute(
                insert(outbox_table),
                [
                    {**record, "event_id": "e-1", "key": b"k-waiting", "sent_at": None},
                    {**record, "event_id": "e-2", "key": b"k-sent", "sent_at": T0},
                    {**record, "event_id": "e-3", "key": b"k-later", "value": None, "sent_at": None},  # a tombstone
                ],
            )
        await upgrade_database(engine, service, service_metadata(service))
        async with engine.connect() as conn:
            keys = person_keys_table.c
            rows = (await conn.execute(select(keys.key_id, keys.retired))).all()
        assert {k for k, retired in rows if not retired} == CURRENT
        assert {k for k, _ in rows} == {str(k["key_id"]) for k in KEYS}  # none deleted
        async with engine.begin() as conn:
            await conn.execute(insert(person_keys_table).values({**key("k-retired-too", "alone", 9), "retired": True}))
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(insert(person_keys_table).values(key("k-second", "alone", 9)))
    finally:
        await engine.dispose()
