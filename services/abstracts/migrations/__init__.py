"""The abstracts service's schema revisions (Alembic). ``metadata`` holds every table they describe."""

from services.abstracts.adapters import db, programme_db

__all__ = ["metadata", "programme_db"]  # imported for the tables it defines

metadata = db.metadata
