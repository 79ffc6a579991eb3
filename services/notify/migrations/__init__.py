"""The notify service's schema revisions (Alembic). ``metadata`` holds every table they describe."""

from services.notify.adapters import abstracts, broadcasts, db, programme

__all__ = ["abstracts", "broadcasts", "metadata", "programme"]  # imported for the tables they define

metadata = db.notify_metadata
