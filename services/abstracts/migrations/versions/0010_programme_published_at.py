"""When each published programme row was published, so the public page can say when it last updated (issue 15).

Revision ID: 0010_programme_published_at
Revises: 0009_person_keys_abstracts
Created: 2026-12-07 04:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_programme_published_at"
down_revision: str | None = "0009_person_keys_abstracts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("prog_published", sa.Column("published_at", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("prog_published") as batch:
        batch.drop_column("published_at")
