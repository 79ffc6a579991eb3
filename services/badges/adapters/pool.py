"""A warm process pool for rendering, so the event loop never waits on WeasyPrint.

Each worker builds one ``PdfRenderer`` in its initializer (WeasyPrint imported,
fonts and coverage table loaded, templates and stylesheets parsed) and keeps it.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from services.badges.adapters.pdf import BadgeContent, CongressHeader, PdfRenderer
from services.badges.adapters.weasy import default_font_cache
from services.badges.domain.book import Book

log = logging.getLogger("congress.badges.pool")
_renderer: PdfRenderer | None = None


def _init_worker(header: CongressHeader, extra_chars: str = "", font_cache: Path | None = None) -> None:
    global _renderer
    from services.badges.adapters.fonts import check_harfbuzz_subset

    check_harfbuzz_subset()
    _renderer = PdfRenderer(header, extra_chars=extra_chars, font_cache=font_cache or default_font_cache())
    _renderer.warm()


def _worker() -> PdfRenderer:
    if _renderer is None:
        raise RuntimeError("render worker was not initialised")
    return _renderer


def _badge(content: BadgeContent) -> bytes:
    return _worker().render_badge(content)


def _badges(contents: list[BadgeContent]) -> list[bytes | Exception]:
    return _worker().render_badges(contents)


def _sheets(contents: list[BadgeContent]) -> bytes:
    return _worker().render_sheets(contents)


def _document(template: str, context: dict[str, Any]) -> bytes:
    return _worker().render_document(template, context)


def _book(book: Book) -> bytes:
    return _worker().render_book(book)


def _ping() -> bool:
    return _renderer is not None


CHUNK = 8
"""Badges laid out per WeasyPrint document in a bulk render.

CPU per badge measured in one process: 1 → 14.2 ms, 4 → 11.7, 8 → 11.3, 16 → 11.6 (``bench/badges.py``)."""


class PoolRenderer:
    """``ports.Renderer`` backed by ``workers`` spawned processes; their cut CJK fonts in ``font_cache`` (default
    ``weasy.default_font_cache``, shared by every badges process on the machine, which prune each other's cuts)."""

    def __init__(self, header: CongressHeader, workers: int = 2, font_cache: Path | None = None) -> None:
        self.workers = workers
        self.header = header
        self.font_cache = font_cache
        self.extra_chars = ""
        """Characters of the names already known (the replica): the workers' cut CJK fonts hold them."""
        self._executor: ProcessPoolExecutor | None = None

    @property
    def executor(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = self._new_executor()
        return self._executor

    @executor.setter
    def executor(self, value: ProcessPoolExecutor) -> None:
        self._executor = value

    def _new_executor(self) -> ProcessPoolExecutor:
        # spawn, not fork: the parent runs an event loop and Kafka client threads
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self.header, self.extra_chars, self.font_cache),
        )

    async def _run(self, func: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.executor, func, *args)
        except BrokenProcessPool:
            log.error("render pool broken (a worker died); starting a new one")
            broken, self.executor = self.executor, self._new_executor()
            broken.shutdown(wait=False, cancel_futures=True)
            return await loop.run_in_executor(self.executor, func, *args)

    def know_names(self, characters: str) -> None:
        """The characters of the names already known (the replica): the workers cut their CJK fonts to them.

        Only before the workers start (their fonts are cut once, in their initializer).
        """
        if characters and self._executor is None:
            self.extra_chars = "".join(sorted({c for c in characters if ord(c) > 0x2FFF}))

    async def warm(self, extra_chars: str = "") -> None:
        """Start every worker now (each renders a warm-up badge per script) instead of on the first real render."""
        self.know_names(extra_chars)
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self.executor, _ping) for _ in range(self.workers * 2)))

    async def render_badge(self, content: BadgeContent) -> bytes:
        return await self._run(_badge, content)  # type: ignore[no-any-return]

    async def render_badges(self, contents: list[BadgeContent]) -> list[bytes | Exception]:
        """Many badges: chunks of up to ``CHUNK`` laid out together, spread over the workers."""
        size = max(1, min(CHUNK, -(-len(contents) // self.workers)))
        chunks = [contents[i : i + size] for i in range(0, len(contents), size)]
        results = await asyncio.gather(*(self._run(_badges, chunk) for chunk in chunks))
        return [r for chunk in results for r in chunk]

    async def render_sheets(self, contents: list[BadgeContent]) -> bytes:
        return await self._run(_sheets, contents)  # type: ignore[no-any-return]

    async def render_document(self, template: str, context: dict[str, Any]) -> bytes:
        return await self._run(_document, template, context)  # type: ignore[no-any-return]

    async def render_book(self, book: Book) -> bytes:
        return await self._run(_book, book)  # type: ignore[no-any-return]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)


class InProcessRenderer:
    """``ports.Renderer`` in this process, on ONE worker thread (tests, small CLI runs, the benchmark's probes).

    One thread, not the event loop's pool: WeasyPrint (Pango, fontconfig) is not thread-safe. Two sheets
    rendered at once on two threads corrupted the heap; the process crashed at exit, or later hung inside
    fontconfig in an unrelated render.
    """

    def __init__(self, header: CongressHeader, extra_chars: str = "", font_cache: Path | None = None) -> None:
        self.renderer = PdfRenderer(header, extra_chars=extra_chars, font_cache=font_cache or default_font_cache())
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="weasyprint")

    async def _run(self, func: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._thread, func, *args)

    async def render_badge(self, content: BadgeContent) -> bytes:
        return await self._run(self.renderer.render_badge, content)  # type: ignore[no-any-return]

    async def render_badges(self, contents: list[BadgeContent]) -> list[bytes | Exception]:
        return await self._run(self.renderer.render_badges, contents)  # type: ignore[no-any-return]

    async def render_sheets(self, contents: list[BadgeContent]) -> bytes:
        return await self._run(self.renderer.render_sheets, contents)  # type: ignore[no-any-return]

    async def render_document(self, template: str, context: dict[str, Any]) -> bytes:
        return await self._run(self.renderer.render_document, template, context)  # type: ignore[no-any-return]

    async def render_book(self, book: Book) -> bytes:
        return await self._run(self.renderer.render_book, book)  # type: ignore[no-any-return]

    def close(self) -> None:
        self._thread.shutdown(wait=True, cancel_futures=True)
