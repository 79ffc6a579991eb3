"""outbox: an index over the sent rows, for the purge of those older than the retention (decision 76;
services/common/outbox_sent_index.py)

Revision ID: 0013_outbox_sent_abstracts
Revises: 0012_key_unique_abstracts
Created: 2026-12-07 22:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

from services.common import outbox_sent_index

revision: str = "0013_outbox_sent_abstracts"
down_revision: str | None = "0012_key_unique_abstracts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_sent_index.upgrade()


def downgrade() -> None:
    outbox_sent_index.downgrade()
