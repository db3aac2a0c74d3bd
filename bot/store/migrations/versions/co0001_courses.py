"""course catalogue; joins the handover and telegram branches into one head

Revision ID: co0001
Revises: ho0002, tg0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "co0001"
down_revision: str | Sequence[str] | None = ("ho0002", "tg0002")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("occupations", sa.JSON(), nullable=False),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("duration_months", sa.Integer(), nullable=True),
        sa.Column("start_dates", sa.JSON(), nullable=False),
        sa.Column("voucher", sa.Boolean(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("url", sa.String(500), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=True),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_courses"),
        sa.UniqueConstraint("external_id", name="uq_courses_external_id"),
    )
    op.create_index("ix_courses_region", "courses", ["region"])


def downgrade() -> None:
    op.drop_index("ix_courses_region", table_name="courses")
    op.drop_table("courses")
