"""The registration service's schema revisions (Alembic). ``metadata`` holds every table they describe."""

from services.registration.adapters import db, db_tasks, earned_roles, presentations

__all__ = ["db_tasks", "earned_roles", "metadata", "presentations"]  # imported for the tables they define

metadata = db.metadata
