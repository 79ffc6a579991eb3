"""Organiser sign-in for a service built on ``ServiceRuntime``, wired in one call.

One ``OrganiserSessions`` per service checks every organiser request; its login router
announces sign-outs through the service's outbox, and a ``RevocationReader`` running
alongside the service applies the sign-outs of every service (this one included).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from pydantic import SecretStr

from services.common.congress import Congress
from services.common.organiser_login import PasswordCheck, organiser_login_router
from services.common.organiser_sessions import ConfiguredOrganisers, OrganiserSessions
from services.common.roles import RouteAccess
from services.common.runtime import ServiceRuntime
from services.common.session_events import OutboxSignOuts, RevocationReader


def organiser_access(
    runtime: ServiceRuntime,
    congress: Congress,
    *,
    path: Path | None,
    demo_password: SecretStr | None,
    access: RouteAccess,
    accounts_door: PasswordCheck | None = None,
) -> tuple[OrganiserSessions, APIRouter]:
    """The service's sessions and its /organiser/login + /organiser/logout routes.

    ``path`` is the congress file ``congress`` was read from (re-read when it changes), or
    None when the congress was given in code (tests). ``access`` is the service's route-access
    table (deny by default); ``accounts_door`` is given by the accounts' owner only.
    """
    settings = runtime.settings
    organisers = ConfiguredOrganisers(congress, path)
    sessions = OrganiserSessions(settings.secret.get_secret_value(), organisers, access=access)
    reader = RevocationReader(
        settings.kafka_bootstrap_servers,
        sessions,
        topic_prefix=settings.kafka_topic_prefix,
        client_id=settings.service_name,
    )
    runtime.run_alongside("sign-out-reader", reader.run)
    sign_outs = OutboxSignOuts(runtime.sessionmaker, runtime.outbox)
    router = organiser_login_router(congress, sessions, sign_outs, demo_password, accounts_door=accounts_door)
    return sessions, router
