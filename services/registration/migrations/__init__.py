"""The registration service's schema revisions (Alembic). ``metadata`` holds every table they describe."""

from services.registration.adapters import (
    agenda_store,
    applied_roles,
    audit_history,
    db,
    db_tasks,
    earned_roles,
    magic_links,
    presentations,
    privacy_store,
    traces,
)

__all__ = [
    "agenda_store",
    "applied_roles",
    "audit_history",
    "db_tasks",
    "earned_roles",
    "magic_links",
    "metadata",
    "presentations",
    "privacy_store",
    "traces",
]  # imported for the tables they define

metadata = db.metadata
