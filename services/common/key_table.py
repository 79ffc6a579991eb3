"""``person_keys``: the data keys a service minted, one current key per person, and how minted keys are written.

A person has at most one current key in a service's table (``uq_person_keys_current``, a unique index on the
subject over the rows not ``retired``): the key this service seals with. Two copies of a service writing about
the same person at the same moment may each mint a key before either has committed; the write resolves that
race in the database, without an error: the first to write keeps its key current, the other's key is kept as a
retired row. A retired key seals nothing more (its process takes up the current key, ``Keyring.settle``) but
still opens what its transaction sealed, and goes at the person's erasure with the rest (rows by subject). An
erasure's mark (a row with an empty key) is the subject's current row: a key minted for an erased person by a
copy that did not know yet is retired at once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Index, LargeBinary, String, Table, false, text

from services.common.db import SQLITE_TIME, kernel_metadata

person_keys_table = Table(
    "person_keys",
    kernel_metadata,
    Column("key_id", String(80), primary_key=True),
    Column("subject", String(200), nullable=False, index=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("retired", Boolean, nullable=False, server_default=false()),
    Index(
        "uq_person_keys_current",
        "subject",
        unique=True,
        sqlite_where=text("NOT retired"),
        postgresql_where=text("NOT retired"),
    ),
)
"""The keys this service minted (wrapped under the congress key-encryption key); one current per person."""

_COLUMNS = "person_keys (key_id, subject, wrapped_key, created_at, retired)"
_INSERT_SQLITE = (
    f"INSERT INTO {_COLUMNS} VALUES (?1, ?2, ?3, ?4, EXISTS (SELECT 1 FROM person_keys WHERE subject = ?2 AND NOT "  # noqa: S608  # constant
    "retired)) ON CONFLICT DO NOTHING"
)
"""SQLite has one writer at a time (``BEGIN IMMEDIATE``): the subject's current row, if any, is committed and
seen, so a key minted beside it goes in retired; a key already written (this process's, staged again by a
later transaction, ``Keyring._key_for``) is not written twice."""
_INSERT_POSTGRESQL = (
    f"WITH won AS (INSERT INTO {_COLUMNS} VALUES ($1, $2, $3, $4, false) ON CONFLICT DO NOTHING RETURNING 1) "  # noqa: S608  # constant
    f"INSERT INTO {_COLUMNS} SELECT $1, $2, $3, $4, true WHERE NOT EXISTS (SELECT 1 FROM won) ON CONFLICT DO NOTHING"
)
"""On PostgreSQL the first insert waits for a concurrent transaction that wrote the subject's current key, and
does nothing once that one commits; the key then goes in retired (nothing if it is already there)."""


def insert_keys(dialect: str, rows: list[tuple[dict[str, Any], dict[str, Any]]]) -> tuple[str, list[tuple[Any, ...]]]:
    """The driver's own ``executemany`` of a transaction's minted keys into ``person_keys`` (the key records go
    with the other staged messages, first). One statement for a whole consumer batch's new people, and none of
    SQLAlchemy's per-row binding, which cost more than the sealing itself. A key that lost a race to another
    copy's goes in retired, never an error (module doc). On SQLite the rows of a statement are stamped with the
    moment it is written, as SQLAlchemy's DateTime stores it there (UTC, no offset): a ``strftime`` per key cost
    more than sealing a field."""
    if dialect == "sqlite":
        stamp = datetime.now(UTC).strftime(SQLITE_TIME)
        return _INSERT_SQLITE, [(r["key_id"], r["subject"], r["wrapped_key"], stamp) for r, _ in rows]
    # By person: an insert waits for another copy's uncommitted key for the same person, so two copies minting for
    # the same people wait in one order, never each for the other (a deadlock, and the batch run again).
    ordered = sorted((r for r, _ in rows), key=lambda r: str(r["subject"]))
    return _INSERT_POSTGRESQL, [(r["key_id"], r["subject"], r["wrapped_key"], r["created_at"]) for r in ordered]
