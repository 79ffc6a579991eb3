"""Erased organiser accounts: notify keeps only their id and when (decision 73).

Revision ID: 0014_erased_organiser_accounts
Revises: 0013_burst_notify
Created: 2026-12-07 20:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_erased_organiser_accounts"
down_revision: str | None = "0013_burst_notify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notify_erased_organiser_accounts",
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id"),
    )


def downgrade() -> None:
    op.drop_table("notify_erased_organiser_accounts")
