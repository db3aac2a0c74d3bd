"""handover: counsellors, slots, consents, leads, bookings, notifications, dashboard sessions

Replaces the anonymous handover_requests of 0001 with consented leads.

Revision ID: ho0001
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ho0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete
    )


def upgrade() -> None:
    op.drop_index("ix_handover_requests_conversation_id", table_name="handover_requests")
    op.drop_table("handover_requests")
    op.create_table(
        "counsellors",
        *_id("counsellors"),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.UniqueConstraint("email", name="uq_counsellors_email"),
    )
    op.create_table(
        "availability_rules",
        *_id("availability_rules"),
        sa.Column("counsellor_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        _fk("availability_rules", "counsellor_id", "counsellors", "CASCADE"),
    )
    op.create_index("ix_availability_rules_counsellor_id", "availability_rules", ["counsellor_id"])
    op.create_table(
        "slots",
        *_id("slots"),
        sa.Column("counsellor_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        _fk("slots", "counsellor_id", "counsellors", "CASCADE"),
        _fk("slots", "rule_id", "availability_rules", "SET NULL"),
        sa.UniqueConstraint("counsellor_id", "starts_at", name="uq_slots_counsellor_id"),
    )
    op.create_index("ix_slots_counsellor_id", "slots", ["counsellor_id"])
    op.create_index("ix_slots_starts_at", "slots", ["starts_at"])
    op.create_table(
        "consents",
        *_id("consents"),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        _fk("consents", "conversation_id", "conversations", "CASCADE"),
    )
    op.create_index("ix_consents_conversation_id", "consents", ["conversation_id"])
    op.create_table(
        "leads",
        *_id("leads"),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("topic", sa.String(64), nullable=True),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("contact_name", sa.String(120), nullable=True),
        sa.Column("contact_via", sa.String(16), nullable=True),
        sa.Column("contact_phone", sa.String(32), nullable=True),
        sa.Column("contact_email", sa.String(254), nullable=True),
        sa.Column("availability", sa.String(32), nullable=True),
        sa.Column("callback_requested", sa.Boolean(), nullable=False),
        sa.Column("interpreter_needed", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counsellor_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        _fk("leads", "conversation_id", "conversations", "CASCADE"),
        _fk("leads", "counsellor_id", "counsellors", "SET NULL"),
    )
    op.create_index("ix_leads_conversation_id", "leads", ["conversation_id"])
    op.create_index("ix_leads_region", "leads", ["region"])
    op.create_index("ix_leads_status", "leads", ["status"])
    op.create_table(
        "lead_events",
        *_id("lead_events"),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _fk("lead_events", "lead_id", "leads", "CASCADE"),
    )
    op.create_index("ix_lead_events_lead_id", "lead_events", ["lead_id"])
    op.create_table(
        "bookings",
        *_id("bookings"),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        _fk("bookings", "slot_id", "slots", "CASCADE"),
        _fk("bookings", "lead_id", "leads", "CASCADE"),
        sa.UniqueConstraint("slot_id", name="uq_bookings_slot_id"),
        sa.UniqueConstraint("lead_id", name="uq_bookings_lead_id"),
    )
    op.create_table(
        "notifications",
        *_id("notifications"),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _fk("notifications", "conversation_id", "conversations", "CASCADE"),
    )
    op.create_index("ix_notifications_conversation_id", "notifications", ["conversation_id"])
    op.create_index("ix_notifications_due_at", "notifications", ["due_at"])
    op.create_table(
        "dashboard_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("counsellor_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dashboard_sessions"),
        _fk("dashboard_sessions", "counsellor_id", "counsellors", "CASCADE"),
    )
    op.create_index("ix_dashboard_sessions_counsellor_id", "dashboard_sessions", ["counsellor_id"])
    op.create_table(
        "login_attempts",
        *_id("login_attempts"),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_attempts_key", "login_attempts", ["key"])


def downgrade() -> None:
    for table in (
        "login_attempts",
        "dashboard_sessions",
        "notifications",
        "bookings",
        "lead_events",
        "leads",
        "consents",
        "slots",
        "availability_rules",
        "counsellors",
    ):
        op.drop_table(table)
    op.create_table(
        "handover_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_handover_requests"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_handover_requests_conversation_id_conversations",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_handover_requests_conversation_id", "handover_requests", ["conversation_id"]
    )
