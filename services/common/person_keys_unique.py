"""The migration step that makes ``person_keys`` hold one current key per person (each service's revision
``…_key_unique_<service>`` runs it; ``key_table`` says why). Frozen with those revisions: a later change to the table
is a revision of its own, never a change here.

Before the unique index can exist, the people who already have several keys keep one current and the others
retired — none is deleted, so whatever each sealed still opens, and each still goes at the person's erasure. The
one kept current: an erasure's mark if there is one (the person stays erased here), else a key whose record has
left the outbox for ``congress.keys`` (consumers have it) before one still waiting there, else the earliest
minted (then the smallest key id, so the choice is the same on every run).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

INDEX = "uq_person_keys_current"

_KEY_AS_BYTES = {"sqlite": "CAST(k.key_id AS BLOB)", "postgresql": "convert_to(k.key_id, 'UTF8')"}
"""The key id as the outbox stores a record's key (``key`` is bytes)."""


def dedupe_sql(dialect: str) -> str:
    """The UPDATE that retires every key of a person but the one kept current (module doc)."""
    unsent = (
        "SELECT 1 FROM outbox o WHERE o.key = "  # noqa: S608  # constants only
        f"{_KEY_AS_BYTES[dialect]} AND o.value IS NOT NULL AND o.sent_at IS NULL"
    )
    ranked = (
        "SELECT k.key_id, ROW_NUMBER() OVER (PARTITION BY k.subject ORDER BY "  # noqa: S608  # constants only
        "CASE WHEN length(k.wrapped_key) = 0 THEN 0 ELSE 1 END, "
        f"CASE WHEN EXISTS ({unsent}) THEN 1 ELSE 0 END, k.created_at, k.key_id) AS n FROM person_keys k"
    )
    return f"UPDATE person_keys SET retired = TRUE WHERE key_id IN (SELECT key_id FROM ({ranked}) ranked WHERE n > 1)"  # noqa: S608


def upgrade() -> None:
    with op.batch_alter_table("person_keys") as batch:
        batch.add_column(sa.Column("retired", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(dedupe_sql(op.get_bind().dialect.name))
    op.create_index(
        INDEX,
        "person_keys",
        ["subject"],
        unique=True,
        sqlite_where=sa.text("NOT retired"),
        postgresql_where=sa.text("NOT retired"),
    )


def downgrade() -> None:
    """Back to several keys a person: the retired keys become keys like the others again (none is lost)."""
    op.drop_index(INDEX, table_name="person_keys")
    with op.batch_alter_table("person_keys") as batch:
        batch.drop_column("retired")
