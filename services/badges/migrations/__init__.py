"""The badges service's schema revisions (Alembic). ``metadata`` holds every table they describe."""

from services.badges.adapters import book_db, db

_TABLES = (book_db.book_files,)  # the book's tables are on db.metadata once book_db is imported

metadata = db.metadata
