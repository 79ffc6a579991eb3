"""Rooms sized by interest: delegates' agenda marks and whether their registration is confirmed (ids only).

Revision ID: 0006_room_sizing
Revises: 0005_notices_shown
Created: 2026-12-07 04:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_room_sizing"
down_revision: str | None = "0005_notices_shown"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "abs_agenda_marks",
        sa.Column("delegate_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("attending", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("delegate_id", "session_id"),
    )
    op.create_table(
        "abs_audience_delegates",
        sa.Column("delegate_id", sa.String(length=64), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("registration_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("delegate_id"),
    )


def downgrade() -> None:
    op.drop_table("abs_audience_delegates")
    op.drop_table("abs_agenda_marks")
