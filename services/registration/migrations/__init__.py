"""The registration service's schema revisions (Alembic). ``metadata`` holds every table they describe."""

from services.registration.adapters import (
    applied_roles,
    audit_history,
    db,
    db_tasks,
    earned_roles,
    magic_links,
    presentations,
)

__all__ = [
    "applied_roles",
    "audit_history",
    "db_tasks",
    "earned_roles",
    "magic_links",
    "metadata",
    "presentations",
]  # imported for the tables they define

metadata = db.metadata
