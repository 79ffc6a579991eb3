"""Composition root of notify: settings → renderer, mailer, consumer, retry and reminder tasks, mail page.

``python -m services.notify.app`` runs it (env prefix ``NOTIFY_``); with no SMTP
server configured it also runs the demo SMTP sink on 127.0.0.1:1025.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from functools import partial
from typing import Any

from fastapi import FastAPI

from schemas import topics
from services.common import jobs
from services.common.congress import Congress, config_path, load_congress
from services.common.consumer import EventConsumer
from services.common.db import scrub_after_erasure
from services.common.logs import configure_logging
from services.common.organiser_access import organiser_access
from services.common.personal_export import export_router
from services.common.privacy import load_privacy
from services.common.runtime import ServiceRuntime
from services.common.web_guard import install_web_guard
from services.notify.adapters.accounts import SqlAccountUnits
from services.notify.adapters.compose import address
from services.notify.adapters.db import notify_metadata
from services.notify.adapters.files import FileDocuments
from services.notify.adapters.kafka import subscribe
from services.notify.adapters.mail import MailBuilder
from services.notify.adapters.mailindex import MaildirMailbox
from services.notify.adapters.mailsink import MailSink
from services.notify.adapters.render import Renderer
from services.notify.adapters.smtp import PooledMailer, SmtpMailer
from services.notify.adapters.unit import SqlUnitFor, SqlUnits
from services.notify.commands import personal_export
from services.notify.commands.accounts import Accounts
from services.notify.commands.broadcast import BroadcastSender
from services.notify.commands.dispatch import Notifier, utc_now
from services.notify.commands.erase import forget_delegates
from services.notify.commands.owed import OwedSender
from services.notify.commands.remind import Reminders
from services.notify.commands.retention import EmailRetention
from services.notify.commands.retry import RetryWorker
from services.notify.config import NotifySettings
from services.notify.domain.abstracts import AbstractsSettings, abstracts_settings
from services.notify.domain.batch import PlanSettings
from services.notify.domain.delivery import RetryPolicy
from services.notify.domain.programme import programme_settings
from services.notify.ports import Clock, Documents, Mailer
from services.notify.subscriptions import Subscriptions
from services.notify.web.accounts import accounts_router, network_names
from services.notify.web.mail import mail_router
from services.notify.web.route_access import ROUTES

CONSUMER = "notify"


def smtp_mailer(settings: NotifySettings) -> SmtpMailer:
    return SmtpMailer(
        host=settings.smtp_server,
        port=settings.smtp_port,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        timeout=settings.smtp_timeout_seconds,
        rate_per_minute=settings.smtp_rate_per_minute,
    )


def assemble_notifier(
    *,
    congress: Congress,
    mailer: Mailer,
    documents: Documents,
    sender: Address,
    message_id_domain: str,
    link_secret: str = "",
    links: Mapping[str, str] | None = None,
    abstracts: AbstractsSettings | None = None,
    attachment_max_bytes: int = 5_000_000,
    clock: Clock = utc_now,
    **options: Any,
) -> Notifier:
    """The notifier with its message builder (templates, documents, sealed links) and plan settings wired in.

    ``options`` are the ``Notifier``'s own (programme, policy, circuit_seconds, rng, ...).
    """
    builder = MailBuilder(
        renderer=Renderer(congress),
        documents=documents,
        sender=sender,
        clock=clock,
        link_secret=link_secret,
        attachment_max_bytes=attachment_max_bytes,
    )
    plans = PlanSettings(
        links=dict(links or {}),
        abstracts=abstracts or abstracts_settings(congress.section("abstracts"), congress.section("registration")),
        team_email=str(congress.contact.email),
        team_language=congress.default_language,
    )
    return Notifier(
        builder=builder, mailer=mailer, message_id_domain=message_id_domain, plans=plans, clock=clock, **options
    )


def build_notifier(settings: NotifySettings, congress: Congress, mailer: Mailer | None = None) -> Notifier:
    return assemble_notifier(
        congress=congress,
        mailer=mailer or PooledMailer([smtp_mailer(settings) for _ in range(settings.smtp_connections)]),
        documents=FileDocuments(),
        sender=address(congress.short_name, settings.sender_address or str(congress.contact.email)),
        message_id_domain=settings.message_id_domain or str(congress.contact.email).rpartition("@")[2],
        link_secret=settings.secret.get_secret_value(),
        links={"badge": settings.badge_link},
        attachment_max_bytes=settings.attachment_max_bytes,
        programme=programme_settings(
            notify_url=settings.programme_url,
            programme=congress.section("programme"),
            abstracts=congress.section("abstracts"),
            abstracts_public_url=settings.abstracts_public_url,
        ),
        policy=RetryPolicy(
            base_seconds=settings.retry_base_seconds,
            max_seconds=settings.retry_max_seconds,
            max_attempts=settings.retry_max_attempts,
        ),
        circuit_seconds=settings.circuit_seconds,
        consumer_name=CONSUMER,
    )


async def periodically(seconds: float, runtime: ServiceRuntime, job: jobs.Job) -> None:
    """A pass at once and then every ``seconds``, under the job's lease (one copy works each pass)."""
    while True:
        await jobs.run_all(runtime.engine, [job])
        await asyncio.sleep(seconds)


