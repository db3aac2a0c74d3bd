"""telegram pacing: the bot's send schedules and flood wait, shared by worker processes

Revision ID: tg0003
Revises: kp0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "tg0003"
down_revision: str | Sequence[str] | None = "kp0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telegram_pacing",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("full_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("flood_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_telegram_pacing")),
    )


def downgrade() -> None:
    op.drop_table("telegram_pacing")
