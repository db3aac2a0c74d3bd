"""Kompetenz-Kom-Pass documents (answers and PDF per version, attached to the lead)

Revision ID: kp0001
Revises: co0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "kp0001"
down_revision: str | Sequence[str] | None = "co0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kompass_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_kompass_documents"),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"],
            name="fk_kompass_documents_conversation_id_conversations", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"],
            name="fk_kompass_documents_lead_id_leads", ondelete="SET NULL",
        ),
    )  # fmt: skip
    op.create_index(
        "ix_kompass_documents_conversation_id", "kompass_documents", ["conversation_id"]
    )
    op.create_index("ix_kompass_documents_lead_id", "kompass_documents", ["lead_id"])


def downgrade() -> None:
    op.drop_index("ix_kompass_documents_lead_id", table_name="kompass_documents")
    op.drop_index("ix_kompass_documents_conversation_id", table_name="kompass_documents")
    op.drop_table("kompass_documents")
