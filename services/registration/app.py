"""Composition root of the registration service: settings -> config -> adapters -> routes.

``python -m services.registration.app`` serves it on port 8001 (``REGISTRATION_HTTP_PORT``).
Nothing connects at import; ``build()`` wires, the FastAPI lifespan starts.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from schemas import topics
from services.common import jobs
from services.common.congress import config_path
from services.common.db import is_postgres
from services.common.logs import configure_logging
from services.common.openapi import answer_405_with_every_method
from services.common.organiser_access import organiser_access
from services.common.page_language import language_router
from services.common.privacy import load_privacy
from services.common.runtime import ServiceRuntime
from services.common.web_guard import install_web_guard
from services.registration.adapters import db
from services.registration.adapters.export_sources import HttpExportSources
from services.registration.adapters.history import KEPT_TOPICS as HISTORY_TOPICS
from services.registration.adapters.stripe import StripePayments, StripeWebhooks
from services.registration.adapters.units import BatchWriter, DirectWriter, Sessions, SqlUnits
from services.registration.adapters.writer import GroupWriter, sync_sqlite_engine
from services.registration.commands import (
    expiry,
    invoice_holds,
    manage,
    presenter_deadline,
    retention,
    stripe_tasks,
)
from services.registration.commands.records import Deps
from services.registration.config import RegistrationSettings, load_all, load_income_groups
from services.registration.ports import Payments, Writer
from services.registration.subscriptions import audit, call_for_papers, delegate_traces, programme
from services.registration.web.agenda_pages import agenda_router
from services.registration.web.api import router
from services.registration.web.api_models import publish_choices
from services.registration.web.broadcast_page import broadcast_router
from services.registration.web.history import history_router
from services.registration.web.local_checkout import local_checkout_router
from services.registration.web.machine_routes import MACHINE_ROUTES
from services.registration.web.offer_pages import offer_router
from services.registration.web.organiser import organiser_router
from services.registration.web.organiser_list import list_router
from services.registration.web.pages import install_page_errors, pages_router
from services.registration.web.presenters_page import presenters_router
from services.registration.web.privacy_pages import privacy_router
from services.registration.web.rate_limits import RateLimits
from services.registration.web.registration_page import registration_page_router
from services.registration.web.route_access import ROUTES
from services.registration.web.self_service import self_service_router


@dataclass
class Wired(Deps):
    """The commands' dependencies as built here, plus the session factory the tests read tables with.

    Commands see only ``Deps`` (units of work through ports); ``sessionmaker`` is for checks from outside.
    """

    sessionmaker: Sessions = field(kw_only=True)


def build_deps(
    runtime: ServiceRuntime, settings: RegistrationSettings, payments: Payments | None = None, **overrides: Any
) -> Wired:
    congress, config = load_all(settings)
    payments = payments or StripePayments(
        settings.stripe_api_key.get_secret_value(), api_base=settings.stripe_api_base or None
    )
    units = SqlUnits(runtime.sessionmaker, runtime.outbox)
    deps = Wired(
        units=units,
        writer=_writer(runtime, units),
        sessionmaker=runtime.sessionmaker,
        congress=congress,
        config=config,
        rules=config.rules(congress.tz, congress.currency),
        income_table=load_income_groups(),
        payments=payments,
        secret=settings.secret.get_secret_value(),
        public_url=settings.public_url.rstrip("/"),
        privacy=load_privacy(congress),
        exports=HttpExportSources(settings.secret.get_secret_value(), settings.export_sources),
    )
    for name, value in overrides.items():
        setattr(deps, name, value)
    return deps


def _writer(runtime: ServiceRuntime, units: SqlUnits) -> Writer:
    """Registrations are group-committed: on a SQLite file by one writer thread, on PostgreSQL by one writer task;
    elsewhere (an in-memory SQLite) one transaction each, queued on a lock rather than in SQLite's busy handler."""
    url = runtime.engine.url
    wake = runtime.outbox.wakeup.set
    if is_postgres(runtime.engine):
        return BatchWriter(GroupWriter(None, wake, sessionmaker=runtime.sessionmaker), runtime.outbox)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return DirectWriter(units, asyncio.Lock())
    engine = sync_sqlite_engine(url.render_as_string(hide_password=False))
    return BatchWriter(GroupWriter(engine, wake), runtime.outbox)


