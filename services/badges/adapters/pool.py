"""A warm process pool for rendering, so the event loop never waits on WeasyPrint.

Each worker builds one ``PdfRenderer`` in its initializer (WeasyPrint imported,
fonts and coverage table loaded, templates and stylesheets parsed) and keeps it.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from services.badges.adapters.pdf import BadgeContent, CongressHeader, PdfRenderer

_renderer: PdfRenderer | None = None


def _init_worker(header: CongressHeader) -> None:
    global _renderer  # noqa: PLW0603 -- one renderer per worker process, by design
    from services.badges.adapters.fonts import check_harfbuzz_subset  # noqa: PLC0415

    check_harfbuzz_subset()
    _renderer = PdfRenderer(header)
    _renderer.render_badge(BadgeContent("warm-up", "warm-up", 0, "Warm", "Up", "Warm Up", "", "XX", "en",
                                        ("delegate",), (), "warm-up"))


def _worker() -> PdfRenderer:
    if _renderer is None:
        raise RuntimeError("render worker was not initialised")
    return _renderer


def _badge(content: BadgeContent) -> bytes:
    return _worker().render_badge(content)


def _sheets(contents: list[BadgeContent]) -> bytes:
    return _worker().render_sheets(contents)


def _document(template: str, context: dict[str, Any]) -> bytes:
    return _worker().render_document(template, context)


def _ping() -> bool:
    return _renderer is not None


class PoolRenderer:
    """``ports.Renderer`` backed by ``workers`` spawned processes."""

    def __init__(self, header: CongressHeader, workers: int = 2) -> None:
        self.workers = workers
        self.executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_init_worker, initargs=(header,))

    async def warm(self) -> None:
        """Start every worker now (each renders a warm-up badge) instead of on the first real render."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self.executor, _ping) for _ in range(self.workers * 2)))

    async def render_badge(self, content: BadgeContent) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(self.executor, _badge, content)

    async def render_sheets(self, contents: list[BadgeContent]) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(self.executor, _sheets, contents)

    async def render_document(self, template: str, context: dict[str, Any]) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(self.executor, _document, template, context)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
