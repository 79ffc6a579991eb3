"""Reviewers' profiles and bids (abs_reviewer_profiles, abs_bids; issue 14).

Revision ID: 0004_reviewer_profiles
Revises: 0003_staged_decisions
Created: 2026-12-07 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_reviewer_profiles"
down_revision: str | None = "0003_staged_decisions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "abs_reviewer_profiles",
        sa.Column("reviewer_id", sa.String(length=40), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("own_abstracts", sa.JSON(), nullable=False),
        sa.Column("max_load", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("conflicts", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("reviewer_id"),
    )
    op.create_table(
        "abs_bids",
        sa.Column("reviewer_id", sa.String(length=40), nullable=False),
        sa.Column("abstract_id", sa.String(length=40), nullable=False),
        sa.Column("bid", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("reviewer_id", "abstract_id"),
    )
    op.create_index(op.f("ix_abs_bids_abstract_id"), "abs_bids", ["abstract_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_abs_bids_abstract_id"), table_name="abs_bids")
    op.drop_table("abs_bids")
    op.drop_table("abs_reviewer_profiles")