def consume(
    settings: NotifySettings, runtime: ServiceRuntime, subscriptions: Subscriptions, units: SqlUnits
) -> EventConsumer:
    """The kernel's inbox consumer of notify's topics, with notify's batch hooks, subscribed to the broker."""

    async def erase(delegate_ids: list[str]) -> None:
        await forget_delegates(units, delegate_ids)
        await scrub_after_erasure(runtime.sessionmaker)

    consumer = EventConsumer(
        name=CONSUMER,
        sessionmaker=runtime.sessionmaker,
        outbox=runtime.outbox,
        handlers=subscriptions.handlers(),
        retries=settings.consumer_retries,
        # Mail leaves the process: never re-run a whole batch after one handler fails.
        optimistic=False,
        # One read and one plan of the batch; its mail built and sent while the handlers run.
        before_handlers=subscriptions.begin_batch,
        # What the handlers staged on notify's tables, written once for the batch before its commit.
        after_handlers=subscriptions.end_batch,
        keyring=runtime.keyring,
        key_follower=runtime.key_follower,
    )
    subscribe(
        runtime.broker,
        consumer,
        (topics.REGISTRATION, topics.BADGES, topics.DELEGATES, topics.ABSTRACTS, topics.PROGRAMME, topics.ORGANISERS),
        topic_prefix=settings.kafka_topic_prefix,
        max_records=settings.batch_size,
        group_instance_id=settings.group_instance_id,
        on_erasure=erase,
        committed=subscriptions.committed,
        failed=subscriptions.failed,
    )
    return consumer


def service_lifespan(
    runtime: ServiceRuntime,
    notifier: Notifier,
    periodic: list[tuple[float, jobs.Job]],
    sink: MailSink | None,
    owed: OwedSender,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start the sink and the runtime, then the periodic jobs (each under its lease: one copy works a pass)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if sink is not None:
            sink.start()
        tasks: list[asyncio.Task[None]] = []
        try:
            async with runtime.lifespan(app):
                tasks = [
                    asyncio.create_task(periodically(seconds, runtime, job), name=job.name) for seconds, job in periodic
                ]
                yield
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                await owed.close()
                close = getattr(notifier.mailer, "close", None)
                if close is not None:
                    await close()
        finally:
            if sink is not None:
                sink.stop()

    return lifespan


def build(
    settings: NotifySettings | None = None, *, mailer: Mailer | None = None, **overrides: Any
) -> tuple[ServiceRuntime, FastAPI]:
    settings = settings or NotifySettings(**overrides)
    path = config_path(settings.congress_config)
    congress = load_congress(path)
    runtime = ServiceRuntime(settings, metadata=notify_metadata)
    accounts_units = SqlAccountUnits(runtime.sessionmaker, runtime.outbox)

    async def accounts_door(email: str, password: str) -> str | None:
        return await accounts.check_password(email, password)

    sessions, login = organiser_access(
        runtime,
        congress,
        path=path,
        demo_password=settings.organiser_password,
        access=ROUTES,
        accounts_door=accounts_door,
    )
    accounts = Accounts(
        accounts_units,
        settings.secret.get_secret_value(),
        congress.id,
        frozenset(network_names(congress)),
        (settings.public_url or f"http://127.0.0.1:{settings.http_port}").rstrip("/"),
        lambda: datetime.now(UTC),
        sessions.accounts.apply,
        invitation_hours=settings.invitation_hours,
        listed=lambda: frozenset(str(o.email).lower() for o in sessions.organisers.current()),
        forgotten=sessions.accounts.forget,
    )

    async def take_accounts_in() -> None:
        await accounts.seed(sessions.organisers.current())
        await accounts.load()

    runtime.on_start.append(take_accounts_in)
    notifier = build_notifier(settings, congress, mailer)
    units = SqlUnits(runtime.sessionmaker, runtime.outbox)
    retry = RetryWorker(
        notifier, units, connections=settings.smtp_connections, claim_seconds=settings.smtp_claim_seconds
    )
    owed = OwedSender(retry)
    subscriptions = Subscriptions(notifier, SqlUnitFor(runtime.outbox), owed, settings.secret.get_secret_value())

    runtime.consumers.append(consume(settings, runtime, subscriptions, units))
    reminders = Reminders(notifier, units, delay=timedelta(hours=settings.reminder_after_hours), sender=retry)
    maildir = settings.effective_mail_dir()
    sink = MailSink(maildir, port=settings.smtp_port) if settings.runs_embedded_sink() else None

    broadcasts = BroadcastSender(notifier, units)
    retention = EmailRetention(units, congress, load_privacy(congress), notifier.clock)
    periodic = [
        (settings.retry_poll_seconds, retry.job),
        (settings.reminder_poll_seconds, reminders.job),
        (settings.broadcast_poll_seconds, broadcasts.job),
        (settings.retention_poll_seconds, retention.job),
    ]
    lifespan = service_lifespan(runtime, notifier, periodic, sink, owed)

    app = FastAPI(title="congress notify", lifespan=lifespan)
    runtime.mount_health(app)
    app.include_router(login)
    secret = settings.secret.get_secret_value()
    app.include_router(export_router("notify", secret, partial(personal_export.answer, units)))
    app.include_router(accounts_router(congress, accounts, sessions))
    if sink is not None:  # with a real relay there is no demo mailbox to show
        app.include_router(mail_router(congress, MaildirMailbox(maildir), sessions))
    app.state.notifier = notifier
    app.state.accounts = accounts
    app.state.retry = retry
    app.state.reminders = reminders
    app.state.broadcasts = broadcasts
    app.state.retention = retention
    install_web_guard(app, settings)
    return runtime, app


def main() -> None:
    configure_logging("notify")
    runtime, app = build()
    runtime.serve(app)


if __name__ == "__main__":
    main()
