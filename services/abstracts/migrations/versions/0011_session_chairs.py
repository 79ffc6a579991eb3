"""A session's chair may be a person: their email and language beside the name (issue 15).

Revision ID: 0011_session_chairs
Revises: 0010_programme_published_at
Created: 2026-12-07 07:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_session_chairs"
down_revision: str | None = "0010_programme_published_at"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("prog_sessions", sa.Column("chair_email", sa.String(length=320), nullable=True))
    op.add_column("prog_sessions", sa.Column("chair_language", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("prog_sessions") as batch:
        batch.drop_column("chair_language")
        batch.drop_column("chair_email")
