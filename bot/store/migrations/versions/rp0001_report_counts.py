"""Anonymous report counts for the programme's funders (one row per day, kind and dimensions)

Revision ID: rp0001
Revises: kp0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "rp0001"
down_revision: str | Sequence[str] | None = "kp0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No conversation, lead or time of day: counts per calendar day only, so an erasure of a
    # person never changes a past figure and no row points back to anyone.
    op.create_table(
        "report_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("detail", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "kind", "channel", "language", "region", "detail", name="pk_report_counts"
        ),
    )


def downgrade() -> None:
    op.drop_table("report_counts")
