"""session chair notify: the session's chair marked among those notify told about it (no longer "no presentations")

A chair who also presents, or who also chairs a symposium in the session, was a second row with the same key; now
one row carries their presentations and the mark. The rows kept so far without presentations are exactly the
session chairs (presenters and symposium roles always hold one), so they are marked.

Revision ID: 0011_session_chair_notify
Revises: 0010_symposium_roles_notify
Created: 2026-12-07 10:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_session_chair_notify"
down_revision: str | None = "0010_symposium_roles_notify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notify_session_presenters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chairs", sa.Boolean(), server_default=sa.false(), nullable=False))
    rows = sa.table("notify_session_presenters", sa.column("presentations", sa.Text), sa.column("chairs", sa.Boolean))
    op.execute(rows.update().where(rows.c.presentations == "[]").values(chairs=True))


def downgrade() -> None:
    with op.batch_alter_table("notify_session_presenters", schema=None) as batch_op:
        batch_op.drop_column("chairs")
