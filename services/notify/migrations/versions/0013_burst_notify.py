"""burst notify: a queued message is stored out of line without a compression attempt on PostgreSQL

``notify_pending.message`` is the finished message, a badge mail's mostly its base64 PDF: PostgreSQL's default
(``EXTENDED``) ran pglz over each one before giving up and storing it as it is; ``EXTERNAL`` skips the attempt
(``adapters/db.py``, ``MESSAGE_STORAGE``). Nothing to do on SQLite, which compresses nothing.

Revision ID: 0013_burst_notify
Revises: 0012_key_unique_notify
Created: 2026-12-07 14:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013_burst_notify"
down_revision: str | None = "0012_key_unique_notify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE notify_pending ALTER COLUMN message SET STORAGE EXTERNAL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE notify_pending ALTER COLUMN message SET STORAGE EXTENDED")
