"""Messages on a lead: the person's own questions and the counsellor's conversation with them

Revision ID: ms0001
Revises: kp0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ms0001"
down_revision: str | Sequence[str] | None = "kp0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lead_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("counsellor_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("topic", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_lead_messages"),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name="fk_lead_messages_lead_id_leads", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"],
            name="fk_lead_messages_conversation_id_conversations", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["counsellor_id"], ["counsellors.id"],
            name="fk_lead_messages_counsellor_id_counsellors", ondelete="SET NULL",
        ),
    )  # fmt: skip
    op.create_index("ix_lead_messages_lead_id", "lead_messages", ["lead_id"])
    op.create_index(
        "ix_lead_messages_conversation_kind", "lead_messages", ["conversation_id", "kind", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_lead_messages_conversation_kind", table_name="lead_messages")
    op.drop_index("ix_lead_messages_lead_id", table_name="lead_messages")
    op.drop_table("lead_messages")
