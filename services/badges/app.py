"""Composition root of the badges service and station: settings → renderer pool, store, consumers, routes.

``python -m services.badges.app`` serves it on port 8003 (``BADGES_HTTP_PORT``).
Nothing connects or spawns at import; the FastAPI lifespan starts the runtime, then
warms the render pool in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from functools import partial
from pathlib import Path
from typing import Protocol, runtime_checkable

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from schemas import topics
from schemas.base import EventData
from services.badges.adapters import db, qrscan, unprintable
from services.badges.adapters.book_db import SqlBookUnits
from services.badges.adapters.clock import SystemClock
from services.badges.adapters.fonts import check_harfbuzz_subset
from services.badges.adapters.link import LinkMonitor
from services.badges.adapters.pdf import CongressHeader
from services.badges.adapters.pool import PoolRenderer
from services.badges.adapters.sql import SqlUnits
from services.badges.adapters.store import DiskPdfStore
from services.badges.commands import book, book_languages, personal_export, retention
from services.badges.config import BadgesSettings
from services.badges.domain import DelegateRecord
from services.badges.domain.backoff import Backoff
from services.badges.ports import BadgeDeps, BookDeps, Renderer
from services.badges.subscriptions import CHUNK_PER_WORKER, BadgesConsumer, book_handlers
from services.badges.web import visa_links
from services.badges.web.api import api_router
from services.badges.web.book import book_router
from services.badges.web.machine_routes import MACHINE_ROUTES
from services.badges.web.organiser import organiser_router
from services.badges.web.route_access import ROUTES
from services.badges.web.station import station_router
from services.badges.web.visa_form import visa_form_router
from services.common import jobs
from services.common.congress import Congress, config_path, load_congress
from services.common.consumer import EventConsumer
from services.common.logs import configure_logging
from services.common.migrations import prepare_database
from services.common.openapi import answer_405_with_every_method
from services.common.organiser_access import organiser_access
from services.common.page_language import language_router
from services.common.personal_export import export_router
from services.common.privacy import load_privacy
from services.common.runtime import ServiceRuntime
from services.common.web_guard import install_web_guard

log = logging.getLogger("congress.badges")


def header_for(congress: Congress) -> CongressHeader:
    where = f"{congress.venue.city} · {congress.starts_on:%d %b} – {congress.ends_on:%d %b %Y}"
    return CongressHeader(congress.short_name, where, congress.branding.primary_colour)


def text_alert(record: DelegateRecord) -> list[EventData]:
    """``BadgeTextReplaced`` for a badge whose texts do not all print as typed (fonts by coverage)."""
    return list(
        unprintable.replaced_text_alert(
            record, congress_id=record.congress_id, delegate_id=record.delegate_id, version=record.version
        )
    )


@runtime_checkable
class WarmsUp(Protocol):
    """A renderer that starts its workers ahead of the first render (``PoolRenderer``)."""

    def know_names(self, characters: str) -> None: ...

    async def warm(self, extra_chars: str = "") -> None: ...


def document_text_alert(
    *, congress_id: str, delegate_id: str, kind: str, number: str, texts: Mapping[str, str]
) -> list[EventData]:
    """``DocumentTextReplaced`` for a document whose texts do not all print as typed (fonts by coverage)."""
    return list(
        unprintable.document_text_alert(
            congress_id=congress_id, delegate_id=delegate_id, kind=kind, number=number, texts=texts
        )
    )


def build(
    settings: BadgesSettings | None = None,
    *,
    renderer: Renderer | None = None,
    congress: Congress | None = None,
) -> tuple[ServiceRuntime, FastAPI]:
    settings = settings or BadgesSettings()
    path = None if congress is not None else config_path(settings.congress_config)
    congress = congress or load_congress(settings.congress_config)
    runtime = ServiceRuntime(settings, metadata=db.metadata)
    pool = (
        None
        if renderer is not None
        else PoolRenderer(header_for(congress), settings.render_workers, settings.font_cache)
    )
    deps = BadgeDeps(
        units=SqlUnits(runtime.sessionmaker, runtime.outbox),
        clock=SystemClock(),
        renderer=renderer or pool,  # type: ignore[arg-type]
        store=DiskPdfStore(settings.effective_store_dir()),
        secret=settings.secret.get_secret_value(),
        congress=congress,
        public_url=settings.public_url,
        visa_link_days=settings.visa_link_days,
        text_alert=text_alert,
        document_text_alert=document_text_alert,
    )
    book.book_language(congress)  # a book language the pages do not speak is refused at start, not at publication
    book_deps = BookDeps(
        SqlBookUnits(runtime.sessionmaker, runtime.outbox),
        deps.renderer,
        deps.store,
        congress,
        deps.clock,
        deps.secret,
        Backoff(settings.book_retry_base_seconds, settings.book_retry_cap_seconds),
    )
    consumer = BadgesConsumer(
        deps=deps,
        book_units=book_deps.units,  # a delegate's erasure reaches the book's replica by their pseudonym
        chunk=settings.consumer_chunk or settings.render_workers * CHUNK_PER_WORKER,
        name="badges",
        sessionmaker=runtime.sessionmaker,
        outbox=runtime.outbox,
        retries=settings.consumer_retries,
        keyring=runtime.keyring,
        key_follower=runtime.key_follower,
    )
    consumer.subscribe(runtime.broker, topics.REGISTRATION, topics.DELEGATES, topic_prefix=settings.kafka_topic_prefix)
    runtime.consumers.append(consumer)
    book_consumer = EventConsumer(
        name="badges-book",
        handlers=book_handlers(book_deps),
        sessionmaker=runtime.sessionmaker,
        outbox=runtime.outbox,
        retries=settings.consumer_retries,
        keyring=runtime.keyring,  # authors' names are personal fields: the book prints them opened
        key_follower=runtime.key_follower,
    )
    book_consumer.subscribe(
        runtime.broker, topics.ABSTRACTS, topics.PROGRAMME, topic_prefix=settings.kafka_topic_prefix
    )
    runtime.consumers.append(book_consumer)
    privacy = load_privacy(congress)
    periodic = [jobs.Job("badges.retention", lambda: retention.sweep(deps, privacy))]
    books = [jobs.Job("badges.book", lambda: book_languages.book_pass(book_deps))]
    warms = deps.renderer if isinstance(deps.renderer, WarmsUp) else None
    app = FastAPI(
        title=f"{congress.short_name} badges and station",
        lifespan=_lifespan(
            settings,
            runtime,
            pool,
            [(settings.retention_sweep_seconds, periodic), (settings.book_poll_seconds, books)],
            warms,
        ),
    )
    monitor = LinkMonitor(runtime.sessionmaker, settings.kafka_bootstrap_servers, runtime)
    app.state.deps, app.state.runtime, app.state.monitor = deps, runtime, monitor
    sessions, login = organiser_access(
        runtime, congress, path=path, demo_password=settings.organiser_password, access=ROUTES
    )
    app.include_router(station_router(deps, monitor, sessions))
    app.include_router(organiser_router(deps, monitor, sessions))
    app.include_router(visa_form_router(deps, monitor))
    app.include_router(export_router("badges", deps.secret, partial(personal_export.answer, deps)))
    app.include_router(api_router(deps, monitor, sessions, qrscan.decode_frame))
    app.include_router(book_router(book_deps, sessions))
    app.include_router(language_router())  # the public book page's language switch
    app.include_router(login)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    visa_links.install(app, deps, monitor)
    runtime.mount_health(app)
    answer_405_with_every_method(app)
    install_web_guard(app, settings, machine_routes=MACHINE_ROUTES)
    return runtime, app


def _lifespan(
    settings: BadgesSettings,
    runtime: ServiceRuntime,
    pool: PoolRenderer | None,
    periodic: list[tuple[float, list[jobs.Job]]],
    warms: WarmsUp | None,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start-up and shut-down: the schema, the runtime, the periodic jobs by interval (retention:
    ``badges.retention``; the book of abstracts: ``badges.book``), each under its lease, then the render pool
    warmed in the background.

    The station is usable from the first second (docs/ARCHITECTURE.md, decision 9): search, check-in and
    printing a stored badge need no render worker, and ``/readyz`` answers as soon as the runtime runs.
    The workers start meanwhile (fonts cut to the replica's names, a warm-up badge per script): a render
    asked for before they are warm waits for them, as it would have waited for the start before. ``/readyz``
    says how far they are (``warm_up.render_pool``: warming, warm or failed), never answering 503 for it.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        check_harfbuzz_subset()
        await prepare_database(runtime.engine, settings.service_name, db.metadata)
        if warms is not None:
            async with runtime.sessionmaker() as session:
                warms.know_names(await db.name_characters(session))  # before any render starts a worker
        # Without a link the runtime still starts (decision 9): the station serves from its replica and keeps
        # check-ins in the outbox; Kafka is joined in the background.
        await runtime.start()
        sweepers = [
            asyncio.create_task(jobs.run_every(seconds, runtime.engine, each), name=f"badges-jobs-{seconds}")
            for seconds, each in periodic
        ]
        warming = asyncio.create_task(_warm(warms), name="render-warm-up") if warms is not None else None
        app.state.warming = warming
        if warming is not None:
            runtime.warm_up["render_pool"] = functools.partial(_warm_state, warming)
        try:
            yield
        finally:
            tasks = sweepers + ([warming] if warming is not None else [])
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await runtime.stop()
            if pool is not None:
                pool.close()

    return lifespan


async def _warm(renderer: WarmsUp) -> bool:
    """Start the render workers; False if that failed (the first render starts them again)."""
    start = time.perf_counter()
    try:
        await renderer.warm()
    except Exception:  # a worker that failed to start is started again by the first render (PoolRenderer._run)
        log.exception("render pool warm-up failed")
        return False
    log.info("render pool warm", extra={"seconds": round(time.perf_counter() - start, 1)})
    return True


def _warm_state(warming: asyncio.Task[bool]) -> str:
    """The render pool's warm-up as ``/readyz`` shows it (``ServiceRuntime.warm_up``)."""
    if not warming.done():
        return "warming"
    return "warm" if not warming.cancelled() and warming.result() else "failed"


def main() -> None:
    configure_logging("badges")
    runtime, app = build()
    runtime.serve(app)


if __name__ == "__main__":
    main()
