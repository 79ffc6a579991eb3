"""Composition root of the abstracts service: settings -> config -> adapters -> commands -> routes and subscriptions.

``python -m services.abstracts.app`` serves it on port 8002 (``ABSTRACTS_HTTP_PORT``).
Nothing connects at import; ``build()`` wires, the FastAPI lifespan starts. It consumes
``congress.registration`` for the presenter events only (``subscriptions.py``); it emits on
``congress.abstracts`` and, when the organisers publish the programme, on ``congress.programme``,
through the outbox. The only module that knows both the adapters and the rooms that use them.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from schemas import topics
from services.abstracts import subscriptions
from services.abstracts.adapters import (
    db,
    programme_db,  # noqa: F401  -- registers the programme's tables
)
from services.abstracts.adapters.solver import CpSatPlacer
from services.abstracts.adapters.unit import SqlUnits
from services.abstracts.commands import personal_export
from services.abstracts.commands.assignment import ASSIGN_LOCK
from services.abstracts.commands.context import Deps
from services.abstracts.commands.planning import LOCK, VERSION, Programme
from services.abstracts.config import AbstractsSettings, load_all
from services.abstracts.programme_config import load_programme
from services.abstracts.web.authors import authors_router
from services.abstracts.web.decisions import decisions_router
from services.abstracts.web.erasure import erasure_router
from services.abstracts.web.machine_routes import MACHINE_ROUTES
from services.abstracts.web.organiser import organiser_router
from services.abstracts.web.pages import install_errors, is_email, make_templates
from services.abstracts.web.profile import profile_router
from services.abstracts.web.programme import programme_router
from services.abstracts.web.review import review_router
from services.abstracts.web.route_access import ROUTES
from services.abstracts.web.symposia import symposia_router
from services.common.congress import config_path
from services.common.logs import configure_logging
from services.common.openapi import answer_405_with_every_method
from services.common.organiser_access import organiser_access
from services.common.page_language import language_router
from services.common.personal_export import export_router
from services.common.privacy import load_privacy
from services.common.runtime import ServiceRuntime
from services.common.web_guard import install_web_guard


class Built:
    """What ``build`` wired, kept on ``app.state.deps``: the commands' dependencies, and (for tests and tools)
    the database they work on."""

    def __init__(self, deps: Deps, units: SqlUnits) -> None:
        self.deps = deps
        self.sessionmaker = units.sessionmaker
        self.congress, self.config = deps.congress, deps.config
        self.secret, self.public_url = deps.secret, deps.public_url


def build_deps(units: SqlUnits, settings: AbstractsSettings, **overrides: Any) -> Deps:
    congress, config = load_all(settings)
    deps = Deps(
        units=units,
        congress=congress,
        config=config,
        rules=config.rules(),
        secret=settings.secret.get_secret_value(),
        public_url=settings.public_url.rstrip("/"),
        is_email=is_email,
        privacy=load_privacy(congress),
    )
    for name, value in overrides.items():
        setattr(deps, name, value)
    return deps


def build(settings: AbstractsSettings | None = None, **overrides: Any) -> tuple[ServiceRuntime, FastAPI]:
    """The runtime and the HTTP app; ``overrides`` replace ``Deps`` fields (e.g. ``clock`` in tests)."""
    settings = settings or AbstractsSettings()
    runtime = ServiceRuntime(settings, metadata=db.metadata)
    units = SqlUnits(runtime.sessionmaker, runtime.outbox)
    deps = build_deps(units, settings, **overrides)

    async def seed() -> None:
        await db.seed(runtime.engine, (deps.counter, ASSIGN_LOCK, LOCK, VERSION))

    runtime.on_start.append(seed)
    runtime.consume(subscriptions.CONSUMER, (topics.REGISTRATION,), subscriptions.handlers(units.on, deps))
    app = FastAPI(title=f"{deps.congress.short_name} abstracts", lifespan=runtime.lifespan)
    app.state.deps = Built(deps, units)
    app.state.runtime = runtime
    path = None if "congress" in overrides else config_path(settings.congress_config)
    sessions, login = organiser_access(
        runtime, deps.congress, path=path, demo_password=settings.organiser_password, access=ROUTES
    )
    templates = make_templates(deps)
    templates.env.globals["book_url"] = settings.book_url.rstrip("/")  # the programme page links to the book
    install_errors(app, deps, templates)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.include_router(language_router())  # the authors' and public pages' language switch
    app.include_router(authors_router(deps, templates))
    app.include_router(export_router("abstracts", deps.secret, partial(personal_export.answer, deps)))
    app.include_router(profile_router(deps, templates))  # before the review pages: /review/<token>/profile
    app.include_router(review_router(deps, templates))
    app.include_router(organiser_router(deps, sessions, templates))
    app.include_router(decisions_router(deps, sessions, templates))
    app.include_router(symposia_router(deps, sessions))
    app.include_router(erasure_router(deps, sessions, templates))
    config = load_programme(deps.congress)
    app.state.programme = Programme(deps, config, CpSatPlacer(config.solver_seconds))
    app.include_router(programme_router(app.state.programme, sessions, templates))
    app.include_router(login)
    runtime.mount_health(app)
    answer_405_with_every_method(app)
    install_web_guard(app, settings, public_urls=[settings.public_url], machine_routes=MACHINE_ROUTES)
    return runtime, app


def main() -> None:
    configure_logging("abstracts")
    runtime, app = build()
    runtime.serve(app)


if __name__ == "__main__":
    main()
