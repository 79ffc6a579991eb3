"""person_keys: one current key per person — duplicates two copies minted at once kept retired (none deleted),
then a unique index on the subject over the current rows (services/common/key_table.py, person_keys_unique.py)

Revision ID: 0011_key_unique_badges
Revises: 0010_book_retry
Created: 2026-12-07 13:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from services.common import person_keys_unique

revision: str = "0011_key_unique_badges"
down_revision: str | None = "0010_book_retry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    person_keys_unique.upgrade()


def downgrade() -> None:
    person_keys_unique.downgrade()
