"""The audit records that name a delegate, kept for the organisers' view of a registration (issue 13).

Revision ID: 0004_audit_history
Revises: 0003_doors_abuse
Created: 2026-12-07 01:28:22.379215
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_audit_history"
down_revision: str | None = "0003_doors_abuse"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reg_audit_history",
        sa.Column("audit_id", sa.String(length=64), nullable=False),
        sa.Column("delegate_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=120), nullable=False),
        sa.Column("subject_kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("audit_id"),
    )
    with op.batch_alter_table("reg_audit_history", schema=None) as batch_op:
        batch_op.create_index("ix_reg_audit_history_delegate_at", ["delegate_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reg_audit_history", schema=None) as batch_op:
        batch_op.drop_index("ix_reg_audit_history_delegate_at")

    op.drop_table("reg_audit_history")
