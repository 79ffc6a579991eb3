"""Owed mail: the retry queue keeps which abstract a message is about (for its NotificationSent).

Revision ID: 0002_owed_about
Revises: 0001
Created: 2026-12-07 01:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_owed_about"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notify_pending") as batch:
        batch.add_column(sa.Column("about", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notify_pending") as batch:
        batch.drop_column("about")
