"""The console's composition root: settings → congress → projection → reader and web.

Run with ``python -m services.console.app`` (port 8000, ``CONSOLE_*`` settings).
"""

from __future__ import annotations

from fastapi import FastAPI

from schemas.audit import ActorKind
from services.common.accounts import shown_actor
from services.common.congress import Congress, config_path, load_congress
from services.common.logs import configure_logging
from services.common.openapi import answer_405_with_every_method
from services.common.organiser_login import organiser_login_router
from services.common.organiser_sessions import ConfiguredOrganisers, OrganiserSessions
from services.common.session_events import DirectSignOuts, RevocationReader
from services.common.web_guard import install_web_guard
from services.console.adapters.congress import add_on_capacities
from services.console.adapters.records import erased
from services.console.config import ConsoleSettings
from services.console.domain import Projection
from services.console.live import LiveFeed
from services.console.route_access import ROUTES
from services.console.runtime import ConsoleRuntime
from services.console.web import build_web


def build(
    settings: ConsoleSettings | None = None, *, congress: Congress | None = None
) -> tuple[ConsoleRuntime, FastAPI]:
    settings = settings or ConsoleSettings()
    path = None if congress is not None else config_path(settings.congress_config)
    congress = congress or load_congress(path)
    sessions = OrganiserSessions(
        settings.secret.get_secret_value(), ConfiguredOrganisers(congress, path), access=ROUTES
    )
    projection = Projection(
        tz=congress.tz,
        capacities=add_on_capacities(congress),
        ring_size=settings.ring_size,
        erase=erased,
        name_organiser=lambda actor: shown_actor(sessions.accounts, ActorKind.ORGANISER, actor),
    )
    feed = LiveFeed(projection, congress.tz)
    # No database, so no outbox: sign-outs are sent directly (retried in the background).
    sign_outs = DirectSignOuts(
        settings.kafka_bootstrap_servers, source=settings.source, topic_prefix=settings.kafka_topic_prefix
    )
    reader = RevocationReader(
        settings.kafka_bootstrap_servers, sessions, topic_prefix=settings.kafka_topic_prefix, client_id="console"
    )
    runtime = ConsoleRuntime(settings, feed, alongside=(reader.run,), on_stop=(sign_outs.close,))
    app = build_web(feed, congress, sessions)
    app.router.lifespan_context = runtime.lifespan
    app.include_router(organiser_login_router(congress, sessions, sign_outs, settings.organiser_password))
    runtime.mount_health(app)
    answer_405_with_every_method(app)
    install_web_guard(app, settings)
    return runtime, app


def main() -> None:
    configure_logging("console")
    runtime, app = build()
    runtime.serve(app)


if __name__ == "__main__":
    main()
