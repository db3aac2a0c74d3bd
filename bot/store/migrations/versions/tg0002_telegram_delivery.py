"""telegram outbox: delivery status, attempt id, message id, queue time

Revision ID: tg0002
Revises: tg0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "tg0002"
down_revision: str | None = "tg0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("telegram_outbox") as batch:
        batch.add_column(
            sa.Column("status", sa.String(16), server_default="queued", nullable=False)
        )
        batch.add_column(sa.Column("attempt", sa.String(32), nullable=True))
        batch.add_column(sa.Column("message_id", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column(
                "queued_at",
                sa.DateTime(timezone=True),
                server_default=sa.func.now(),
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("telegram_outbox") as batch:
        batch.drop_column("queued_at")
        batch.drop_column("message_id")
        batch.drop_column("attempt")
        batch.drop_column("status")
