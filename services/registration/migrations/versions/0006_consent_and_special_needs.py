"""Consents (the privacy notice version shown, optional consents) and special needs (dietary, accessibility),
each in its own table apart from the registrations (issue 16; docs/privacy.md).

Revision ID: 0006_consent
Revises: 0005_broadcast_network
Created: 2026-12-07 01:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_consent"
down_revision: str | None = "0005_broadcast_network"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reg_consents",
        sa.Column("registration_id", sa.String(length=40), nullable=False),
        sa.Column("notice_version", sa.String(length=40), nullable=False),
        sa.Column("notice_language", sa.String(length=20), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("photos", sa.Boolean(), nullable=False),
        sa.Column("sponsors", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("registration_id"),
    )
    op.create_table(
        "reg_special_needs",
        sa.Column("registration_id", sa.String(length=40), nullable=False),
        sa.Column("diets", sa.JSON(), nullable=False),
        sa.Column("diet_other", sa.Text(), nullable=False),
        sa.Column("access", sa.JSON(), nullable=False),
        sa.Column("access_other", sa.Text(), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("registration_id"),
    )


def downgrade() -> None:
    op.drop_table("reg_special_needs")
    op.drop_table("reg_consents")
