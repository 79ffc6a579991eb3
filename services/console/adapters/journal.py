"""The console's own record of what it has read, so its figures do not depend on Kafka's retention.

A SQLite file (``CONSOLE_JOURNAL_PATH``, default ``$CONGRESS_HOME/console/journal-<prefix>.sqlite3``)
holds every entry the console applied, in order, and per partition the offset to resume from, both
written in one transaction after each batch. On start the console replays the journal into a
fresh projection (the projection is a pure function of the entries in order, so the figures come
back the same), then reads Kafka from the journal's offsets on. Records that Kafka has since
deleted (retention, ``delete_records``) were read before and are in the journal: nothing is lost.
A journal whose offsets lie beyond the end of the topics belongs to another cluster (or to topics
that were recreated): it is set aside and the figures are rebuilt from the topics.

An erasure (a delegate's snapshot tombstoned on ``congress.delegates``) rewrites the entries held about
that delegate with their personal fields reading ``erased``, in the batch's transaction; the file runs
with ``secure_delete`` and its write-ahead log is truncated afterwards, so no old page keeps a name.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from schemas import topics
from services.console.adapters.records import erased
from services.console.entries import Entry

log = logging.getLogger("congress.console.journal")
Positions = dict[tuple[str, int], int]
"""(Kafka topic, partition) -> the offset of the next record to read."""

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS entries (seq INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS positions (topic TEXT NOT NULL, partition INTEGER NOT NULL, "
    "next_offset INTEGER NOT NULL, PRIMARY KEY (topic, partition))",
)


def entry_to_json(entry: Entry) -> str:
    return json.dumps(
        {
            "topic": entry.topic,
            "partition": entry.partition,
            "offset": entry.offset,
            "key": entry.key,
            "kind": entry.kind,
            "type": entry.type,
            "subject": entry.subject,
            "time": entry.time.isoformat(),
            "doc": entry.doc,
            "reason": entry.reason,
            "headers": dict(entry.headers),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def entry_from_json(text: str) -> Entry:
    data: dict[str, Any] = json.loads(text)
    data["time"] = datetime.fromisoformat(data["time"])
    return Entry(**data)


class Journal:
    """Entries and positions in one SQLite file; used from one task at a time (calls may run in a thread)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA secure_delete=ON")
        for statement in SCHEMA:
            self._db.execute(statement)

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the journal is not open")
        return self._db

    def load(self) -> tuple[list[Entry], Positions]:
        """Every entry in the order it was applied, and where to resume each partition."""
        entries = [entry_from_json(text) for (text,) in self.db.execute("SELECT entry FROM entries ORDER BY seq")]
        positions = {(t, p): o for t, p, o in self.db.execute("SELECT topic, partition, next_offset FROM positions")}
        return entries, positions

    def append(self, entries: Iterable[Entry], positions: Mapping[tuple[str, int], int]) -> None:
        """Record a batch and the positions after it, all or nothing; a delegate erased in it is forgotten."""
        entries = list(entries)
        gone = sorted({e.key for e in entries if e.kind == "tombstone" and e.topic == topics.DELEGATES and e.key})
        db = self.db
        db.execute("BEGIN")
        try:
            db.executemany("INSERT INTO entries (entry) VALUES (?)", [(entry_to_json(e),) for e in entries])
            for delegate_id in gone:
                self._erase(delegate_id)
            db.executemany(
                "INSERT INTO positions (topic, partition, next_offset) VALUES (?, ?, ?) "
                "ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset",
                [(t, p, o) for (t, p), o in positions.items()],
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        if gone:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the log's copies of the old pages go too

    def _erase(self, delegate_id: str) -> None:
        """Rewrite the entries about ``delegate_id`` (by subject or key, as the console's delegate page
        finds them, and audit records naming them) with their personal fields reading ``erased``."""
        rows = self.db.execute(
            "SELECT seq, entry FROM entries WHERE json_extract(entry, '$.subject') = ?1 "
            "OR json_extract(entry, '$.key') = ?1 OR json_extract(entry, '$.doc.data.delegate_id') = ?1",
            (delegate_id,),
        ).fetchall()
        for seq, text in rows:
            scrubbed = entry_to_json(erased(entry_from_json(text)))
            if scrubbed != text:
                self.db.execute("UPDATE entries SET entry = ? WHERE seq = ?", (scrubbed, seq))

    def reset(self) -> None:
        """Forget everything (a journal of another cluster's topics)."""
        self.db.execute("DELETE FROM entries")
        self.db.execute("DELETE FROM positions")

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
