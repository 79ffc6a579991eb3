"""The organisers' list at 2,500 rows: a folded search key per registration and indexes for its filters and sorts.

``search_text`` holds ``services.common.folding.search_key`` of the searchable fields (SQLite's ``lower()`` folds ASCII
only, so the folding is done in Python); existing rows get theirs here.

Revision ID: 0007_pages_search
Revises: 0006_consent
Created: 2026-12-07 01:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.common.folding import search_key

SEARCHED = ("number", "given_name", "family_name", "badge_name", "email", "affiliation", "country", "invoice_number")
"""The fields folded into the key at this revision (``adapters.rows.SEARCHED`` then)."""

revision: str = "0007_pages_search"
down_revision: str | None = "0006_consent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reg_registrations") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=sa.text("''")))
    op.create_index("ix_reg_country", "reg_registrations", ["country"], unique=False)
    op.create_index("ix_reg_created_at", "reg_registrations", ["created_at"], unique=False)
    op.create_index("ix_reg_family_name", "reg_registrations", ["family_name"], unique=False)
    table = sa.table("reg_registrations", sa.column("id"), sa.column("search_text"), *(sa.column(c) for c in SEARCHED))
    bind = op.get_bind()
    rows = bind.execute(sa.select(table)).mappings().all()
    for row in rows:
        bind.execute(
            sa.update(table).where(table.c.id == row["id"]).values(search_text=search_key(row[c] for c in SEARCHED))
        )


def downgrade() -> None:
    op.drop_index("ix_reg_family_name", table_name="reg_registrations")
    op.drop_index("ix_reg_created_at", table_name="reg_registrations")
    op.drop_index("ix_reg_country", table_name="reg_registrations")
    with op.batch_alter_table("reg_registrations") as batch:
        batch.drop_column("search_text")
