"""The notify service's schema revisions (Alembic). ``metadata`` holds every table they describe."""

from services.notify.adapters import abstracts, db, programme

__all__ = ["abstracts", "metadata", "programme"]  # imported for the tables they define

metadata = db.notify_metadata
