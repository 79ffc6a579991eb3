"""After an erasure nothing of the erased rows stays on disk in a SQLite database: not in the file's free space
(``secure_delete``), not in the write-ahead log (``scrub_after_erasure`` truncates it)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, MetaData, String, Table, delete, insert

from services.common.db import create_tables, make_engine, make_sessionmaker, scrub_after_erasure

people = Table("people", MetaData(), Column("id", String(10), primary_key=True), Column("name", String(100)))


async def test_an_erased_row_is_in_neither_the_database_file_nor_its_log(tmp_path: Path) -> None:
    path = tmp_path / "service.sqlite3"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    await create_tables(engine, people.metadata)
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await session.execute(insert(people), [{"id": "a", "name": "Ximena Quispe"}, {"id": "b", "name": "Bo"}])
    async with sessions() as session, session.begin():
        await session.execute(delete(people).where(people.c.id == "a"))
    wal = Path(f"{path}-wal")
    assert b"Ximena" in _bytes(wal)  # the page as it was, still in the log
    await scrub_after_erasure(sessions)
    assert b"Ximena" not in _bytes(wal) and b"Ximena" not in _bytes(path)
    await engine.dispose()


def _bytes(path: Path) -> bytes:
    return path.read_bytes()
