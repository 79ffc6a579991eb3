"""The privacy notice version and language each abstract's submission form showed (issue 16).

Revision ID: 0005_notices_shown
Revises: 0004_reviewer_profiles
Created: 2026-12-07 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_notices_shown"
down_revision: str | None = "0004_reviewer_profiles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "abs_notices_shown",
        sa.Column("abstract_id", sa.String(length=40), nullable=False),
        sa.Column("notice_version", sa.String(length=40), nullable=False),
        sa.Column("notice_language", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("abstract_id"),
    )


def downgrade() -> None:
    op.drop_table("abs_notices_shown")
