"""Presentations registration reported as having no registered presenter (abs_presenter_marks).

Revision ID: 0002
Revises: 0001
Created: 2026-11-24 06:02:13.485045
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "abs_presenter_marks",
        sa.Column("abstract_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("abstract_id"),
    )


def downgrade() -> None:
    op.drop_table("abs_presenter_marks")
