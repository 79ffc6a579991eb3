"""Roles the call for papers applied (reg_applied_roles) and sign-in links sent (reg_magic_links).

Revision ID: 0002
Revises: 0001
Created: 2026-11-24 05:39:04.447053
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
        "reg_applied_roles",
        sa.Column("registration_id", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("registration_id", "role"),
    )
    op.create_table(
        "reg_magic_links",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("registration_id", sa.String(length=40), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti"),
    )
    with op.batch_alter_table("reg_magic_links", schema=None) as batch_op:
        batch_op.create_index("ix_reg_magic_links_registration", ["registration_id", "requested_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reg_magic_links", schema=None) as batch_op:
        batch_op.drop_index("ix_reg_magic_links_registration")

    op.drop_table("reg_magic_links")
    op.drop_table("reg_applied_roles")
