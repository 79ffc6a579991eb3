"""The abstracts service's schema revisions (Alembic). ``metadata`` holds every table they describe."""

from services.abstracts.adapters import db, notices, presenter_marks, profiles, programme_db, staged

__all__ = [
    "metadata",
    "notices",
    "presenter_marks",
    "profiles",
    "programme_db",
    "staged",
]  # imported for the tables they define

metadata = db.metadata
