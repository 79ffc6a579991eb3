"""Decisions staged by the organisers until released (abs_staged_decisions; issue 14).

Revision ID: 0003_staged_decisions
Revises: 0002
Created: 2026-12-07 01:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_staged_decisions"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "abs_staged_decisions",
        sa.Column("abstract_id", sa.String(length=40), nullable=False),
        sa.Column("choice", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=True),
        sa.Column("to_network", sa.String(length=20), nullable=True),
        sa.Column("staged_by", sa.String(length=320), nullable=False),
        sa.Column("staged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("abstract_id"),
    )


def downgrade() -> None:
    op.drop_table("abs_staged_decisions")
