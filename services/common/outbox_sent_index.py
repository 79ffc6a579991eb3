"""The migration step that gives the outbox an index over its sent rows (each service's revision
``…_outbox_sent_<service>`` runs it; ``outbox_purge`` says why). Frozen with those revisions: a later change to the
index is a revision of its own, never a change here.

Partial, like ``ix_outbox_unsent``: a row enters it when the relay marks it sent, so the hot insert of unsent rows
does not touch it. Built in the upgrade's transaction (``CREATE INDEX``, not ``CONCURRENTLY``): an outbox of a few
hundred thousand rows takes seconds, while the service is not yet serving.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

INDEX = "ix_outbox_sent"


def upgrade() -> None:
    op.create_index(
        INDEX,
        "outbox",
        ["sent_at"],
        sqlite_where=sa.text("sent_at IS NOT NULL"),
        postgresql_where=sa.text("sent_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="outbox")