def build(
    settings: RegistrationSettings | None = None, *, payments: Payments | None = None, **overrides: Any
) -> tuple[ServiceRuntime, FastAPI]:
    settings = settings or RegistrationSettings()
    runtime = ServiceRuntime(settings, metadata=db.metadata)
    runtime.outbox_kept_topics = HISTORY_TOPICS  # a registration's history reads them from the outbox
    deps = build_deps(runtime, settings, payments, **overrides)

    async def seed() -> None:
        seats = {db.TOTAL: deps.config.total_capacity} | {a.code: a.capacity for a in deps.config.add_ons}
        await db.seed(runtime.engine, seats, [c.code for c in deps.config.codes], ("registration", "invoice"))

    runtime.on_start.append(seed)
    runtime.consume(call_for_papers.CONSUMER, (topics.ABSTRACTS,), call_for_papers.make_handlers(deps))
    runtime.consume(audit.CONSUMER, (topics.AUDIT,), audit.make_handlers(deps))
    runtime.consume(delegate_traces.CONSUMER, (topics.BADGES, topics.NOTIFY), delegate_traces.make_handlers(deps))
    runtime.consume(programme.CONSUMER, (topics.PROGRAMME,), programme.make_handlers(deps))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.lifespan(app):
            sweeper = asyncio.create_task(
                jobs.run_every(settings.sweep_seconds, runtime.engine, sweeps(deps)), name="registration-sweeper"
            )
            try:
                yield
            finally:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
                await deps.writer.close()

    app = FastAPI(title=f"{deps.congress.short_name} registration", lifespan=lifespan)
    app.state.deps = deps
    app.state.runtime = runtime
    path = None if "congress" in overrides else config_path(settings.congress_config)
    sessions, login = organiser_access(
        runtime, deps.congress, path=path, demo_password=settings.organiser_password, access=ROUTES
    )
    install_page_errors(app, deps)
    webhooks = StripeWebhooks(
        settings.stripe_webhook_secret.get_secret_value(), tolerance=settings.stripe_webhook_tolerance
    )
    doors = RateLimits(settings.rate_limit_per_client, settings.rate_limit_per_address, enabled=settings.rate_limits)
    app.include_router(router(deps, webhooks=webhooks, doors=doors))
    app.include_router(language_router())  # the delegate pages' language switch
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.include_router(pages_router(deps, settings, doors))
    app.include_router(self_service_router(deps, settings, doors))  # /me/{token:signed} shadows no /me/<word>
    app.include_router(privacy_router(deps, sessions))
    app.include_router(agenda_router(deps))
    app.include_router(offer_router(deps, settings, doors))
    app.include_router(local_checkout_router(deps, settings, webhooks))
    app.include_router(list_router(deps, sessions))
    app.include_router(organiser_router(deps, sessions))
    app.include_router(registration_page_router(deps, sessions))
    app.include_router(presenters_router(deps, sessions))
    app.include_router(broadcast_router(deps, sessions))
    app.include_router(history_router(deps, sessions))
    app.include_router(login)
    runtime.mount_health(app)
    answer_405_with_every_method(app)
    publish_choices(app, deps)
    install_web_guard(app, settings, public_urls=[settings.public_url], machine_routes=MACHINE_ROUTES)
    return runtime, app


def sweeps(deps: Deps) -> list[jobs.Job]:
    """The periodic jobs: expire unpaid card registrations past their hold, remind then release unpaid invoices
    past theirs (``invoice_holds``), pass on waiting-list seats whose offer lapsed, retry the Stripe requests
    (refunds, Checkout expiries) that failed before, and remind (then report) accepted abstracts none of whose
    presenters is registered (``presenter_deadline``), and remove personal data whose retention period ended
    (``retention``). Each runs under its lease (``services.common.jobs``), so
    with several copies on one database each pass happens once."""
    return [
        jobs.Job("registration.payment-holds", lambda: expiry.expire_unpaid(deps)),
        jobs.Job("registration.invoice-holds", lambda: invoice_holds.sweep(deps)),
        jobs.Job("registration.waiting-list", lambda: manage.expire_offers(deps)),
        jobs.Job("registration.stripe-tasks", lambda: stripe_tasks.retry_due(deps)),
        jobs.Job("registration.presenter-registration", lambda: presenter_deadline.sweep(deps)),
        jobs.Job("registration.retention", lambda: retention.sweep(deps)),
    ]


def main() -> None:
    configure_logging("registration")
    runtime, app = build()
    runtime.serve(app)


if __name__ == "__main__":
    main()
