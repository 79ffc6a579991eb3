"""Live addresses are matched case-insensitively: an index on lower(email) (a second registration for an
address that already has a live one is refused; see handlers.register).

Revision ID: 0003_doors_abuse
Revises: 0002
Created: 2026-12-06 19:14:12.493706
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_doors_abuse"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # autogenerate does not see expression indexes (SQLite's reflection skips them): written by hand
    op.create_index("ix_reg_email_lower", "reg_registrations", [sa.text("lower(email)")], unique=False)


def downgrade() -> None:
    op.drop_index("ix_reg_email_lower", table_name="reg_registrations")
