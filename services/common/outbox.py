"""Transactional outbox: events are rows written in the same transaction as the state change.

``Outbox.add`` stages an event on the caller's session; the unit of work
(``services/common/unit_of_work.py``) or the consumer writes the staged rows with
``write_staged`` just before its commit, so nothing is published unless that transaction
commits, and nothing is written by a hidden SQLAlchemy hook. Personal fields are sealed here, by the
codec, on every way an event is staged (``add`` and the consumer's cheaper ``stage``). The relay
(``services.common.relay``) publishes the committed rows.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer, LargeBinary, String, Table, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from schemas.base import CONTENT_TYPE, CloudEvent, EventData, InvalidEvent, decode, encode, encode_new, new_event
from schemas.personal import Seal, clear_values, personal_paths
from services.common.db import SQLITE_TIME, kernel_metadata, sqlite_driver
from services.common.keyring import Keyring, insert_keys, staged_keys

outbox_table = Table(
    "outbox",
    kernel_metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("key", LargeBinary, nullable=True),
    Column("value", LargeBinary, nullable=True),
    Column("headers", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Index("ix_outbox_unsent", "id", sqlite_where=text("sent_at IS NULL"), postgresql_where=text("sent_at IS NULL")),
    # the purge's way to the old sent rows (services.common.outbox_purge); an unsent row is not in it
    Index(
        "ix_outbox_sent",
        "sent_at",
        sqlite_where=text("sent_at IS NOT NULL"),
        postgresql_where=text("sent_at IS NOT NULL"),
    ),
)

Headers = list[tuple[str, str]]
_HEADERS: Headers = [("content-type", CONTENT_TYPE)]
"""An event's headers (a structured CloudEvent needs no more)."""


class Outbox:
    """Stages outgoing messages in a session; wakes the relay when that session commits."""

    def __init__(self, source: str, keyring: Keyring | None = None) -> None:
        self.source = source
        self.wakeup = asyncio.Event()
        self.keyring = keyring
        """Encrypts personal fields per person (``services.common.keyring``); without one they go in clear
        (unit tests of pieces that never publish, and tools)."""

    def add(
        self,
        session: AsyncSession | Session,
        data: EventData,
        *,
        event_id: str | None = None,
        time: datetime | None = None,
    ) -> CloudEvent[Any]:
        """Stage one event; returns the CloudEvent as it will be published."""
        cloud_event = new_event(data, self.source, event_id=event_id, time=time)
        _stage_row(
            session,
            topic=data.topic(),
            key=data.key().encode(),
            value=encode(cloud_event, self._seal(session)),
            headers=_HEADERS,
            event_id=cloud_event.id,
        )
        return cloud_event

    def stage(self, session: AsyncSession | Session, data: EventData) -> None:
        """``add`` for a caller that does not need the CloudEvent back (the consumer): the same row, cheaper.
        The codec seals personal fields on this way as on ``add``'s (``schemas.base._envelope_json``)."""
        model = type(data)
        seal = self._seal(session) if personal_paths(model) else None  # nothing to seal: no sealer to make
        event_id, value = encode_new(data, self.source, seal=seal)
        _stage_row(
            session, topic=model.topic(), key=data.key().encode(), value=value, headers=_HEADERS, event_id=event_id
        )

    def _seal(self, session: AsyncSession | Session) -> Seal | None:
        return self.keyring.sealer(session) if self.keyring is not None else None

    def add_many(self, session: AsyncSession | Session, events: Sequence[EventData]) -> list[CloudEvent[Any]]:
        return [self.add(session, data) for data in events]

    def add_raw(
        self,
        session: AsyncSession | Session,
        *,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Headers,
        event_id: str = "",
    ) -> None:
        """Stage any message: a dead letter, or a tombstone (``value=None``) on a compacted topic.

        Rows are buffered on the session; the unit of work (or the consumer) inserts them in one statement
        with ``write_staged`` as the last thing before its commit. Nothing is written behind the caller's back.
        A value that is an event with personal fields in clear (a dead letter re-encoded from an opened event)
        is sealed first; any other value goes as it is.
        """
        if value is not None and self.keyring is not None:
            value = self._sealed(session, value)
        _stage_row(session, topic=topic, key=key, value=value, headers=headers, event_id=event_id)

    def seal_value(self, session: AsyncSession | Session, value: bytes) -> bytes:
        """An encoded event with its personal fields sealed as ``stage`` seals them (for a service's own table
        that keeps an event, e.g. notify's retry queue); as it is without a keyring or when already sealed."""
        return self._sealed(session, value) if self.keyring is not None else value

    def open_value(self, value: bytes) -> bytes:
        """An event sealed by ``seal_value``, encoded again with its personal fields opened (``erased`` once its
        person's keys are gone), for code that decodes it without keys; as it is without a keyring."""
        if self.keyring is None:
            return value
        return encode(decode(value, self.keyring.opener(final=True)))

    def _sealed(self, session: AsyncSession | Session, value: bytes) -> bytes:
        try:
            event = decode(value)
        except InvalidEvent:
            return value  # not an event: dead-lettered byte for byte as it came
        model = type(event.data)
        if not personal_paths(model) or not clear_values(model, event.data.model_dump(mode="json")):
            return value  # sealed already (or nothing personal): the original bytes are kept
        return encode(event, self._seal(session), received=True)  # its tokens came sealed: kept


