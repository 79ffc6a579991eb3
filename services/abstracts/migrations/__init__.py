"""The abstracts service's schema revisions (Alembic). ``metadata`` holds every table they describe."""

from services.abstracts.adapters import db, presenter_marks, programme_db

__all__ = ["metadata", "presenter_marks", "programme_db"]  # imported for the tables they define

metadata = db.metadata
