"""Initial schema: the tables as create_all made them before migrations (kernel's inbox and outbox included).

Revision ID: 0001
Revises: -
Created: 2026-11-24 05:01:51.311086
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
        "reg_capacity",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "reg_charges",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("registration_id", sa.String(length=40), nullable=False),
        sa.Column("payer_id", sa.String(length=40), nullable=False),
        sa.Column("add_on_code", sa.String(length=60), nullable=False),
        sa.Column("waiting_entry", sa.Integer(), nullable=True),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("invoice_number", sa.String(length=40), nullable=True),
        sa.Column("checkout_session_id", sa.String(length=200), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invoice_number"),
    )
    op.create_index("ix_reg_charges_payer_id", "reg_charges", ["payer_id"], unique=False)
    op.create_index("ix_reg_charges_registration_id", "reg_charges", ["registration_id"], unique=False)
    op.create_table(
        "reg_code_uses",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "reg_counters",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "reg_earned_roles",
        sa.Column("email_key", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("abstract_id", sa.String(length=64), nullable=False),
        sa.Column("earned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("email_key", "role", "abstract_id"),
    )
    op.create_table(
        "reg_payment_holds",
        sa.Column("payer_id", sa.String(length=40), nullable=False),
        sa.Column("hold_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("payer_id"),
    )
    op.create_table(
        "reg_presentations",
        sa.Column("abstract_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("presenters", sa.JSON(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("abstract_id"),
    )
    op.create_table(
        "reg_presenter_notices",
        sa.Column("abstract_id", sa.String(length=64), nullable=False),
        sa.Column("cause", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("emitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("abstract_id", "cause"),
    )
    op.create_table(
        "reg_registrations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("delegate_id", sa.String(length=40), nullable=False),
        sa.Column("payer_id", sa.String(length=40), nullable=False),
        sa.Column("group_id", sa.String(length=40), nullable=True),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("payment_method", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("income_group", sa.String(length=20), nullable=False),
        sa.Column("income_group_reason", sa.Text(), nullable=True),
        sa.Column("given_name", sa.Text(), nullable=False),
        sa.Column("family_name", sa.Text(), nullable=False),
        sa.Column("badge_name", sa.Text(), nullable=False),
        sa.Column("affiliation", sa.Text(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=20), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("add_ons", sa.JSON(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("total_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("invoice", sa.JSON(), nullable=True),
        sa.Column("invoice_number", sa.String(length=40), nullable=True),
        sa.Column("checkout_session_id", sa.String(length=200), nullable=True),
        sa.Column("payment_reference", sa.String(length=200), nullable=True),
        sa.Column("refunded_minor", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delegate_id"),
        sa.UniqueConstraint("invoice_number"),
        sa.UniqueConstraint("number"),
    )
    op.create_index("ix_reg_registrations_email", "reg_registrations", ["email"], unique=False)
    op.create_index("ix_reg_registrations_payer_id", "reg_registrations", ["payer_id"], unique=False)
    op.create_index("ix_reg_status_category", "reg_registrations", ["status", "category"], unique=False)
    op.create_table(
        "reg_stripe_events",
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_table(
        "reg_stripe_tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("registration_id", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("charge_id", sa.Integer(), nullable=True),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("result", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_reg_stripe_tasks_due", "reg_stripe_tasks", ["status", "next_attempt_at"], unique=False)
    op.create_index("ix_reg_stripe_tasks_registration_id", "reg_stripe_tasks", ["registration_id"], unique=False)
    op.create_table(
        "reg_used_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti"),
    )
    op.create_table(
        "reg_waiting_list",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("add_on_code", sa.String(length=60), nullable=False),
        sa.Column("registration_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reg_waiting_list_add_on_code", "reg_waiting_list", ["add_on_code"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_reg_waiting_list_add_on_code", table_name="reg_waiting_list")
    op.drop_table("reg_waiting_list")
    op.drop_table("reg_used_tokens")
    op.drop_index("ix_reg_stripe_tasks_registration_id", table_name="reg_stripe_tasks")
    op.drop_index("ix_reg_stripe_tasks_due", table_name="reg_stripe_tasks")
    op.drop_table("reg_stripe_tasks")
    op.drop_table("reg_stripe_events")
    op.drop_index("ix_reg_status_category", table_name="reg_registrations")
    op.drop_index("ix_reg_registrations_payer_id", table_name="reg_registrations")
    op.drop_index("ix_reg_registrations_email", table_name="reg_registrations")
    op.drop_table("reg_registrations")
    op.drop_table("reg_presenter_notices")
    op.drop_table("reg_presentations")
    op.drop_table("reg_payment_holds")
    op.drop_table("reg_earned_roles")
    op.drop_table("reg_counters")
    op.drop_table("reg_code_uses")
    op.drop_index("ix_reg_charges_registration_id", table_name="reg_charges")
    op.drop_index("ix_reg_charges_payer_id", table_name="reg_charges")
    op.drop_table("reg_charges")
    op.drop_table("reg_capacity")
    op.drop_index("ix_outbox_unsent", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("inbox")
