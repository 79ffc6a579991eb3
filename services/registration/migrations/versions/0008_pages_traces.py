"""What other services did for a delegate, for the organisers' registration page: badges, prints, check-ins, emails.

Revision ID: 0008_pages_traces
Revises: 0007_pages_search
Created: 2026-12-07 01:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_pages_traces"
down_revision: str | None = "0007_pages_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reg_delegate_traces",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("delegate_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index(op.f("ix_reg_delegate_traces_delegate_id"), "reg_delegate_traces", ["delegate_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_reg_delegate_traces_delegate_id"), table_name="reg_delegate_traces")
    op.drop_table("reg_delegate_traces")
