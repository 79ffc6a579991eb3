"""What every service process runs: database, outbox relay, Kafka consumers and an HTTP app.

A service's ``app.py`` builds a ``ServiceRuntime`` from its settings (nothing
connects at construction), adds its consumers and routes, and calls ``serve()``.
Tests build the same runtime with real or fake parts and drive ``start``/``stop``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from typing import Any

import uvicorn
from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas.base import EventData
from services.common import jobs
from services.common.broker import make_broker
from services.common.consumer import EventConsumer, Handler
from services.common.db import make_engine, make_sessionmaker
from services.common.key_follower import KeyFollower
from services.common.keyring import Keyring
from services.common.migrations import prepare_database
from services.common.outbox import Outbox
from services.common.outbox_purge import PURGE_EVERY_SECONDS, purge_job
from services.common.relay import OutboxRelay, make_producer
from services.common.settings import ServiceSettings
from services.common.topic_admin import TopicPlan, TopicReport, ensure_topics, log_report, plan_for, readiness_warnings

log = logging.getLogger("congress.runtime")


def tune_gc() -> None:
    """How a service process collects garbage; ``serve`` calls it, and benchmarks that run a runtime.

    Start-up objects (modules, compiled templates, pydantic schemas) are frozen out of the
    garbage collector, and young collections run less often: a request allocates thousands of
    short-lived objects, and collecting every 700 allocations cost registration throughput and
    its p99 (bench/registration.py); a consumer's batch of 500 events does the same (a quarter
    of the kernel's CPU time in bench/kernel.py).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


