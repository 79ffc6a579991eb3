"""The badges service's schema revisions (Alembic). ``metadata`` holds every table they describe."""

from services.badges.adapters import db

metadata = db.metadata