def _stage_row(
    session: AsyncSession | Session,
    *,
    topic: str,
    key: bytes | None,
    value: bytes | None,
    headers: Headers,
    event_id: str,
) -> None:
    # No time here: every row of a statement is stamped with the moment it is written (``_insert_rows``).
    pending_rows(session).append({"event_id": event_id, "topic": topic, "key": key, "value": value, "headers": headers})


def write_staged_sync(session: Session) -> int:
    """Insert the rows staged on this session in one statement; returns how many (the unit of work calls it).

    Idempotent: the rows are taken off the session, so a second call writes nothing.
    """
    keys = staged_keys(session)
    rows = _with_key_records(keys, session.info.pop("congress_outbox_rows", None))
    if rows:
        connection = session.connection()
        if keys:
            connection.exec_driver_sql(*insert_keys(connection.dialect.name, keys))
        connection.exec_driver_sql(*_insert_statement(connection.dialect.name, rows))
    return len(rows)


async def write_staged(session: AsyncSession) -> int:
    """``write_staged_sync`` for an async session: call it last inside the transaction, before it commits."""
    keys = staged_keys(session)
    rows = _with_key_records(keys, session.info.pop("congress_outbox_rows", None))
    if rows:
        connection = await session.connection()
        if keys:
            await connection.exec_driver_sql(*insert_keys(connection.dialect.name, keys))
        driver = await sqlite_driver(session)
        if driver is not None:  # one trip to aiosqlite's thread (db.sqlite_driver)
            await driver.executemany(*_insert_rows(rows))
        else:
            await connection.exec_driver_sql(*_insert_statement(connection.dialect.name, rows))
    return len(rows)


def _with_key_records(
    keys: list[tuple[dict[str, Any], dict[str, Any]]], rows: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """The staged rows, the records of the keys minted in the transaction first: the relay publishes in row
    order, so every key is on ``congress.keys`` before the first event sealed with it."""
    if not keys:
        return rows or []
    return [message for _, message in keys] + (rows or [])


_INSERT = "INSERT INTO outbox (event_id, topic, key, value, headers, created_at) "
_HEADERS_JSON = json.dumps(_HEADERS)
_PG_INSERT = (
    "INSERT INTO outbox (event_id, topic, key, value, headers, created_at) SELECT e, t, k, v, h::json, $6"
    " FROM unnest($1::varchar[], $2::varchar[], $3::bytea[], $4::bytea[], $5::text[])"
    " WITH ORDINALITY AS r(e, t, k, v, h, n) ORDER BY n"
)
"""On PostgreSQL the rows go as one array per column and one execution: ``executemany`` sent a bind and an
execute per row, and the server ran the insert once per row. Ids are drawn in the order of the arrays."""


def _headers_json(row: dict[str, Any]) -> str:
    headers = row["headers"]
    return _HEADERS_JSON if headers is _HEADERS or headers == _HEADERS else json.dumps(headers)


def _insert_statement(dialect: str, rows: list[dict[str, Any]]) -> tuple[str, Any]:
    """``_insert_rows`` on SQLite; on PostgreSQL one statement with a parameter per column (``_PG_INSERT``)."""
    if dialect == "sqlite":
        return _insert_rows(rows)
    columns = (
        [row["event_id"] for row in rows],
        [row["topic"] for row in rows],
        [row["key"] for row in rows],
        [row["value"] for row in rows],
        [_headers_json(row) for row in rows],
        datetime.now(UTC),
    )
    return _PG_INSERT, columns


def _insert_rows(rows: list[dict[str, Any]]) -> tuple[str, list[tuple[Any, ...]]]:
    """On SQLite, the driver's own ``executemany`` of staged rows: no per-row work of SQLAlchemy's.

    Binding each row through the table's types (JSON headers dumped, a datetime rendered per row) was a
    sixth of the kernel's CPU. Rows mostly carry the one shared header list (dumped once here), and every
    row of a statement is stamped with the moment it is written.
    """
    now = datetime.now(UTC).strftime(SQLITE_TIME)  # as SQLAlchemy's DateTime stores it there: UTC, no offset
    return _INSERT + "VALUES (?, ?, ?, ?, ?, ?)", [
        (row["event_id"], row["topic"], row["key"], row["value"], _headers_json(row), now) for row in rows
    ]


def pending_rows(session: AsyncSession | Session) -> list[dict[str, Any]]:
    """Rows staged on a session and not yet inserted (the consumer trims them when a savepoint rolls back)."""
    info = session.info
    rows: list[dict[str, Any]] = info.setdefault("congress_outbox_rows", [])
    return rows
