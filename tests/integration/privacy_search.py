"""Looking everywhere for a person: every row of every database, every file under the data directory (the text
inside PDFs too, by poppler's ``pdftotext``) and every byte of every topic, read raw with aiokafka."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import create_async_engine

from schemas import topics


def _hits(blob: bytes, needles: Iterable[str]) -> list[str]:
    folded = blob.lower()
    return [n for n in needles if n.lower().encode() in folded]


async def rows_naming(database_url: str, needles: Iterable[str]) -> list[str]:
    """``table.column: needle`` for every value in the database that contains a needle."""
    needles = list(needles)
    engine = create_async_engine(database_url)
    found: list[str] = []
    try:
        async with engine.connect() as conn:
            metadata = MetaData()
            await conn.run_sync(metadata.reflect)
            for table in metadata.sorted_tables:
                for row in (await conn.execute(select(table))).mappings().all():
                    for column, value in row.items():
                        text = value if isinstance(value, bytes) else repr(value).encode()
                        found += [f"{table.name}.{column}: {n}" for n in _hits(text, needles)]
    finally:
        await engine.dispose()
    return found


def files_naming(root: Path, needles: Iterable[str]) -> dict[Path, list[str]]:
    """Every file under ``root`` whose bytes (or, for a PDF, whose text) contain a needle."""
    needles = list(needles)
    found: dict[Path, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        blob = path.read_bytes()
        if blob.startswith(b"%PDF"):
            text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
            blob += text.stdout
        hits = _hits(blob, needles)
        if hits:
            found[path] = hits
    return found


async def topics_naming(bootstrap: str, prefix: str, needles: Iterable[str]) -> tuple[int, list[str]]:
    """(records read, ``topic@offset: needle`` for every record whose key, value or headers contain a needle)."""
    needles = list(needles)
    consumer = AIOKafkaConsumer(
        *(prefix + t for t in topics.ALL_TOPICS),
        bootstrap_servers=bootstrap,
        group_id=None,  # every partition of every topic, from the beginning
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[str] = []
    read = 0
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=100)  # assigns; nothing is read before the positions below
        partitions = list(consumer.assignment())
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
            for tp, records in (await consumer.getmany(timeout_ms=500)).items():
                for r in records:
                    read += 1
                    blob = (r.key or b"") + (r.value or b"") + b"".join(v for _, v in r.headers or ())
                    found += [f"{tp.topic}@{r.offset}: {n}" for n in _hits(blob, needles)]
    finally:
        await consumer.stop()
    return read, found
