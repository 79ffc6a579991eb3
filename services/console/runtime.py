"""The console's process parts, started and stopped together: the topic reader, the lag meter, the pushers.

The console keeps no database and publishes nothing, so it does not use the
kernel's ``ServiceRuntime`` (whose database and outbox relay it would not need);
it offers the same surface: ``start``/``stop``, ``lifespan``, ``mount_health``, ``serve``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any

import uvicorn
from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    generate_latest,
)

from services.common.key_follower import KeyFollower
from services.common.keyring import Keyring
from services.common.topic_admin import plan_for, readiness_warnings
from services.console.adapters.journal import Journal
from services.console.adapters.kafka import TopicReader
from services.console.adapters.lag import LagMeter
from services.console.config import ConsoleSettings
from services.console.live import LiveFeed

log = logging.getLogger("congress.console")


class ConsoleRuntime:
    def __init__(
        self,
        settings: ConsoleSettings,
        feed: LiveFeed,
        *,
        alongside: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
        on_stop: Sequence[Callable[[], Awaitable[None]]] = (),
    ) -> None:
        self.settings = settings
        self.alongside = alongside
        """Tasks run from start to stop (the organiser sign-out reader)."""
        self.on_stop = on_stop
        self.feed = feed
        self.keyring = Keyring(settings.secret.get_secret_value(), "console")
        self.key_follower = KeyFollower(
            settings.kafka_bootstrap_servers,
            self.keyring,
            topic_prefix=settings.kafka_topic_prefix,
            client_id="console",
        )
        self.reader = TopicReader(
            settings.kafka_bootstrap_servers,
            topic_prefix=settings.kafka_topic_prefix,
            on_entries=feed.ingest,
            journal=Journal(settings.effective_journal_path()),
            topic_plan=plan_for(settings),
            keyring=self.keyring,
            key_follower=self.key_follower,
        )
        self.lag = LagMeter(settings.kafka_bootstrap_servers, topic_prefix=settings.kafka_topic_prefix)
        self._tasks: list[asyncio.Task[Any]] = []
        self.started = False
        self.metrics = CollectorRegistry()
        self._gauges = {
            name: Gauge(f"console_{name}", text, registry=self.metrics)
            for name, text in (
                ("records_read", "Kafka records read since start"),
                ("dead_letters", "Dead letters seen on the topics"),
                ("malformed", "Malformed messages seen on event topics"),
                ("pages_open", "Live pages connected"),
                ("caught_up", "1 once everything on the topics at start has been read"),
            )
        }

    async def start(self) -> None:
        await self.reader.start()
        await self.lag.start()
        self._tasks = [
            asyncio.create_task(
                self.feed.push_figures_every(self.settings.figures_interval_seconds), name="console-figures"
            ),
            asyncio.create_task(self._measure_lag_every(self.settings.lag_interval_seconds), name="console-lag"),
            asyncio.create_task(self.key_follower.run(), name="console-keys"),
            *(asyncio.create_task(run()) for run in self.alongside),
        ]
        self.started = True
        log.info(
            "console started",
            extra={
                "bootstrap": self.settings.kafka_bootstrap_servers,
                "topic_prefix": self.settings.kafka_topic_prefix,
            },
        )

    async def stop(self) -> None:
        self.started = False
        self.feed.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        for hook in self.on_stop:
            await hook()
        await self.reader.stop()
        await self.lag.stop()

    async def _measure_lag_every(self, seconds: float) -> None:
        while True:
            try:
                self.feed.projection.set_lag(await self.lag.measure(), datetime.now(UTC))
                self.feed.figures_dirty = True
            except Exception as exc:  # noqa: BLE001 -- lag is informative; a failed measurement is retried
                log.warning("could not measure consumer lag: %r", exc)
            await asyncio.sleep(seconds)

    def ready(self) -> dict[str, bool]:
        return {"started": self.started, "reading": self.reader.running, "caught_up": self.reader.caught_up}

    def mount_health(self, app: FastAPI) -> None:
        """``/healthz`` (alive), ``/readyz`` (reading, caught up; topics off their policy as warnings), ``/metrics``."""

        @app.get("/healthz", include_in_schema=False)
        async def healthz() -> dict[str, str]:
            return {"status": "ok"}

        @app.get("/readyz", include_in_schema=False)
        async def readyz(response: Response) -> dict[str, Any]:
            checks = self.ready()
            response.status_code = 200 if all(checks.values()) else 503
            return {
                "ready": all(checks.values()),
                "checks": checks,
                "warnings": {"topics": readiness_warnings(self.reader.topic_report)},
            }

        @app.get("/metrics", include_in_schema=False)
        async def metrics() -> Response:
            projection = self.feed.projection
            for name, value in (
                ("records_read", self.reader.records_read),
                ("dead_letters", projection.dead_letters),
                ("malformed", projection.malformed),
                ("pages_open", len(self.feed.pages)),
                ("caught_up", int(self.reader.caught_up)),
            ):
                self._gauges[name].set(value)
            return Response(generate_latest(self.metrics), media_type=CONTENT_TYPE_LATEST)

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()

    def serve(self, app: FastAPI) -> None:
        uvicorn.run(
            app,
            host=self.settings.http_host,
            port=self.settings.http_port,
            log_config=None,
            proxy_headers=self.settings.trust_proxy,
            access_log=False,
            timeout_graceful_shutdown=2,
        )