class ServiceRuntime:
    def __init__(self, settings: ServiceSettings, *, metadata: MetaData | None = None) -> None:
        self.settings = settings
        self.engine = make_engine(settings.effective_database_url())
        self.sessionmaker: async_sessionmaker[AsyncSession] = make_sessionmaker(self.engine)
        self.keyring = Keyring(settings.secret.get_secret_value(), settings.service_name)
        self.outbox = Outbox(settings.source, self.keyring)
        self.key_follower = KeyFollower(
            settings.kafka_bootstrap_servers,
            self.keyring,
            topic_prefix=settings.kafka_topic_prefix,
            client_id=settings.service_name,
        )
        self.metadata = metadata
        self.broker = make_broker(settings.kafka_bootstrap_servers, client_id=settings.service_name)
        self.consumers: list[EventConsumer] = []
        self.relay: OutboxRelay | None = None
        self.outbox_kept_topics: tuple[str, ...] = ()
        """Topics whose sent outbox rows this service reads later and the purge leaves (registration's history)."""
        self.outbox_purge_seconds = PURGE_EVERY_SECONDS
        self._tasks: list[asyncio.Task[Any]] = []
        self._topics_ready = asyncio.Event()
        self.started = False
        self.kafka_linked = False
        """True once the consumers are subscribed and the topics exist."""
        self.on_start: list[Callable[[], Awaitable[None]]] = []
        self._alongside: list[tuple[str, Callable[[], Coroutine[Any, Any, None]]]] = []
        self.metrics = CollectorRegistry()
        self._events_handled = Counter(
            "congress_events_handled_total", "Events handled", ["consumer"], registry=self.metrics
        )
        self._dead = Gauge(
            "congress_dead_lettered", "Events dead-lettered since start", ["consumer"], registry=self.metrics
        )
        self._relayed = Gauge("congress_outbox_relayed", "Outbox rows published since start", registry=self.metrics)
        self.topic_report: TopicReport | None = None
        self.warm_up: dict[str, Callable[[], str]] = {}
        """What the service still prepares after it is ready (badges' render pool), by name: each says
        ``warming``, ``warm`` or ``failed``. Shown in ``/readyz`` under ``warm_up``; never makes it answer 503."""
        """How the topics compared with their policy when Kafka was linked (None until then)."""
        self._topic_differences = Gauge(
            "congress_topic_policy_differences", "Topics that differ from their policy", registry=self.metrics
        )

    def consume(
        self,
        name: str,
        topic_names: tuple[str, ...],
        handlers: Mapping[type[EventData], Handler],
        *,
        optimistic: bool = True,
    ) -> EventConsumer:
        """Register a consumer group ``name`` reading ``topic_names`` with these handlers.

        ``optimistic=False`` for handlers with effects outside the database (see ``EventConsumer``).
        """
        consumer = EventConsumer(
            name=name,
            sessionmaker=self.sessionmaker,
            outbox=self.outbox,
            handlers=handlers,
            retries=self.settings.consumer_retries,
            optimistic=optimistic,
            keyring=self.keyring,
            key_follower=self.key_follower,
        )
        consumer.subscribe(self.broker, *topic_names, topic_prefix=self.settings.kafka_topic_prefix)
        self.consumers.append(consumer)
        return consumer

    def run_alongside(self, name: str, run: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``run()`` as a task from ``start`` until ``stop`` (it handles Kafka being away itself)."""
        self._alongside.append((name, run))

    async def start(self) -> None:
        """Bring up the local parts, then Kafka; without Kafka the service still starts.

        The database, the outbox and the HTTP side work from the first second. If Kafka
        does not answer, consumers and topics are connected by a background task that
        retries with backoff, and the relay keeps the outbox until it can publish;
        ``/readyz`` reports ``kafka: false`` meanwhile.
        """
        topic_plan = plan_for(self.settings)  # a bad retention in the edition's YAML stops the start here
        await prepare_database(self.engine, self.settings.service_name, self.metadata)
        async with self.sessionmaker() as session:
            await self.keyring.load(session)  # this service's own keys, before it writes or reads an event
        self._tasks.append(asyncio.create_task(self.key_follower.run(), name="key-follower"))
        producer = make_producer(self.settings.kafka_bootstrap_servers, f"{self.settings.service_name}-relay")
        self.relay = OutboxRelay(
            self.engine,
            producer,
            outbox=self.outbox,
            poll_seconds=self.settings.relay_poll_seconds,
            topic_prefix=self.settings.kafka_topic_prefix,
            producer_started=False,
            topics_ready=self._topics_ready,
        )
        self._tasks.append(asyncio.create_task(self._keep_relaying(self.relay), name="outbox-relay"))
        self._purge_sent_rows()
        try:
            await self._connect(topic_plan)
        except Exception as exc:  # noqa: BLE001 -- Kafka away at start: serve locally, link in the background
            log.warning("Kafka not reachable at start (%r); connecting in the background", exc)
            with contextlib.suppress(Exception):
                await self.broker.stop()
            self._tasks.append(asyncio.create_task(self._connect_until_linked(topic_plan), name="kafka-link"))
        for hook in self.on_start:
            await hook()
        for name, run in self._alongside:
            self._tasks.append(asyncio.create_task(run(), name=name))
        self.started = True
        log.info("service started", extra={"bootstrap": self.settings.kafka_bootstrap_servers})

    def _purge_sent_rows(self) -> None:
        """Run the outbox's purge of old sent rows every ``outbox_purge_seconds``, under its lease (decision 76)."""
        settings = self.settings
        purge = purge_job(
            settings.service_name, self.engine, settings.outbox_retention_hours, keep_topics=self.outbox_kept_topics
        )
        if purge is None:
            log.info("outbox purge off: sent rows are kept", extra={"outbox_retention_hours": -1})
            return
        every = jobs.run_every(self.outbox_purge_seconds, self.engine, [purge])
        self._tasks.append(asyncio.create_task(every, name="outbox-purge"))

    async def _connect(self, topic_plan: TopicPlan) -> None:
        self.topic_report = await ensure_topics(self.settings.kafka_bootstrap_servers, topic_plan)
        log_report(self.topic_report)
        self._topics_ready.set()
        await self.broker.start()
        self.kafka_linked = True

    async def _connect_until_linked(
        self, topic_plan: TopicPlan, first_delay: float = 1.0, max_delay: float = 10.0
    ) -> None:
        delay = first_delay
        while True:
            await asyncio.sleep(delay)
            try:
                await self._connect(topic_plan)
            except Exception as exc:  # noqa: BLE001 -- still away: try again later
                log.warning("Kafka still not reachable (%r); next try in %.0fs", exc, delay)
                with contextlib.suppress(Exception):
                    await self.broker.stop()
                delay = min(delay * 2, max_delay)
                continue
            log.info("connected to Kafka", extra={"bootstrap": self.settings.kafka_bootstrap_servers})
            return

    @staticmethod
    async def _keep_relaying(relay: OutboxRelay) -> None:
        """Run the relay; if it ever stops with an error (e.g. the database lease), restart it."""
        while True:
            try:
                await relay.run()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay stopped; restarting in 1s")
                await asyncio.sleep(1.0)

    async def stop(self) -> None:
        self.started = False
        self.kafka_linked = False
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        with contextlib.suppress(Exception):  # never linked, or Kafka already gone
            await self.broker.stop()
        if self.relay is not None:
            with contextlib.suppress(Exception):
                await self.relay.producer.stop()
        await self.engine.dispose()

    async def ready(self) -> dict[str, bool]:
        checks = {
            "started": self.started,
            "kafka": self.kafka_linked,
            # a copy whose relay waits while another copy's publishes (one per database) is ready too
            "relay": bool(self.relay and (self.relay.running or self.relay.standby) and self.relay.last_error is None),
        }
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("select 1"))
            checks["database"] = True
        except Exception:  # noqa: BLE001 -- readiness reports, it does not raise
            checks["database"] = False
        return checks

    def mount_health(self, app: FastAPI) -> None:
        """``/healthz`` (alive), ``/readyz`` (database, relay, broker) and Prometheus ``/metrics``.

        A topic that differs from its policy leaves the service ready (it works; refusing traffic would
        take registration down over a durability setting) but is never silent: ``/readyz`` lists it
        under ``warnings.topics`` with what differs, the log says so at start, and
        ``congress_topic_policy_differences`` counts it.
        """

        @app.get("/healthz", include_in_schema=False)
        async def healthz() -> dict[str, str]:
            return {"status": "ok"}

        @app.get("/readyz", include_in_schema=False)
        async def readyz(response: Response) -> dict[str, Any]:
            checks = await self.ready()
            response.status_code = 200 if all(checks.values()) else 503
            return {
                "ready": all(checks.values()),
                "checks": checks,
                "warnings": {"topics": readiness_warnings(self.topic_report)},
                "warm_up": {name: state() for name, state in self.warm_up.items()},
            }

        @app.get("/metrics", include_in_schema=False)
        async def metrics() -> Response:
            self._topic_differences.set(len(readiness_warnings(self.topic_report)))
            for consumer in self.consumers:
                self._events_handled.labels(consumer.name)._value.set(consumer.stats.handled)
                self._dead.labels(consumer.name).set(consumer.stats.dead_lettered)
            self._relayed.set(self.relay.published if self.relay else 0)
            return Response(generate_latest(self.metrics), media_type=CONTENT_TYPE_LATEST)

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()

    def serve(self, app: FastAPI) -> None:
        """Run the HTTP app (whose lifespan starts and stops this runtime) until SIGINT/SIGTERM (see ``tune_gc``)."""
        tune_gc()
        uvicorn.run(
            app,
            host=self.settings.http_host,
            port=self.settings.http_port,
            log_config=None,
            access_log=False,
            proxy_headers=self.settings.trust_proxy,
        )
