"""symposium roles: each accepted symposium's chair and discussant, for the programme emails

Revision ID: 0010_symposium_roles_notify
Revises: 0009_person_keys_notify
Created: 2026-12-07 05:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_symposium_roles_notify"
down_revision: str | None = "0009_person_keys_notify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notify_symposium_roles",
        sa.Column("abstract_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.PrimaryKeyConstraint("abstract_id", "role"),
    )


def downgrade() -> None:
    op.drop_table("notify_symposium_roles")
