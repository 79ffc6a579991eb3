"""Initial schema: the tables as create_all made them before migrations (kernel's inbox and outbox included).

Revision ID: 0001
Revises: -
Created: 2026-11-24 05:02:01.538520
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("key", sa.LargeBinary(), nullable=True),
        sa.Column("value", sa.LargeBinary(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_outbox_unsent",
        "outbox",
        ["id"],
        unique=False,
        sqlite_where=sa.text("sent_at IS NULL"),
        postgresql_where=sa.text("sent_at IS NULL"),
    )
    op.create_table(
        "badge_delegates",
        sa.Column("delegate_id", sa.String(length=64), nullable=False),
        sa.Column("congress_id", sa.String(length=64), nullable=False),
        sa.Column("registration_id", sa.String(length=64), nullable=False),
        sa.Column("registration_number", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("given_name", sa.Text(), nullable=False),
        sa.Column("family_name", sa.Text(), nullable=False),
        sa.Column("badge_name", sa.Text(), nullable=False),
        sa.Column("affiliation", sa.Text(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("add_ons", sa.JSON(), nullable=False),
        sa.Column("search_keys", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("delegate_id"),
    )
    op.create_index("ix_badge_delegates_email", "badge_delegates", ["email"], unique=False)
    op.create_index("ix_badge_delegates_registration_number", "badge_delegates", ["registration_number"], unique=False)
    op.create_table(
        "badge_payments",
        sa.Column("reference", sa.String(length=128), nullable=False),
        sa.Column("delegate_id", sa.String(length=64), nullable=False),
        sa.Column("congress_id", sa.String(length=64), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("receipt_issued", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("reference"),
    )
    op.create_index("ix_badge_payments_delegate_id", "badge_payments", ["delegate_id"], unique=False)
    op.create_table(
        "badges",
        sa.Column("delegate_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("print_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("delegate_id"),
    )
    op.create_table(
        "checkins",
        sa.Column("delegate_id", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("delegate_id"),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("delegate_id", sa.String(length=64), nullable=False),
        sa.Column("cause", sa.String(length=128), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "cause"),
        sa.UniqueConstraint("kind", "number"),
    )
    op.create_index("ix_documents_delegate_id", "documents", ["delegate_id"], unique=False)
    op.create_table(
        "stations",
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("issued_by", sa.String(length=320), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("station_id"),
    )
    op.create_table(
        "visa_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("delegate_id", sa.String(length=64), nullable=False),
        sa.Column("passport_name", sa.Text(), nullable=False),
        sa.Column("nationality", sa.String(length=100), nullable=False),
        sa.Column("passport_number", sa.String(length=64), nullable=False),
        sa.Column("arrival", sa.Date(), nullable=False),
        sa.Column("departure", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=320), nullable=True),
        sa.Column("document_number", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_visa_requests_delegate_id", "visa_requests", ["delegate_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_visa_requests_delegate_id", table_name="visa_requests")
    op.drop_table("visa_requests")
    op.drop_table("stations")
    op.drop_index("ix_documents_delegate_id", table_name="documents")
    op.drop_table("documents")
    op.drop_table("checkins")
    op.drop_table("badges")
    op.drop_index("ix_badge_payments_delegate_id", table_name="badge_payments")
    op.drop_table("badge_payments")
    op.drop_index("ix_badge_delegates_registration_number", table_name="badge_delegates")
    op.drop_index("ix_badge_delegates_email", table_name="badge_delegates")
    op.drop_table("badge_delegates")
    op.drop_index("ix_outbox_unsent", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("inbox")
