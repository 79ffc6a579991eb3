"""Composition root of notify: settings → renderer, mailer, consumer, retry and reminder tasks, mail page.

``python -m services.notify.app`` runs it (env prefix ``NOTIFY_``); with no SMTP
server configured it also runs the demo SMTP sink on 127.0.0.1:1025.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from fastapi import FastAPI

from schemas import topics
from services.common.congress import Congress, config_path, load_congress
from services.common.consumer import EventConsumer
from services.common.logs import configure_logging
from services.common.organiser_access import organiser_access
from services.common.runtime import ServiceRuntime
from services.common.web_guard import install_web_guard
from services.notify.adapters import db
from services.notify.adapters.compose import address
from services.notify.adapters.db import notify_metadata
from services.notify.adapters.files import FileDocuments
from services.notify.adapters.kafka import subscribe
from services.notify.adapters.mailsink import MailSink
from services.notify.adapters.render import Renderer
from services.notify.adapters.smtp import PooledMailer, SmtpMailer
from services.notify.commands.dispatch import Notifier
from services.notify.commands.links import LINK_EVENTS
from services.notify.commands.retry import Reminders, RetryWorker
from services.notify.config import NotifySettings
from services.notify.domain.abstracts import ABSTRACT_EVENTS, abstracts_settings
from services.notify.domain.presenters import PRESENTER_EVENTS
from services.notify.domain.programme import PROGRAMME_EVENTS, programme_settings
from services.notify.domain.rules import CONTACT_EVENTS, RULES, RetryPolicy
from services.notify.ports import Mailer
from services.notify.web.mail import mail_router

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


def build_notifier(
    settings: NotifySettings, congress: Congress, runtime: ServiceRuntime, mailer: Mailer | None = None
) -> Notifier:
    domain = settings.message_id_domain or str(congress.contact.email).rpartition("@")[2]
    sender = address(congress.short_name, settings.sender_address or str(congress.contact.email))
    mailer = mailer or PooledMailer([smtp_mailer(settings) for _ in range(settings.smtp_connections)])
    return Notifier(
        renderer=Renderer(congress),
        mailer=mailer,
        documents=FileDocuments(),
        outbox=runtime.outbox,
        sender=sender,
        message_id_domain=domain,
        links={"badge": settings.badge_link},
        link_secret=settings.secret.get_secret_value(),
        abstracts=abstracts_settings(congress.section("abstracts"), congress.section("registration")),
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
        attachment_max_bytes=settings.attachment_max_bytes,
        circuit_seconds=settings.circuit_seconds,
        consumer_name=CONSUMER,
        send_ahead=settings.send_ahead,
        smtp_senders=settings.smtp_connections,
    )


def build(
    settings: NotifySettings | None = None, *, mailer: Mailer | None = None, **overrides: Any
) -> tuple[ServiceRuntime, FastAPI]:
    settings = settings or NotifySettings(**overrides)
    path = config_path(settings.congress_config)
    congress = load_congress(path)
    runtime = ServiceRuntime(settings, metadata=notify_metadata)
    sessions, login = organiser_access(runtime, congress, path=path, demo_password=settings.organiser_password)
    notifier = build_notifier(settings, congress, runtime, mailer)
    handlers = dict.fromkeys(
        {*RULES, *CONTACT_EVENTS, *ABSTRACT_EVENTS, *PROGRAMME_EVENTS, *PRESENTER_EVENTS, *LINK_EVENTS},
        notifier.on_event,
    )

    async def erase(delegate_ids: list[str]) -> None:
        async with runtime.sessionmaker() as session, session.begin():
            await db.forget_delegates(session, delegate_ids)

    consumer = EventConsumer(
        name=CONSUMER,
        sessionmaker=runtime.sessionmaker,
        outbox=runtime.outbox,
        handlers=handlers,
        retries=settings.consumer_retries,
        # Mail leaves the process: never re-run a whole batch after one handler fails.
        optimistic=False,
        # One read of the batch's contacts and ledger; its mail built and sent while the handlers run.
        before_handlers=notifier.begin_batch,
    )
    subscribe(
        runtime.broker,
        consumer,
        (topics.REGISTRATION, topics.BADGES, topics.DELEGATES, topics.ABSTRACTS, topics.PROGRAMME),
        topic_prefix=settings.kafka_topic_prefix,
        max_records=settings.batch_size,
        group_instance_id=settings.group_instance_id,
        on_erasure=erase,
    )
    runtime.consumers.append(consumer)
    retry = RetryWorker(notifier, runtime.sessionmaker, poll_seconds=settings.retry_poll_seconds)
    reminders = Reminders(
        notifier,
        runtime.sessionmaker,
        delay=timedelta(hours=settings.reminder_after_hours),
        poll_seconds=settings.reminder_poll_seconds,
    )
    maildir = settings.effective_mail_dir()
    sink = MailSink(maildir, port=settings.smtp_port) if settings.runs_embedded_sink() else None

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if sink is not None:
            sink.start()
        tasks: list[asyncio.Task[None]] = []
        try:
            async with runtime.lifespan(app):
                tasks = [
                    asyncio.create_task(retry.run(), name="notify-retry"),
                    asyncio.create_task(reminders.run(), name="notify-reminders"),
                ]
                yield
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                await notifier.close()
                close = getattr(notifier.mailer, "close", None)
                if close is not None:
                    await close()
        finally:
            if sink is not None:
                sink.stop()

    app = FastAPI(title="congress notify", lifespan=lifespan)
    runtime.mount_health(app)
    app.include_router(login)
    if sink is not None:  # with a real relay there is no demo mailbox to show
        app.include_router(mail_router(congress, maildir, sessions))
    app.state.notifier = notifier
    app.state.retry = retry
    app.state.reminders = reminders
    install_web_guard(app, settings)
    return runtime, app


def main() -> None:
    configure_logging("notify")
    runtime, app = build()
    runtime.serve(app)


if __name__ == "__main__":
    main()
