"""password resets: one-time links an admin makes for a counsellor (only a hash of the token)

Revision ID: da0001
Revises: kp0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "da0001"
down_revision: str | Sequence[str] | None = "kp0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("counsellor_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_password_resets"),
        sa.UniqueConstraint("token_hash", name="uq_password_resets_token_hash"),
        sa.ForeignKeyConstraint(
            ["counsellor_id"], ["counsellors.id"],
            name="fk_password_resets_counsellor_id_counsellors", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["counsellors.id"],
            name="fk_password_resets_created_by_counsellors", ondelete="SET NULL",
        ),
    )  # fmt: skip
    op.create_index("ix_password_resets_counsellor_id", "password_resets", ["counsellor_id"])


def downgrade() -> None:
    op.drop_index("ix_password_resets_counsellor_id", table_name="password_resets")
    op.drop_table("password_resets")
