"""person_keys: one current key per person — duplicates two copies minted at once kept retired (none deleted),
then a unique index on the subject over the current rows (services/common/key_table.py, person_keys_unique.py)

Revision ID: 0012_key_unique_notify
Revises: 0011_session_chair_notify
Created: 2026-12-07 13:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from services.common import person_keys_unique

revision: str = "0012_key_unique_notify"
down_revision: str | None = "0011_session_chair_notify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    person_keys_unique.upgrade()


def downgrade() -> None:
    person_keys_unique.downgrade()
