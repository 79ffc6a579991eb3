"""The console's composition root: settings → congress → projection → reader and web.

Run with ``python -m services.console.app`` (port 8000, ``CONSOLE_*`` settings).
"""

from __future__ import annotations

from fastapi import FastAPI

from services.common.congress import Congress, load_congress
from services.common.logs import configure_logging
from services.common.organiser_login import organiser_login_router
from services.common.web_guard import install_web_guard
from services.console.adapters.congress import add_on_capacities
from services.console.config import ConsoleSettings
from services.console.domain import Projection
from services.console.live import LiveFeed
from services.console.runtime import ConsoleRuntime
from services.console.web import build_web


def build(
    settings: ConsoleSettings | None = None, *, congress: Congress | None = None
) -> tuple[ConsoleRuntime, FastAPI]:
    settings = settings or ConsoleSettings()
    congress = congress or load_congress(settings.congress_config)
    projection = Projection(tz=congress.tz, capacities=add_on_capacities(congress), ring_size=settings.ring_size)
    feed = LiveFeed(projection, congress.tz)
    runtime = ConsoleRuntime(settings, feed)
    secret = settings.secret.get_secret_value()
    app = build_web(feed, congress, secret)
    app.router.lifespan_context = runtime.lifespan
    app.include_router(organiser_login_router(congress, secret, settings.organiser_password))
    runtime.mount_health(app)
    install_web_guard(app, settings)
    return runtime, app


def main() -> None:
    configure_logging("console")
    runtime, app = build()
    runtime.serve(app)


if __name__ == "__main__":
    main()
