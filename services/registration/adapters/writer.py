"""Group commit on SQLite: one writer thread runs queued registrations in one transaction.

SQLite has one writer at a time anyway. Through aiosqlite every statement is a thread
round trip, and while it waits the event loop serves other requests, so a registration
held the write lock for ~10 ms. Here each request hands its database work (a plain
function of a sync ``Session``) to a queue; a writer task takes everything queued (up to
``max_batch``), runs it in ONE ``BEGIN IMMEDIATE`` transaction on a dedicated thread --
one hop for the whole batch -- under one SAVEPOINT; if a request is rejected (a full
add-on, a used-up code), the batch is replayed with a SAVEPOINT per request, so that one
rolls back alone and the others still commit. One commit, then each request's future
gets its result or its exception. On PostgreSQL the same batching runs on one async
connection (concurrent transactions would only queue on the same seat rows).

Capacity and numbers keep their guarantees: the statements are the same conditional
updates and counter rows, executed serially by the only writer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from services.common.outbox import pending_rows, write_staged, write_staged_sync

T = TypeVar("T")
Work = Callable[[Session], Any]
Handler = Callable[[Session, list[Any]], list[Any]]
"""Does the work of several queued items at once (fewer statements); returns one result per item, in order."""
Entry = tuple[Handler, Any, "asyncio.Future[Any]"]


def _one_work(session: Session, works: list[Work]) -> list[Any]:
    return [work(session) for work in works]


def sync_sqlite_engine(url: str) -> Engine:
    """A sync engine on the same SQLite file, tuned like ``services.common.db`` (WAL, BEGIN IMMEDIATE)."""
    engine = create_engine(url.replace("sqlite+aiosqlite", "sqlite", 1), connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class GroupWriter:
    """Serialises write work onto one thread and commits it in batches."""

    def __init__(
        self,
        engine: Engine | None,
        wake: Callable[[], None],
        *,
        sessionmaker: async_sessionmaker[AsyncSession] | None = None,
        max_batch: int = 64,
    ) -> None:
        """``engine``: a sync engine for the writer thread (SQLite); else the async ``sessionmaker`` (PostgreSQL)."""
        self.engine = engine
        self.sessionmaker = sessionmaker
        self.wake = wake
        self.max_batch = max_batch
        self._queue: asyncio.Queue[Entry] | None = None
        self._task: asyncio.Task[None] | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="registration-writer")

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work(session)`` in the next batch's transaction; its exception rolls back only its own part."""
        result: T = await self.run_batched(_one_work, work)
        return result

    async def run_batched(self, handler: Handler, item: Any) -> Any:
        """Queue ``item``; queued items with the same ``handler`` are done by one ``handler(session, items)`` call.

        If that call raises, the batch is replayed item by item (``handler(session, [item])``, each under
        its own SAVEPOINT), so the exception reaches only the caller whose item caused it.
        """
        loop = asyncio.get_running_loop()
        if self._queue is None:
            self._queue = asyncio.Queue()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.put_nowait((handler, item, future))
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain(self._queue), name="registration-group-commit")
        return await future

    async def _drain(self, queue: asyncio.Queue[Entry]) -> None:
        """Commit batches until the queue is empty, then stop (the next request starts it again)."""
        loop = asyncio.get_running_loop()
        while not queue.empty():
            batch = [queue.get_nowait() for _ in range(min(self.max_batch, queue.qsize()))]
            try:
                outcomes = await self._commit_batch(loop, [(h, item) for h, item, _ in batch])
            except BaseException as exc:  # the commit itself failed: nobody's work is saved
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc if isinstance(exc, Exception) else RuntimeError(str(exc)))
                if not isinstance(exc, Exception):
                    raise
                continue
            for (_, _, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
            if any(ok for ok, _ in outcomes):
                self.wake()

    async def _commit_batch(
        self, loop: asyncio.AbstractEventLoop, batch: list[tuple[Handler, Any]]
    ) -> list[tuple[bool, Any]]:
        if self.engine is not None:
            return await loop.run_in_executor(self._thread, self._commit, batch)
        if self.sessionmaker is None:
            raise RuntimeError("GroupWriter needs an engine or a sessionmaker")
        async with self.sessionmaker.begin() as session:
            outcomes = await session.run_sync(self._apply, batch)
            await write_staged(session)  # the batch's events, explicitly, before the commit
            return outcomes

    def _commit(self, batch: list[tuple[Handler, Any]]) -> list[tuple[bool, Any]]:
        with Session(self.engine) as session, session.begin():
            outcomes = self._apply(session, batch)
            write_staged_sync(session)  # the batch's events, explicitly, before the commit
            return outcomes

    @staticmethod
    def _apply(session: Session, batch: list[tuple[Handler, Any]]) -> list[tuple[bool, Any]]:
        """Run the batch under one SAVEPOINT; only if that fails, again item by item with a SAVEPOINT each.

        A rejected registration (a full add-on, a used-up code) is rare, and a SAVEPOINT per
        request cost two statements each (round trips on PostgreSQL); a handler doing many items
        at once saves more. When anything fails, the whole batch rolls back to its savepoint and
        is replayed item by item, so that one is rejected alone and the others still commit.
        Handlers do plain database work (no calls out), so running one twice is safe.
        """
        if len(batch) > 1:
            staged = len(pending_rows(session))
            try:
                with session.begin_nested():
                    results = [r for handler, items in _runs(batch) for r in _checked(handler(session, items), items)]
            except Exception:  # noqa: BLE001 -- replayed one by one below, where the culprit is found
                del pending_rows(session)[staged:]
            else:
                return [(True, result) for result in results]
        outcomes: list[tuple[bool, Any]] = []
        for handler, item in batch:
            staged = len(pending_rows(session))
            try:
                with session.begin_nested():
                    outcomes.append((True, _checked(handler(session, [item]), [item])[0]))
            except Exception as exc:  # noqa: BLE001 -- handed to that request's caller
                del pending_rows(session)[staged:]  # its events go with its savepoint
                outcomes.append((False, exc))
        return outcomes

    async def close(self) -> None:
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task
        self._thread.shutdown(wait=True)
        if self.engine is not None:
            self.engine.dispose()


def _runs(batch: list[tuple[Handler, Any]]) -> list[tuple[Handler, list[Any]]]:
    """Consecutive items of the same handler, grouped (queue order is kept)."""
    runs: list[tuple[Handler, list[Any]]] = []
    for handler, item in batch:
        if runs and runs[-1][0] is handler:
            runs[-1][1].append(item)
        else:
            runs.append((handler, [item]))
    return runs


def _checked(results: list[Any], items: list[Any]) -> list[Any]:
    if len(results) != len(items):
        raise RuntimeError(f"a batch handler returned {len(results)} results for {len(items)} items")
    return results
